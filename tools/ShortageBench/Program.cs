using System.CommandLine;
using System.CommandLine.Invocation;
using EdgeInventory.ShortageBench;
using EdgeInventory.Tools;

var data = new Option<string>("--data")
{
    Description = "data set in YOLO layout (images/SPLIT, labels/SPLIT) the cameras are made from",
    HelpName = "DIR",
    DefaultValueFactory = _ => Path.GetFullPath(Path.Combine(Harness.RepoRoot(), "..", "shared", "data", "sku110k-dev")),
};
var split = new Option<string>("--split") { Description = "the split of --data (val: photos the default model never trained on)", DefaultValueFactory = _ => "val" };
var withSamples = new Option<bool>("--with-samples") { Description = "also use the photos that ship in models/samples (left out by default: the agent's tests use them)" };
var model = new Option<string>("--model")
{
    Description = "the detector",
    HelpName = "FILE",
    DefaultValueFactory = _ => Path.Combine(Harness.RepoRoot(), "models", "shelf-detector.onnx"),
};
var cameras = ToolCommandLine.Number("--cameras", 1, 1000, 1000, "at most this many cameras (all the photos give, by default)");
var quick = new Option<bool>("--quick") { Description = "8 cameras" };
var seed = ToolCommandLine.Number("--seed", 0, int.MaxValue, 1, "seed of the scenarios and the bare-shelf noise");
var interval = ToolCommandLine.Number("--interval", 0.1, 3600.0, 5.0, "seconds between frames (the cameras' IntervalSeconds)");
var threads = ToolCommandLine.Number("--threads", 1, 64, 2, "ONNX Runtime intra-op threads");
var json = new Option<string?>("--json") { Description = "write every figure, event and episode here", HelpName = "FILE" };
var set = new Option<string[]>("--set")
{
    Description = "override an agent configuration key under Agent: (e.g. --set Smoothing:InertiaSeconds=10); repeatable",
    HelpName = "KEY=VALUE",
    AllowMultipleArgumentsPerToken = false,
};
set.Validators.Add(r =>
{
    foreach (string s in r.GetValueOrDefault<string[]>() ?? [])
    {
        if (s.IndexOf('=', StringComparison.Ordinal) <= 0)
        {
            r.AddError($"--set '{s}' is not KEY=VALUE");
        }
    }
});
var cacheFolder = new Option<string>("--detection-cache")
{
    Description = "detections of each rendered frame are kept here between runs (named by model, photo, seed and frame)",
    HelpName = "DIR",
    DefaultValueFactory = _ => Path.Combine(Harness.RepoRoot(), ".deps", "bench", "shortage-detections"),
};
var noCache = new Option<bool>("--no-cache") { Description = "run the detector on every distinct frame, reading and writing no cache" };
var dump = new Option<string?>("--dump") { Description = "write the first camera's distinct frames as JPEG here (to look at the rendering)", HelpName = "DIR" };

var root = new RootCommand("tools/edgeinv bench shortage: the ground-truth camera harness. Cameras rendered from labelled shelf photos (bays emptied, a partial drop, a passing shopper, a restock) " +
    "go through the default detector and the agent's own counting, smoothing and reconciliation; prints precision, recall and delay of shortage starts against the truth per frame.")
{
    data, split, withSamples, model, cameras, quick, seed, interval, threads, json, cacheFolder, noCache, set, dump,
};
root.SetAction(parsed =>
{
    var options = new HarnessOptions(
        parsed.GetValue(data)!,
        parsed.GetValue(split)!,
        parsed.GetValue(withSamples),
        parsed.GetValue(model)!,
        parsed.GetValue(quick) ? Math.Min(8, parsed.GetValue(cameras)) : parsed.GetValue(cameras),
        parsed.GetValue(seed),
        parsed.GetValue(interval),
        parsed.GetValue(threads),
        parsed.GetValue(json),
        parsed.GetValue(noCache) ? null : parsed.GetValue(cacheFolder),
        (parsed.GetValue(set) ?? []).Select(static s => s.Split('=', 2)).ToDictionary(static p => p[0], static p => p[1]),
        parsed.GetValue(dump));
    return Harness.Run(options, Console.Out, Console.Error);
});
ParseResult? result = ToolCommandLine.Parse(root, "bench shortage", args, Console.Error);
return result is null ? ToolCommandLine.UsageError : result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
