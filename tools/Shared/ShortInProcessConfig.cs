using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace EdgeInventory.Tools;

/// <summary>
/// The BenchmarkDotNet job of every benchmark here: in process (a generated project would rebuild the agent's
/// dependency chain, which a busy 2-core device does not finish within BenchmarkDotNet's build timeout), 3 warm-up and
/// 10 measured iterations, one launch. Linked into each benchmark program (tools/Shared), so it is written once.
/// </summary>
internal sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
    }
}
