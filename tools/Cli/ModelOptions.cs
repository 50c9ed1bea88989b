using System.CommandLine;
using EdgeInventory.Onnx;
using EdgeInventory.Tools;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>The options every command that loads a detector shares.</summary>
internal sealed record ModelOptions(string ModelPath, bool IsDefaultModel, InferenceSessionOptions Session)
{
    public const string DefaultModelFile = "shelf-detector.onnx";

    private static readonly Option<string?> Model = new("--model")
    {
        Description = $"an Ultralytics YOLO ONNX export (default: models/{DefaultModelFile}, or EDGEINV_MODEL)",
        HelpName = "FILE",
    };

    private static readonly Option<string?> Provider = new("--provider") { Description = "execution provider: cpu, cuda or tensorrt (default cpu)", HelpName = "EP" };
    private static readonly Option<bool> CpuFallback = new("--cpu-fallback") { Description = "run on the CPU, with a warning, when the provider cannot be used" };
    private static readonly Option<int> Threads = ToolCommandLine.Number("--threads", 0, 256, 0, "intra-op threads (0: ONNX Runtime's choice)");
    private static readonly Option<string?> OrtLibraryPath = new("--ort-library") { Description = "the libonnxruntime.so to load (default: EDGEINV_ORT_LIBRARY)", HelpName = "FILE" };

    /// <summary>Adds the model options to a command that loads a detector.</summary>
    public static void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Provider);
        command.Add(CpuFallback);
        command.Add(Threads);
        command.Add(OrtLibraryPath);
    }

    public static ModelOptions Read(ParseResult args)
    {
        string? model = args.GetValue(Model);
        string? provider = args.GetValue(Provider);
        bool fallback = args.GetValue(CpuFallback);
        int threads = args.GetValue(Threads);
        string? library = args.GetValue(OrtLibraryPath);
        if (library is not null)
        {
            OrtLibrary.Configure(library);
        }

        ExecutionProvider ep = provider?.ToLowerInvariant() switch
        {
            null or "cpu" => ExecutionProvider.Cpu,
            "cuda" => ExecutionProvider.Cuda,
            "tensorrt" or "trt" => ExecutionProvider.TensorRT,
            _ => throw new UsageException($"--provider must be cpu, cuda or tensorrt, not '{provider}'"),
        };
        return new ModelOptions(
            model ?? DefaultModelPath(),
            model is null,
            new InferenceSessionOptions { Provider = ep, FallbackToCpu = fallback, IntraOpThreads = threads });
    }

    /// <summary>models/shelf-detector.onnx of the repository this program was built in, or EDGEINV_MODEL.</summary>
    public static string DefaultModelPath()
    {
        string? configured = Environment.GetEnvironmentVariable("EDGEINV_MODEL");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        string? models = RepositoryFolder("models");
        return Path.Combine(models ?? "models", DefaultModelFile);
    }

    /// <summary>A top-level folder of the repository, found above the program's own folder.</summary>
    public static string? RepositoryFolder(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeInventory.sln")) && Directory.Exists(Path.Combine(dir.FullName, name)))
            {
                return Path.Combine(dir.FullName, name);
            }
        }

        return null;
    }

    /// <summary>Opens the detector, saying clearly when the default model has not been trained yet.</summary>
    public YoloDetector Open(TextWriter diagnostics)
    {
        if (IsDefaultModel && !File.Exists(ModelPath))
        {
            throw new FileNotFoundException(
                $"{ModelPath}: no trained shelf model yet. Train one with 'tools/edgeinv train --data DIR --out DIR' " +
                "(see tools/train/README.md) or pass --model with an Ultralytics YOLO ONNX export", ModelPath);
        }

        YoloDetector detector = YoloDetector.Open(ModelPath, Session);
        if (detector.ProviderFallbackReason is string reason)
        {
            diagnostics.WriteLine($"edgeinv: warning: running on the CPU: {reason}");
        }

        return detector;
    }
}
