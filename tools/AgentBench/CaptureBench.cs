using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Capture;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.AgentBench;

internal sealed record CaptureFigures(double FullDecodeCpuPerCamera, double KeyframeCpuPerCamera);

/// <summary>Capture cost per camera with real ffmpeg processes (see README).</summary>
internal static class CaptureBench
{
    public static async Task<CaptureFigures> RunAsync(string work, int cameras, TimeSpan duration)
    {
        string video = Path.Combine(work, "shelf-1080p25-h264.mp4");
        if (!File.Exists(video))
        {
            Console.WriteLine("making a 20 s 1080p25 H.264 test video from a shelf photo (once)...");
            string photo = Path.Combine(Bench.RepoRoot(), "models", "samples", "images", "shelf_val_229.jpg");
            Bench.Ffmpeg("-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", photo, "-t", "20",
                "-vf", "scale=1920:1080,noise=alls=12:allf=t+u,format=yuv420p", "-r", "25", "-c:v", "libx264", "-preset", "veryfast",
                "-g", "50", "-b:v", "4M", video + ".part.mp4");
            File.Move(video + ".part.mp4", video);
        }

        Console.WriteLine($"capture: {cameras} cameras, 1080p25 H.264 looped at real time, one 1280x720 frame per 5 s, {duration.TotalSeconds:0} s measured");
        double full = await MeasureAsync(video, cameras, duration, keyframesOnly: false);
        double key = await MeasureAsync(video, cameras, duration, keyframesOnly: true);
        return new CaptureFigures(full, key);
    }

    private static async Task<double> MeasureAsync(string video, int cameras, TimeSpan duration, bool keyframesOnly)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int self = Environment.ProcessId;
        double rssBefore = Bench.RssMiB(self);
        var settings = new CaptureSettings { SampleInterval = TimeSpan.FromSeconds(5), Width = 1280, Loop = true, KeyframesOnly = keyframesOnly, StallTimeout = TimeSpan.FromSeconds(30) };
        var captures = new List<CameraCapture>();
        using var stop = new CancellationTokenSource();
        for (int i = 0; i < cameras; i++)
        {
            var c = new CameraCapture($"cam-{i}", new CameraSource(CameraSourceKind.VideoFile, video), settings, NullLogger.Instance);
            captures.Add(c);
            c.Start();
        }

        // A consumer like the detection loop: takes each frame and gives its buffer back.
        Task consumer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (CameraCapture c in captures)
                {
                    if (c.Frames.TakeLatest() is { } f)
                    {
                        c.Frames.Return(f);
                    }
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        });

        // Warm up until every camera delivered its first frame (ffmpeg starts, buffers allocated).
        var warm = Stopwatch.StartNew();
        while (captures.Any(c => c.FramesCaptured == 0) && warm.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(200).ConfigureAwait(false);
        }

        var pids = captures.Select(c => c.ProcessId ?? 0).ToArray();
        double[] cpu0 = pids.Select(p => p > 0 ? Bench.CpuSeconds(p) : 0).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration).ConfigureAwait(false);
        double wall = clock.Elapsed.TotalSeconds;
        var shares = new List<double>();
        var rss = new List<double>();
        var pss = new List<double>();
        for (int i = 0; i < cameras; i++)
        {
            if (pids[i] > 0 && captures[i].ProcessId == pids[i])
            {
                shares.Add((Bench.CpuSeconds(pids[i]) - cpu0[i]) / wall);
                rss.Add(Bench.RssMiB(pids[i]));
                pss.Add(Bench.PssMiB(pids[i]));
            }
        }

        GC.Collect();
        double agentPerCamera = (Bench.RssMiB(self) - rssBefore) / cameras;
        long frames = captures.Sum(c => c.FramesCaptured);
        await stop.CancelAsync().ConfigureAwait(false);
        await consumer.ConfigureAwait(false);
        foreach (CameraCapture c in captures)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        double mean = shares.Count > 0 ? shares.Average() : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {(keyframesOnly ? "key frames only " : "every frame     ")}: ffmpeg CPU {mean * 100:0.0}% of a core per camera (min {shares.DefaultIfEmpty().Min() * 100:0.0}%, max {shares.DefaultIfEmpty().Max() * 100:0.0}%), ffmpeg memory {pss.DefaultIfEmpty().Average():0} MiB per camera (PSS; RSS {rss.DefaultIfEmpty().Average():0} MiB with shared libraries), agent memory {agentPerCamera:0.0} MiB per camera, {frames} frames"));
        return mean;
    }
}
