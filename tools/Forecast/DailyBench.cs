using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Tools;

namespace EdgeInventory.Forecast.Cli;

/// <summary>
/// The chain-scale benchmark: N generated daily store × SKU series (a year of history plus 28 held-out
/// days each; half intermittent, half smooth with a weekday profile), generated and forecast in
/// parallel, never all in memory. Reports wall time, series per second and MASE (lag 1) on the held-out
/// days per kind. Each series comes from its own seeded generator, so runs are reproducible.
/// </summary>
internal static class DailyBench
{
    private const int Horizon = 28;

    public static Command CreateCommand()
    {
        var series = ToolCommandLine.Number("--series", 1, int.MaxValue, 1_000_000, "generated store x SKU series");
        var days = ToolCommandLine.Number("--days", 14, 100_000, 365, "days of history per series");
        var threads = ToolCommandLine.Number("--threads", 1, 1024, 2, "worker threads");
        var method = new Option<string>("--method") { Description = "forecasting method", DefaultValueFactory = _ => "daily" };
        var command = new Command("bench-daily", $"Generated daily series (half intermittent, half smooth), forecast and timed; MASE on {Horizon} held-out days.")
        {
            series, days, threads, method,
        };
        command.SetAction(r => Run(r.GetValue(series), r.GetValue(days), r.GetValue(threads), r.GetValue(method)!, r.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(int count, int days, int threads, string methodName, TextWriter stdout)
    {
        var method = MethodCatalog.Create(methodName);

        var maseSum = new double[2];
        var maseCount = new long[2];
        var gate = new object();
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => (Workspace: new ForecastWorkspace(), Series: new double[days + Horizon], Forecast: new double[Horizon], Sum: new double[2], N: new long[2]),
            (i, _, local) =>
            {
                int kind = Generate(i, local.Series);
                var history = local.Series.AsSpan(0, days);
                SeriesGuard.Forecast(method, history, 7, local.Forecast, local.Workspace, nonNegativeDemand: true);
                double mase = AccuracyMetrics.Mase(local.Series.AsSpan(0, days), local.Series.AsSpan(days), local.Forecast, 1);
                if (double.IsFinite(mase)) { local.Sum[kind] += mase; local.N[kind]++; }
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (int k = 0; k < 2; k++) { maseSum[k] += local.Sum[k]; maseCount[k] += local.N[k]; }
                }
            });
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} daily series x {days} days, method {method.Name}, {threads} thread(s): {seconds:F1} s wall ({count / seconds:F0} series/s), generation included"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  MASE (lag 1, last {Horizon} days held out): intermittent {maseSum[0] / Math.Max(1, maseCount[0]):F3}, smooth {maseSum[1] / Math.Max(1, maseCount[1]):F3}"));
        return 0;
    }

    /// <summary>Fills one series; returns 0 for intermittent, 1 for smooth.</summary>
    private static int Generate(long index, double[] y)
    {
        var rng = new SplitMix((ulong)index * 0x9E3779B97F4A7C15UL + 12345);
        if ((index & 1) == 0)
        {
            double p = 0.03 + 0.4 * rng.NextDouble();
            double size = 1 + 4 * rng.NextDouble();
            for (int t = 0; t < y.Length; t++)
                y[t] = rng.NextDouble() < p ? 1 + Math.Floor(-Math.Log(1 - rng.NextDouble()) * (size - 1)) : 0;
            return 0;
        }
        double level = 3 + 40 * rng.NextDouble();
        double drift = (rng.NextDouble() - 0.5) * level / 365;
        Span<double> weekday = stackalloc double[7];
        for (int d = 0; d < 7; d++) weekday[d] = d >= 5 ? 1.4 : 0.85 + 0.1 * rng.NextDouble();
        for (int t = 0; t < y.Length; t++)
        {
            double mean = Math.Max(0.5, (level + drift * t) * weekday[t % 7]);
            // Normal approximation to Poisson noise, rounded to whole units.
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            y[t] = Math.Max(0, Math.Round(mean + z * Math.Sqrt(mean)));
        }
        return 1;
    }

    /// <summary>SplitMix64: tiny, fast, and good enough to generate test series.</summary>
    private struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
