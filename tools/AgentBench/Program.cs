using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using EdgeInventory.AgentBench;

if (args.Length > 0 && args[0] == "--bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(AgentCountingPathBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

string mode = args.Length > 0 ? args[0] : "all";

int cameras = ArgInt(args, "--cameras", 4);
int seconds = ArgInt(args, "--seconds", 20);
string model = ArgString(args, "--model", Path.Combine(Bench.RepoRoot(), "models", "shelf-detector.onnx"));
string work = Path.Combine(Path.GetTempPath(), "edgeinv-bench-agent");
Directory.CreateDirectory(work);

CaptureFigures? capture = null;
if (mode is "all" or "capture")
{
    capture = await CaptureBench.RunAsync(work, cameras, TimeSpan.FromSeconds(seconds));
}

if (mode is "all" or "capacity")
{
    CapacityBench.Run(model, capture?.KeyframeCpuPerCamera, capture?.FullDecodeCpuPerCamera);
}

if (mode is "all" or "metrics")
{
    int scrapes = ArgInt(args, "--scrapes", 2000);
    Console.WriteLine($"metrics: one /metrics scrape of 16 cameras x 6 zones: {AgentMetricsBenchmarks.CpuMicrosecondsPerScrape(scrapes):F0} us of CPU (mean of {scrapes})");
}

return 0;

static int ArgInt(string[] a, string name, int fallback)
{
    int i = Array.IndexOf(a, name);
    return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string ArgString(string[] a, string name, string fallback)
{
    int i = Array.IndexOf(a, name);
    return i >= 0 && i + 1 < a.Length ? a[i + 1] : fallback;
}

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
