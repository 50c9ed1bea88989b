using System.CommandLine;
using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Tools;
using EdgeInventory.Onnx;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>
/// edgeinv bench vision (stage timings): for each model, decode / preprocess / inference /
/// postprocess per image over a folder, and the package's bare RunWithBinding time of the same model
/// on tensors of the same shapes in the same run, so the overhead of the project's own code is a ratio, not a guess.
/// </summary>
internal static class BenchVisionCommand
{
    private static readonly Option<string?> BenchModel = new("--bench-model") { Description = "a second model to time when --model is not given", HelpName = "FILE" };
    private static readonly Option<string> Images = new("--images")
    {
        Description = "the images to time",
        HelpName = "DIR",
        DefaultValueFactory = _ => Path.Combine(ModelOptions.RepositoryFolder("models") ?? "models", "samples", "images"),
    };

    private static readonly Option<int> Runs = ToolCommandLine.Number("--runs", 2, 1000, 6, "passes over the images; the first is warm-up");

    public static Command Create()
    {
        var command = new Command("bench-vision", "Stage timings per image against the bare ONNX Runtime run of the same model (tools/edgeinv bench vision).")
        {
            BenchModel, Images, Runs,
        };
        ModelOptions.AddTo(command);
        command.SetAction(r => Run(r, r.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(ParseResult args, TextWriter stdout)
    {
        string? benchModel = args.GetValue(BenchModel);
        ModelOptions modelOptions = ModelOptions.Read(args);
        string imagesDir = args.GetValue(Images)!;
        int runs = args.GetValue(Runs);

        var models = new List<string>();
        if (!modelOptions.IsDefaultModel || File.Exists(modelOptions.ModelPath))
        {
            models.Add(modelOptions.ModelPath);
        }

        if (benchModel is not null && modelOptions.IsDefaultModel)
        {
            models.Add(benchModel);
        }

        if (models.Count == 0)
        {
            throw new UsageException("no model to time: pass --model, or train the default model");
        }

        List<string> images = ImageFiles.Expand([imagesDir]);
        if (images.Count == 0)
        {
            throw new UsageException($"{imagesDir}: no images to time");
        }

        stdout.WriteLine($"ONNX Runtime {OrtLibrary.Version} ({OrtLibrary.LoadedPath}), {Environment.ProcessorCount} logical CPUs, {images.Count} images x {runs} runs (first run is warm-up)");
        foreach (string model in models)
        {
            BenchOne(model, modelOptions.Session, images, runs, stdout);
        }

        return CommandLine.Ok;
    }

    private static void BenchOne(string modelPath, InferenceSessionOptions sessionOptions, List<string> images, int runs, TextWriter stdout)
    {
        using YoloDetector detector = YoloDetector.Open(modelPath, sessionOptions);
        using var reader = new StillImageReader();
        var decoded = images.Select(_ => new BgrImage()).ToArray();
        var detections = new List<Detection>(1024);
        double decode = 0, pre = 0, infer = 0, post = 0;
        int timed = 0;
        int candidatesSeen = 0;
        for (int run = 0; run < runs; run++)
        {
            for (int i = 0; i < images.Count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                reader.Read(images[i], decoded[i]);
                double d = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                detector.Detect(decoded[i], detections);
                if (run == 0)
                {
                    continue;
                }

                StageTimings t = detector.LastTimings;
                decode += d;
                pre += t.PreprocessMs;
                infer += t.InferenceMs;
                post += t.PostprocessMs;
                candidatesSeen += detections.Count;
                timed++;
            }
        }

        // The bare ORT run: the same session and input shape, tensors bound once, nothing else.
        YoloModelInfo m = detector.Model;
        using var bareRun = new BareRun(detector);
        int bareRuns = timed;
        long bareStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < bareRuns; i++)
        {
            bareRun.Run();
        }

        double bare = Stopwatch.GetElapsedTime(bareStart).TotalMilliseconds / bareRuns;
        double n = timed;
        double endToEnd = (pre + infer + post) / n;
        stdout.WriteLine();
        stdout.WriteLine($"model {modelPath} ({m.InputWidth}x{m.InputHeight}, {m.Layout}, provider {detector.ExecutionProvider})");
        stdout.WriteLine($"  decode       {decode / n,8:F2} ms/image (JPEG via libturbojpeg)");
        stdout.WriteLine($"  preprocess   {pre / n,8:F2} ms/image (letterbox + normalise)");
        stdout.WriteLine($"  inference    {infer / n,8:F2} ms/image (RunWithBinding inside the detector)");
        stdout.WriteLine($"  postprocess  {post / n,8:F2} ms/image (decode, NMS, mapping; {candidatesSeen / n:F0} detections/image)");
        stdout.WriteLine($"  bare run     {bare,8:F2} ms/run  (the package's RunWithBinding, same session, bound tensors, {bareRuns} runs)");
        stdout.WriteLine($"  detect / bare run = {endToEnd / bare:F3}; pre+post = {100 * (pre + post) / n / bare:F2}% of bare run");
    }
}
