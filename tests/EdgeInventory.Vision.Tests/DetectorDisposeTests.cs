using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

/// <summary>
/// A host that stops while a frame is still inside ONNX Runtime disposes the detector from another thread. Freeing
/// the session under the run crashed the process (found with the arm64 agent under qemu, where one run takes
/// minutes); now the run is told to stop and waited for.
/// </summary>
public sealed class DetectorDisposeTests
{
    private static readonly string ShippedModel = Path.Combine(RepoPaths.Root, "models", "shelf-detector.onnx");

    [Fact]
    public async Task Disposing_during_a_run_stops_the_run_and_waits_for_it_instead_of_freeing_the_session_under_it()
    {
        var detector = YoloDetector.Open(ShippedModel);
        // Sixteen frames at the model's 832 px: a run of a second or more on a CPU, long enough to stop it midway.
        BgrImage[] frames = [.. Enumerable.Range(0, YoloDetector.MaxBatch).Select(_ => new BgrImage(1024, 768))];
        List<Detection>[] results = [.. frames.Select(_ => new List<Detection>())];

        Task run = Task.Factory.StartNew(() => detector.Detect(frames, results), TaskCreationOptions.LongRunning);
        Assert.True(SpinWait.SpinUntil(() => detector.IsRunning || run.IsCompleted, TimeSpan.FromSeconds(60)), "the run never started");
        Assert.False(run.IsCompleted, "the run ended before the test could stop it: " + run.Exception?.GetBaseException().Message);

        detector.Dispose();

        // Dispose returned only after the run had left ONNX Runtime; the run ends with the disposal as its reason.
        Assert.False(detector.IsRunning, "Dispose returned while ONNX Runtime was still running the batch");
        ObjectDisposedException stopped = await Assert.ThrowsAsync<ObjectDisposedException>(() => run);
        Assert.Contains("disposed during the run", stopped.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(frames[0], results[0]));
    }
}
