using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Onnx;

/// <summary>Where a session runs.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU execution provider, in every build of ONNX Runtime.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (a GPU build of ONNX Runtime: Microsoft.ML.OnnxRuntime.Gpu.Linux, or JetPack's on a Jetson).</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT, with CUDA behind it for nodes TensorRT does not take.</summary>
    TensorRT,
}

/// <summary>How a session is created. The defaults suit a CPU edge device.</summary>
public sealed record InferenceSessionOptions
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>The GPU to use with CUDA or TensorRT.</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// When the configured GPU provider cannot be loaded, run on the CPU (and say so through
    /// <see cref="ModelSession.ProviderFallbackReason"/>) instead of failing.
    /// </summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>Extra provider options as ONNX Runtime names them (e.g. trt_fp16_enable = 1, gpu_mem_limit).</summary>
    public IReadOnlyDictionary<string, string> ProviderOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Let idle ORT worker threads spin waiting for work. Off by default: on a shared edge CPU the
    /// spinning burns the cores that capture and the other cameras need.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Checks the values before any native call; throws ArgumentException naming the setting.</summary>
    public void Validate()
    {
        if (IntraOpThreads < 0)
        {
            throw new ArgumentException($"IntraOpThreads must be 0 (automatic) or positive, not {IntraOpThreads}");
        }

        if (InterOpThreads < 0)
        {
            throw new ArgumentException($"InterOpThreads must be 0 (automatic) or positive, not {InterOpThreads}");
        }

        if (DeviceId < 0)
        {
            throw new ArgumentException($"DeviceId must be 0 or positive, not {DeviceId}");
        }

        if (!Enum.IsDefined(OptimizationLevel))
        {
            throw new ArgumentException($"OptimizationLevel {(int)OptimizationLevel} is not one of {string.Join(", ", Enum.GetNames<GraphOptimizationLevel>())}");
        }
    }
}
