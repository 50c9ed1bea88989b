using System.CommandLine;
using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Tools;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>
/// edgeinv detect: counts objects per image. Text by default; --json prints one object per image
/// per line on stdout. A bad image is reported on stderr and the rest are still processed.
/// </summary>
internal static class DetectCommand
{
    private static readonly Argument<string[]> Inputs = ToolCommandLine.Files("image|dir", "JPEG or PNG images, or folders of them");
    private static readonly Option<float?> Confidence = ToolCommandLine.OptionalNumber("--conf", 0f, 1f, "confidence threshold (default: the model's edgeinv_conf)");
    private static readonly Option<float?> IoU = ToolCommandLine.OptionalNumber("--iou", 0.01f, 1f, "IoU threshold of non-maximum suppression");
    private static readonly Option<int?> MaxDetections = ToolCommandLine.OptionalNumber("--max-det", 1, 100_000, "most detections per image");
    private static readonly Option<bool> Json = new("--json") { Description = "one JSON object per image per line: boxes, counts, stage timings" };
    private static readonly Option<string?> Annotate = new("--annotate") { Description = "write each image with its boxes drawn into DIR", HelpName = "DIR" };

    public static Command Create()
    {
        var command = new Command("detect", "Detect and count products on images; a bad image is reported and the rest still processed (exit 1).")
        {
            Inputs, Confidence, IoU, MaxDetections, Json, Annotate,
        };
        ModelOptions.AddTo(command);
        command.SetAction(r => Run(r, r.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(ParseResult args, TextWriter stdout)
    {
        ModelOptions modelOptions = ModelOptions.Read(args);
        var settings = new DetectionSettings
        {
            Confidence = args.GetValue(Confidence),
            IoU = args.GetValue(IoU),
            MaxDetections = args.GetValue(MaxDetections),
        };
        bool json = args.GetValue(Json);
        string? annotateDir = args.GetValue(Annotate);
        List<string> inputs = [.. args.GetValue(Inputs) ?? []];
        if (inputs.Count == 0)
        {
            throw new UsageException("give one or more images or folders of images");
        }

        List<string> images = ImageFiles.Expand(inputs);
        if (images.Count == 0)
        {
            throw new UsageException($"no JPEG or PNG images in {string.Join(", ", inputs)}");
        }

        if (annotateDir is not null)
        {
            Directory.CreateDirectory(annotateDir);
        }

        using YoloDetector detector = modelOptions.Open(Console.Error);
        using var reader = new StillImageReader();
        using var jpeg = new TurboJpegCodec();
        var image = new BgrImage();
        var detections = new List<Detection>(1024);
        int failed = 0;
        foreach (string path in images)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                reader.Read(path, image);
            }
            catch (ImageDecodeException e)
            {
                Console.Error.WriteLine($"edgeinv detect: {e.Message}");
                failed++;
                continue;
            }

            double decodeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            detector.Detect(image, detections, settings);
            StageTimings t = detector.LastTimings;
            double totalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (json)
            {
                WriteJson(stdout, path, image, detections, detector.Model, decodeMs, t, totalMs);
            }
            else
            {
                stdout.WriteLine(TextLine(path, image, detections, detector.Model, totalMs));
            }

            if (annotateDir is not null)
            {
                string target = Path.Combine(annotateDir, Path.GetFileNameWithoutExtension(path) + ".jpg");
                File.WriteAllBytes(target, jpeg.Encode(Annotator.Draw(image, detections), 85));
            }
        }

        stdout.Flush();
        if (failed > 0)
        {
            Console.Error.WriteLine($"edgeinv detect: {failed} of {images.Count} images could not be read");
        }

        return failed == 0 ? CommandLine.Ok : CommandLine.SomeFailed;
    }

    internal static SortedDictionary<string, int> CountByLabel(IEnumerable<Detection> detections, YoloModelInfo model)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (Detection d in detections)
        {
            string label = model.Label(d.ClassId);
            counts[label] = counts.GetValueOrDefault(label) + 1;
        }

        return counts;
    }

    internal static string TextLine(string path, BgrImage image, List<Detection> detections, YoloModelInfo model, double totalMs)
    {
        string byLabel = string.Join(", ", CountByLabel(detections, model).Select(kv => $"{kv.Key} {kv.Value}"));
        return $"{path}: {detections.Count} objects{(byLabel.Length > 0 ? " (" + byLabel + ")" : string.Empty)}  [{image.Width}x{image.Height}, {totalMs:F0} ms]";
    }

    private static void WriteJson(TextWriter stdout, string path, BgrImage image, List<Detection> detections, YoloModelInfo model,
        double decodeMs, StageTimings t, double totalMs)
    {
        JsonLine.Write(stdout, w =>
        {
            w.WriteString("image", path);
            w.WriteNumber("width", image.Width);
            w.WriteNumber("height", image.Height);
            w.WriteStartArray("detections");
            foreach (Detection d in detections)
            {
                w.WriteStartObject();
                w.WriteNumber("x1", Math.Round(d.X1, 2));
                w.WriteNumber("y1", Math.Round(d.Y1, 2));
                w.WriteNumber("x2", Math.Round(d.X2, 2));
                w.WriteNumber("y2", Math.Round(d.Y2, 2));
                w.WriteNumber("score", Math.Round(d.Score, 4));
                w.WriteNumber("class", d.ClassId);
                w.WriteString("label", model.Label(d.ClassId));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("counts");
            foreach ((string label, int n) in CountByLabel(detections, model))
            {
                w.WriteNumber(label, n);
            }

            w.WriteEndObject();
            w.WriteStartObject("timings_ms");
            w.WriteNumber("decode", Math.Round(decodeMs, 3));
            w.WriteNumber("preprocess", Math.Round(t.PreprocessMs, 3));
            w.WriteNumber("inference", Math.Round(t.InferenceMs, 3));
            w.WriteNumber("postprocess", Math.Round(t.PostprocessMs, 3));
            w.WriteNumber("total", Math.Round(totalMs, 3));
            w.WriteEndObject();
        });
    }
}
