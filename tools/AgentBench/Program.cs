using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using EdgeInventory.AgentBench;
using EdgeInventory.Tools;

if (args.Length > 0 && args[0] == "--bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(AgentCountingPathBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

var mode = new Argument<string>("mode") { Description = "capture, capacity, metrics or all", DefaultValueFactory = _ => "all" };
mode.Validators.Add(r =>
{
    if (r.GetValueOrDefault<string>() is not ("all" or "capture" or "capacity" or "metrics") and { } other)
    {
        r.AddError($"mode must be all, capture, capacity or metrics, not '{other}'");
    }
});
var cameras = ToolCommandLine.Number("--cameras", 1, 256, 4, "cameras captured at once (capture)");
var seconds = ToolCommandLine.Number("--seconds", 1, 3600, 20, "how long capture is measured");
var scrapes = ToolCommandLine.Number("--scrapes", 1, 1_000_000, 2000, "/metrics scrapes of 16 cameras timed (metrics)");
var model = new Option<string>("--model")
{
    Description = "the detector timed per frame (capacity)",
    HelpName = "FILE",
    DefaultValueFactory = _ => Path.Combine(Bench.RepoRoot(), "models", "shelf-detector.onnx"),
};
var root = new RootCommand("tools/edgeinv bench agent: capture CPU and memory per camera (real ffmpeg), detector time per frame, cameras per device, CPU of one /metrics scrape. " +
    "--bdn ARGS runs the BenchmarkDotNet counting-path and metrics benchmarks with BenchmarkDotNet's own arguments.")
{
    mode, cameras, seconds, scrapes, model,
};
root.SetAction(async (parsed, _) =>
{
    string chosen = parsed.GetValue(mode)!;
    string work = Path.Combine(Path.GetTempPath(), "edgeinv-bench-agent");
    Directory.CreateDirectory(work);

    CaptureFigures? capture = null;
    if (chosen is "all" or "capture")
    {
        capture = await CaptureBench.RunAsync(work, parsed.GetValue(cameras), TimeSpan.FromSeconds(parsed.GetValue(seconds)));
    }

    if (chosen is "all" or "capacity")
    {
        CapacityBench.Run(parsed.GetValue(model)!, capture?.KeyframeCpuPerCamera, capture?.FullDecodeCpuPerCamera);
    }

    if (chosen is "all" or "metrics")
    {
        int n = parsed.GetValue(scrapes);
        Console.WriteLine($"metrics: one /metrics scrape of 16 cameras x 6 zones: {AgentMetricsBenchmarks.CpuMicrosecondsPerScrape(n):F0} us of CPU (mean of {n})");
    }

    return 0;
});
ParseResult? parsed = ToolCommandLine.Parse(root, "bench agent", args, Console.Error);
return parsed is null ? ToolCommandLine.UsageError : await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

namespace EdgeInventory.AgentBench
{
    internal static class Bench
    {
        public static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeInventory.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("EdgeInventory.sln not found above " + AppContext.BaseDirectory);
        }

        public static void Ffmpeg(params string[] args)
        {
            var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using Process p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException("ffmpeg failed: " + err);
            }
        }

        /// <summary>utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
        public static double CpuSeconds(int pid)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        /// <summary>Resident set size of a process in MiB (/proc/PID/status VmRSS).</summary>
        public static double RssMiB(int pid) => Field($"/proc/{pid}/status", "VmRSS:");

        /// <summary>
        /// Proportional set size in MiB (/proc/PID/smaps_rollup Pss): shared libraries counted once across the
        /// processes that map them, so N ffmpeg processes sum to what they really cost together.
        /// </summary>
        public static double PssMiB(int pid) => Field($"/proc/{pid}/smaps_rollup", "Pss:");

        private static double Field(string file, string name)
        {
            foreach (string line in File.ReadLines(file))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }

            return 0;
        }
    }
}
