using EdgeInventory.Imaging;
using EdgeInventory.Onnx;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

/// <summary>
/// The shipped model on the CUDA provider against the CPU, on the sample photos. Runs only where a CUDA
/// provider loads: a GPU build of ONNX Runtime (the agent built with -p:OrtGpu=true, or EDGEINV_ORT_LIBRARY
/// naming one) on a machine with CUDA 13; elsewhere it is reported skipped with ONNX Runtime's reason.
/// </summary>
public sealed class CudaAgreementTests
{
    private static readonly string ShippedModel = Path.Combine(RepoPaths.Root, "models", "shelf-detector.onnx");

    [CudaFact]
    public void Cpu_and_cuda_counts_agree_on_the_sample_photos()
    {
        using var cpu = YoloDetector.Open(ShippedModel);
        using var cuda = YoloDetector.Open(ShippedModel, new InferenceSessionOptions { Provider = ExecutionProvider.Cuda });
        Assert.Equal(ExecutionProvider.Cuda, cuda.ExecutionProvider);
        using var reader = new StillImageReader();
        var image = new BgrImage();
        List<Detection> onCpu = [], onCuda = [];
        string[] photos = Directory.GetFiles(Path.Combine(RepoPaths.Root, "models", "samples", "images"), "*.jpg");
        Assert.NotEmpty(photos);
        foreach (string photo in photos)
        {
            reader.Read(photo, image);
            cpu.Detect(image, onCpu);
            cuda.Detect(image, onCuda);
            // GPU kernels round differently (TF32 convolutions, fused activations): a box scored right at the
            // threshold may fall on the other side, so a count may differ by 1% of the shelf, not more.
            int tolerance = Math.Max(2, onCpu.Count / 100);
            Assert.True(
                Math.Abs(onCpu.Count - onCuda.Count) <= tolerance,
                $"{Path.GetFileName(photo)}: {onCpu.Count} products on the CPU, {onCuda.Count} on CUDA");
        }
    }
}

/// <summary>A fact that runs only where a CUDA session opens on this machine's ONNX Runtime; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    public CudaFactAttribute()
    {
        if (UnavailableReason.Value is string reason)
        {
            Skip = "no CUDA provider here: " + reason;
        }
    }

    private static string? Probe()
    {
        try
        {
            using var session = ModelSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"), new InferenceSessionOptions { Provider = ExecutionProvider.Cuda });
            return null;
        }
        catch (ExecutionProviderUnavailableException e)
        {
            return e.Message;
        }
    }
}
