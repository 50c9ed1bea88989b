using System.Globalization;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>
/// edgeinv demo: counts the products on the sample shelf photos the repo ships (models/samples/)
/// with the default model, compares with the annotated counts, and writes annotated pictures.
/// </summary>
internal static class DemoCommand
{
    public static int Run(Arguments args, TextWriter stdout)
    {
        string outDir = args.Value("--out") ?? Path.Combine(Path.GetTempPath(), "edgeinv-demo");
        ModelOptions modelOptions = ModelOptions.Read(args);
        args.NoPositionals();
        string samples = Path.Combine(ModelOptions.RepositoryFolder("models") ?? "models", "samples");
        List<string> images = ImageFiles.Expand([samples]);
        if (images.Count == 0)
        {
            throw new FileNotFoundException($"{samples}: no sample photos");
        }

        if (modelOptions.IsDefaultModel && !File.Exists(modelOptions.ModelPath))
        {
            stdout.WriteLine($"""
                EdgeInventory demo: no trained shelf model yet.
                  {modelOptions.ModelPath} does not exist, so there is nothing to count with.
                  Train the default model with 'tools/edgeinv train' (tools/train/README.md), or run
                  'tools/edgeinv detect --model YOUR_YOLO.onnx {samples}' with an Ultralytics YOLO export.
                """);
            return CommandLine.SomeFailed;
        }

        Dictionary<string, int> annotated = ReadAnnotatedCounts(Path.Combine(samples, "annotated_counts.csv"));
        using YoloDetector detector = modelOptions.Open(Console.Error);
        Directory.CreateDirectory(outDir);
        stdout.WriteLine($"EdgeInventory demo: model {detector.Model.Path} ({detector.Model.Version}, {detector.Model.InputWidth}x{detector.Model.InputHeight}, " +
            $"threshold {detector.Model.DefaultConfidence.ToString("0.###", CultureInfo.InvariantCulture)}, {detector.ExecutionProvider})");
        using var reader = new StillImageReader();
        using var jpeg = new TurboJpegCodec();
        var image = new BgrImage();
        var detections = new List<Detection>(1024);
        foreach (string path in images)
        {
            reader.Read(path, image);
            detector.Detect(image, detections);
            string name = Path.GetFileName(path);
            string expected = annotated.TryGetValue(name, out int n) ? $", annotated {n}" : string.Empty;
            StageTimings t = detector.LastTimings;
            stdout.WriteLine($"  {name}: counted {detections.Count} products{expected}  ({t.TotalMs:F0} ms: preprocess {t.PreprocessMs:F1}, inference {t.InferenceMs:F0}, postprocess {t.PostprocessMs:F1})");
            File.WriteAllBytes(Path.Combine(outDir, name), jpeg.Encode(Annotator.Draw(image, detections), 85));
        }

        stdout.WriteLine($"Annotated photos: {outDir}");
        return CommandLine.Ok;
    }

    private static Dictionary<string, int> ReadAnnotatedCounts(string path)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return counts;
        }

        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] parts = line.Split(',');
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            {
                counts[parts[0].Trim()] = n;
            }
        }

        return counts;
    }
}
