using EdgeInventory.Onnx.Native;

namespace EdgeInventory.Onnx;

/// <summary>
/// The process-wide OrtEnv (ONNX Runtime allows one per process), its default allocator and the
/// CPU memory description used for tensors over caller-owned memory. Created on first use.
/// </summary>
internal sealed unsafe class OrtEnvironment
{
    private static readonly Lazy<OrtEnvironment> Shared = new(() => new OrtEnvironment(), LazyThreadSafetyMode.ExecutionAndPublication);

    private OrtEnvironment()
    {
        OrtApiTable api = OrtLibrary.Api;
        nint env;
        // ORT's own log goes to stderr; warnings and above (2) keep a command-line output clean.
        fixed (byte* logId = "edgeinv"u8)
        {
            api.Check(api.CreateEnv(2, logId, &env));
        }

        Env = OrtEnvHandle.Own(env);
        api.Check(api.DisableTelemetryEvents(env));
        nint allocator;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator));
        DefaultAllocator = allocator; // owned by ORT, never released
        nint memoryInfo;
        api.Check(api.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &memoryInfo));
        CpuMemory = OrtMemoryInfoHandle.Own(memoryInfo);
    }

    public static OrtEnvironment Instance => Shared.Value;

    public OrtEnvHandle Env { get; }

    public nint DefaultAllocator { get; }

    public OrtMemoryInfoHandle CpuMemory { get; }
}
