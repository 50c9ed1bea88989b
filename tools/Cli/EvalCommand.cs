using System.CommandLine;
using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Tools;
using EdgeInventory.Vision.Evaluation;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>
/// edgeinv eval: accuracy of a detector on a labelled folder (images/ and labels/ with the same file
/// stems, YOLO text), through the same detector the agent runs. AP figures come from detections at
/// a 0.001 threshold with up to 1,000 per image; precision, recall and count errors from the
/// operating threshold (the model's edgeinv_conf, or --conf), timed end to end per image.
/// </summary>
internal static class EvalCommand
{
    private const float ApConfidence = 0.001f;
    private const int ApMaxDetections = 1000;

    private static readonly Option<string> Data = new("--data") { Description = "a folder with images/ and labels/ (YOLO text, same file stems)", HelpName = "DIR", Required = true };
    private static readonly Option<string?> Split = new("--split") { Description = "a subfolder of images/ and labels/ (train, val, ...)", HelpName = "S" };
    private static readonly Option<float?> Confidence = ToolCommandLine.OptionalNumber("--conf", 0f, 1f, "operating threshold for precision, recall and counts (default: the model's edgeinv_conf)");
    private static readonly Option<bool> Json = new("--json") { Description = "the figures as one JSON line" };

    public static Command Create()
    {
        var command = new Command("eval", "Accuracy of a detector on a labelled folder: AP50, AP50-95, precision, recall, count errors, speed.")
        {
            Data, Split, Confidence, Json,
        };
        ModelOptions.AddTo(command);
        command.SetAction(r => Run(r, r.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(ParseResult args, TextWriter stdout)
    {
        ModelOptions modelOptions = ModelOptions.Read(args);
        string data = args.GetValue(Data)!;
        string? split = args.GetValue(Split);
        float? conf = args.GetValue(Confidence);
        bool json = args.GetValue(Json);

        string imagesDir = Path.Combine(data, "images", split ?? string.Empty);
        string labelsDir = Path.Combine(data, "labels", split ?? string.Empty);
        if (!Directory.Exists(imagesDir))
        {
            throw new DirectoryNotFoundException($"{imagesDir}: no such folder (--data needs images/ and labels/ inside)");
        }

        List<string> images = ImageFiles.Expand([imagesDir]);
        if (images.Count == 0)
        {
            string[] subfolders = Directory.GetDirectories(imagesDir).Select(Path.GetFileName).OfType<string>().ToArray();
            throw new UsageException(subfolders.Length > 0
                ? $"{imagesDir} has no images but folders {string.Join(", ", subfolders)}: choose one with --split"
                : $"{imagesDir}: no JPEG or PNG images");
        }

        using YoloDetector detector = modelOptions.Open(Console.Error);
        float operating = conf ?? detector.Model.DefaultConfidence;
        using var reader = new StillImageReader();
        var image = new BgrImage();
        var detections = new List<Detection>(ApMaxDetections);
        var evaluator = new DetectionEvaluator();
        var lowThreshold = new DetectionSettings { Confidence = ApConfidence, MaxDetections = ApMaxDetections };
        var operatingSettings = new DetectionSettings { Confidence = operating };
        double totalMs = 0;
        foreach (string path in images)
        {
            // Timed pass: the product's path at the operating threshold, decode included.
            long start = Stopwatch.GetTimestamp();
            reader.Read(path, image);
            detector.Detect(image, detections, operatingSettings);
            totalMs += Stopwatch.GetElapsedTime(start).TotalMilliseconds;

            detector.Detect(image, detections, lowThreshold);
            string label = Path.Combine(labelsDir, Path.GetFileNameWithoutExtension(path) + ".txt");
            evaluator.Add(YoloLabels.Read(label, image.Width, image.Height), detections);
        }

        EvaluationResult r = evaluator.Compute(operating);
        double msPerImage = totalMs / images.Count;
        if (json)
        {
            JsonLine.Write(stdout, w =>
            {
                w.WriteNumber("images", r.Images);
                w.WriteNumber("instances", r.Instances);
                w.WriteNumber("ap50", Math.Round(r.AP50, 4));
                w.WriteNumber("ap50_95", Math.Round(r.AP50To95, 4));
                w.WriteNumber("precision", Math.Round(r.Precision, 4));
                w.WriteNumber("recall", Math.Round(r.Recall, 4));
                w.WriteNumber("count_mae", Math.Round(r.CountMae, 3));
                w.WriteNumber("count_rmse", Math.Round(r.CountRmse, 3));
                w.WriteNumber("count_mean_error", Math.Round(r.CountMeanError, 3));
                w.WriteNumber("ms_per_image", Math.Round(msPerImage, 1));
                w.WriteNumber("conf", Math.Round(r.OperatingConfidence, 4));
            });
        }
        else
        {
            stdout.WriteLine($"model      {detector.Model.Path} ({detector.Model.InputWidth}x{detector.Model.InputHeight}, {detector.ExecutionProvider})");
            stdout.WriteLine($"data       {imagesDir}: {r.Images} images, {r.Instances} labelled objects");
            stdout.WriteLine($"AP50       {r.AP50:F4}");
            stdout.WriteLine($"AP50-95    {r.AP50To95:F4}");
            stdout.WriteLine($"at conf {r.OperatingConfidence:0.####}: precision {r.Precision:F4}, recall {r.Recall:F4}");
            stdout.WriteLine($"count      MAE {r.CountMae:F2}, RMSE {r.CountRmse:F2}, mean error {r.CountMeanError:+0.00;-0.00} per image");
            stdout.WriteLine($"speed      {msPerImage:F1} ms per image end to end (decode + detect)");
        }

        return CommandLine.Ok;
    }
}
