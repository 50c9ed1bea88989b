using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Tools;

namespace EdgeInventory.Forecast.Cli;

/// <summary>
/// One-thread timings of ets / theta / croston on the first N monthly series, written in the same CSV
/// shape as tools/Forecast/bench_r.R so the two can be printed side by side.
/// </summary>
internal static class ForecastBench
{
    private static readonly string[] Methods = ["ets", "theta", "croston"];

    public static Command CreateBenchCommand()
    {
        var data = new Option<string>("--data") { Description = "long-format CSV (M3's m3_long.csv)", HelpName = "FILE", Required = true };
        var series = ToolCommandLine.Number("--series", 1, int.MaxValue, 100, "the first N MONTHLY series");
        var output = new Option<string?>("--out") { Description = "the timings as CSV, in bench_r.R's shape", HelpName = "FILE" };
        var command = new Command("bench", "One-thread ets / theta / croston timings on the first N monthly series (the C# half of bench forecast --with-r).")
        {
            data, series, output,
        };
        command.SetAction(r => Bench(r.GetValue(data)!, r.GetValue(series), r.GetValue(output), r.InvocationConfiguration.Output));
        return command;
    }

    public static Command CreateCompareCommand()
    {
        var csharp = new Option<string>("--csharp") { Description = "bench --out's CSV", HelpName = "FILE", Required = true };
        var r = new Option<string>("--r") { Description = "bench_r.R's CSV", HelpName = "FILE", Required = true };
        var command = new Command("compare", "The C# and R timings side by side.") { csharp, r };
        command.SetAction(p => Compare(p.GetValue(csharp)!, p.GetValue(r)!, p.InvocationConfiguration.Output));
        return command;
    }

    private static int Bench(string data, int count, string? outPath, TextWriter stdout)
    {
        var series = LongCsvReader.Read(data).Where(s => s.Period == "MONTHLY").Take(count).ToList();
        var workspace = new ForecastWorkspace();
        var lines = new List<string> { "\"method\",\"series\",\"seconds\",\"smape\"" };
        foreach (string name in Methods)
        {
            var method = MethodCatalog.Create(name);
            // Warm-up on a few series so the JIT's optimised code is what gets timed.
            foreach (var s in series.Take(5))
                SeriesGuard.Forecast(method, s.Train, s.SeasonLength, new double[s.Test.Length], workspace);
            double smape = 0;
            long start = Stopwatch.GetTimestamp();
            foreach (var s in series)
            {
                var forecast = new double[s.Test.Length];
                SeriesGuard.Forecast(method, s.Train, s.SeasonLength, forecast, workspace);
                smape += AccuracyMetrics.Smape(s.Test, forecast);
            }
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"\"{name}\",{series.Count},{seconds},{smape / series.Count}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-8} {series.Count} series  {seconds * 1000 / series.Count,9:F3} ms/series  sMAPE {smape / series.Count:F2}"));
        }
        if (outPath is not null)
            File.WriteAllLines(outPath, lines);
        return 0;
    }

    private static int Compare(string csharpPath, string rPath, TextWriter stdout)
    {
        var csharp = Read(csharpPath);
        var r = Read(rPath);
        stdout.WriteLine($"{"method",-8} {"series",6} {"C# ms/series",13} {"R ms/series",12} {"speed-up",9} {"C# sMAPE",9} {"R sMAPE",8} {"rel. diff",9}");
        foreach (var (method, c) in csharp)
        {
            if (!r.TryGetValue(method, out var rr)) continue;
            double cMs = c.Seconds * 1000 / c.Series, rMs = rr.Seconds * 1000 / rr.Series;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{method,-8} {c.Series,6} {cMs,13:F3} {rMs,12:F1} {rMs / cMs,8:F0}x {c.Smape,9:F2} {rr.Smape,8:F2} {(c.Smape - rr.Smape) / rr.Smape,9:P1}"));
        }
        return 0;
    }

    private static Dictionary<string, (int Series, double Seconds, double Smape)> Read(string path)
    {
        var result = new Dictionary<string, (int, double, double)>(StringComparer.Ordinal);
        var fields = new List<string>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            LongCsvReader.SplitCsvLine(line, fields);
            result[fields[0]] = (int.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture),
                double.Parse(fields[3], CultureInfo.InvariantCulture));
        }
        return result;
    }
}
