using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

/// <summary>
/// The training pipeline end to end at toy scale: tools/train/smoke.py trains a few steps on the
/// sample photos the repo ships, exports ONNX, and the C# detector loads it through the same path an
/// Ultralytics export takes.
/// </summary>
public sealed class TrainingSmokeTests
{
    [Fact]
    public void Trained_export_loads_and_runs_in_the_detector()
    {
        using var temp = RepoPaths.NewTempFolder();
        string data = Path.Combine(temp.Path, "data");
        string samples = Path.Combine(RepoPaths.Root, "models", "samples");
        string[] photos = Directory.GetFiles(Path.Combine(samples, "images"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        foreach ((string split, string[] files) in new[] { ("train", photos[..2]), ("val", photos[2..]) })
        {
            Directory.CreateDirectory(Path.Combine(data, "images", split));
            Directory.CreateDirectory(Path.Combine(data, "labels", split));
            foreach (string photo in files)
            {
                string stem = Path.GetFileNameWithoutExtension(photo);
                File.Copy(photo, Path.Combine(data, "images", split, stem + ".jpg"));
                File.Copy(Path.Combine(samples, "labels", stem + ".txt"), Path.Combine(data, "labels", split, stem + ".txt"));
            }
        }

        string onnx = RunSmoke(data, Path.Combine(temp.Path, "run"));
        using var detector = YoloDetector.Open(onnx);
        Assert.Equal(YoloOutputLayout.V8, detector.Model.Layout);
        Assert.Null(detector.Model.FixedBatch);
        Assert.Equal("product", detector.Model.Label(0));
        Assert.Equal(1, detector.Model.ClassCount);
        Assert.InRange(detector.Model.DefaultConfidence, 0.0001f, 0.9999f); // edgeinv_conf chosen on the val photo
        using var reader = new StillImageReader();
        var image = new BgrImage();
        reader.Read(photos[0], image);
        var results = new List<Detection>();
        detector.Detect(image, results, new DetectionSettings { Confidence = 0.0f, MaxDetections = 50 });
        Assert.InRange(results.Count, 1, 50);
        Assert.All(results, d => Assert.True(d.X2 <= image.Width && d.Y2 <= image.Height && d.X1 >= 0 && d.Y1 >= 0));
    }

    private static string RunSmoke(string data, string output)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("EDGEINV_PYTHON") ?? "/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { Path.Combine(RepoPaths.Root, "tools", "train", "smoke.py"), "--data", data, "--out", output })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "smoke.py did not finish in 5 minutes");
        Assert.True(p.ExitCode == 0, "smoke.py failed:\n" + stderr.Result);
        string path = stdout.Result.Trim().Split('\n')[^1].Trim();
        Assert.True(File.Exists(path), $"smoke.py printed '{path}', which is not a file");
        return path;
    }
}
