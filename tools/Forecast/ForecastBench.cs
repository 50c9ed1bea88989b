using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecast.Cli;

/// <summary>
/// One-thread timings of ets / theta / croston on the first N monthly series, written in the same CSV
/// shape as tools/Forecast/bench_r.R so the two can be printed side by side.
/// </summary>
internal static class ForecastBench
{
    private static readonly string[] Methods = ["ets", "theta", "croston"];

    public static int Bench(string[] args, TextWriter stdout)
    {
        var options = ForecastCommands.ParseOptions(args, flags: [], values: ["--data", "--series", "--out"]);
        string data = options.GetValueOrDefault("--data") ?? throw new UsageException("bench needs --data FILE");
        int count = int.Parse(options.GetValueOrDefault("--series") ?? "100", CultureInfo.InvariantCulture);
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
        if (options.GetValueOrDefault("--out") is { } path)
            File.WriteAllLines(path, lines);
        return 0;
    }

    public static int Compare(string[] args, TextWriter stdout)
    {
        var options = ForecastCommands.ParseOptions(args, flags: [], values: ["--csharp", "--r"]);
        var csharp = Read(options.GetValueOrDefault("--csharp") ?? throw new UsageException("compare needs --csharp FILE"));
        var r = Read(options.GetValueOrDefault("--r") ?? throw new UsageException("compare needs --r FILE"));
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
