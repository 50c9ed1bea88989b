using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Imaging;
using EdgeInventory.Onnx;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.AgentBench;

/// <summary>Detector time per frame with the default model, and the cameras one 2-core device serves at a 5 s interval.</summary>
internal static class CapacityBench
{
    private const double IntervalSeconds = 5;
    private const double Cores = 2;

    public static void Run(string model, double? keyframeCapture, double? fullCapture)
    {
        if (!File.Exists(model))
        {
            Console.WriteLine($"capacity: the default model {model} is missing; skipped");
            return;
        }

        string frameFile = Path.Combine(Path.GetTempPath(), "edgeinv-bench-agent", "frame-1280x720.jpg");
        Bench.Ffmpeg("-hide_banner", "-loglevel", "error", "-y", "-i", Path.Combine(Bench.RepoRoot(), "models", "samples", "images", "shelf_val_229.jpg"), "-vf", "scale=1280:720", "-q:v", "3", frameFile);
        var frame = new BgrImage();
        using (var reader = new StillImageReader())
        {
            reader.Read(frameFile, frame);
        }

        using YoloDetector detector = YoloDetector.Open(model, new InferenceSessionOptions { IntraOpThreads = (int)Cores });
        double single = Median(detector, [frame], 15);
        BgrImage[] four = [frame, frame.Clone(), frame.Clone(), frame.Clone()];
        double batched = detector.Model.FixedBatch is null or >= 4 ? Median(detector, four, 6) / 4 : double.NaN;
        double perFrame = double.IsNaN(batched) ? single : Math.Min(single, batched);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"capacity: model {detector.Model.Version}, input {detector.Model.InputWidth}x{detector.Model.InputHeight}, 2 intra-op threads, 1280x720 frames"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  detection per frame: {single * 1000:0} ms alone, {batched * 1000:0} ms in a batch of 4"));
        foreach ((string label, double? capture) in new[] { ("key frames only", keyframeCapture), ("every frame decoded", fullCapture), ("capture not measured", (double?)0.0) })
        {
            if (capture is not double c || double.IsNaN(c))
            {
                continue;
            }

            double coresPerCamera = (Cores * perFrame / IntervalSeconds) + c;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  cameras per device at a {IntervalSeconds:0} s interval on {Cores:0} cores ({label}, {c * 100:0.0}% capture): {Math.Floor(Cores / coresPerCamera):0} ({coresPerCamera * 100:0.0}% of a core per camera)"));
        }
    }

    private static double Median(YoloDetector detector, BgrImage[] frames, int runs)
    {
        var results = frames.Select(_ => new List<Detection>()).ToArray();
        for (int i = 0; i < 3; i++)
        {
            detector.Detect(frames, results);
        }

        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            detector.Detect(frames, results);
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
