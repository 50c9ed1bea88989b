using System.CommandLine;
using System.Globalization;
using EdgeInventory.Imaging;
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
    private static readonly Option<string> OutDir = new("--out")
    {
        Description = "where the annotated photos go",
        HelpName = "DIR",
        DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "edgeinv-demo"),
    };

    public static Command Create()
    {
        var command = new Command("demo", "Count the products on the sample shelf photos (models/samples) with the default model and write annotated copies.")
        {
            OutDir,
        };
        ModelOptions.AddTo(command);
        command.SetAction(r => Run(r, r.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(ParseResult args, TextWriter stdout)
    {
        string outDir = args.GetValue(OutDir)!;
        ModelOptions modelOptions = ModelOptions.Read(args);
        string samples = Path.Combine(ModelOptions.RepositoryFolder("models") ?? "models", "samples");
        List<string> images = ImageFiles.Expand([Path.Combine(samples, "images")]);
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
            string labels = Path.Combine(samples, "labels", Path.GetFileNameWithoutExtension(path) + ".txt");
            string expected = File.Exists(labels) ? $", labelled {File.ReadLines(labels).Count(l => l.Trim().Length > 0)}" : string.Empty;
            StageTimings t = detector.LastTimings;
            stdout.WriteLine($"  {name}: counted {detections.Count} products{expected}  ({t.TotalMs:F0} ms: preprocess {t.PreprocessMs:F1}, inference {t.InferenceMs:F0}, postprocess {t.PostprocessMs:F1})");
            File.WriteAllBytes(Path.Combine(outDir, name), jpeg.Encode(Annotator.Draw(image, detections), 85));
        }

        stdout.WriteLine($"Annotated photos: {outDir}");
        return CommandLine.Ok;
    }
}
