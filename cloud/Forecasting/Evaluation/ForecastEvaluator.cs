using System.Diagnostics;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Evaluation;

/// <summary>One line of an evaluation: a method's accuracy on one category, or on all series (Period = "ALL").</summary>
/// <param name="SeriesPerSecond">Wall-clock throughput of the whole parallel run, attributed to each category
/// in proportion to the compute time its series took.</param>
public sealed record EvaluationRow(string Method, string Period, int Series, double Smape, double Mase, double SeriesPerSecond);

/// <summary>An evaluation's rows plus the series that needed a fallback, and why.</summary>
public sealed record EvaluationReport(IReadOnlyList<EvaluationRow> Rows, IReadOnlyList<(string SeriesId, string Reason)> Fallbacks);

/// <summary>
/// Forecasts every series' test horizon from its train part only and scores it (sMAPE, MASE with the
/// category's seasonal lag). Series run in parallel, each thread with its own workspace.
/// </summary>
public static class ForecastEvaluator
{
    public const string AllPeriods = "ALL";

    public static EvaluationReport Evaluate(IReadOnlyList<DemandSeries> series, IForecastMethod method, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(method);
        int count = series.Count;
        var smape = new double[count];
        var mase = new double[count];
        var ticks = new long[count];
        var reasons = new string?[count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        long wallStart = Stopwatch.GetTimestamp();
        Parallel.For(0, count, options, () => new ForecastWorkspace(), (i, _, workspace) =>
        {
            var s = series[i];
            long start = Stopwatch.GetTimestamp();
            if (s.Test.Length == 0)
            {
                smape[i] = mase[i] = double.NaN;
                reasons[i] = "no test values: not scored";
                return workspace;
            }
            var forecast = new double[s.Test.Length];
            reasons[i] = SeriesGuard.Forecast(method, s.Train, s.SeasonLength, forecast, workspace);
            ticks[i] = Stopwatch.GetTimestamp() - start;
            smape[i] = AccuracyMetrics.Smape(s.Test, forecast);
            mase[i] = AccuracyMetrics.Mase(s.Train, s.Test, forecast, s.SeasonLength);
            return workspace;
        }, _ => { });
        double wallSeconds = Stopwatch.GetElapsedTime(wallStart).TotalSeconds;

        var periods = new List<string>();
        foreach (var s in series)
            if (!periods.Contains(s.Period)) periods.Add(s.Period);
        long totalTicks = 0;
        foreach (long t in ticks) totalTicks += t;
        var rows = new List<EvaluationRow>(periods.Count + 1);
        foreach (string period in periods)
            rows.Add(Aggregate(method.Name, period, series, smape, mase, ticks, totalTicks, wallSeconds, s => s.Period == period));
        rows.Add(Aggregate(method.Name, AllPeriods, series, smape, mase, ticks, totalTicks, wallSeconds, _ => true));

        var fallbacks = new List<(string, string)>();
        for (int i = 0; i < count; i++)
            if (reasons[i] is { } reason) fallbacks.Add((series[i].Id, reason));
        return new EvaluationReport(rows, fallbacks);
    }

    private static EvaluationRow Aggregate(string method, string period, IReadOnlyList<DemandSeries> series, double[] smape, double[] mase,
        long[] ticks, long totalTicks, double wallSeconds, Func<DemandSeries, bool> include)
    {
        int n = 0, maseCount = 0;
        double smapeSum = 0, maseSum = 0;
        long periodTicks = 0;
        for (int i = 0; i < series.Count; i++)
        {
            if (!include(series[i]) || double.IsNaN(smape[i])) continue;
            n++;
            smapeSum += smape[i];
            periodTicks += ticks[i];
            if (!double.IsNaN(mase[i])) { maseSum += mase[i]; maseCount++; }
        }
        double share = totalTicks > 0 ? (double)periodTicks / totalTicks : 0;
        double seconds = wallSeconds * share;
        return new EvaluationRow(method, period, n, n > 0 ? smapeSum / n : double.NaN,
            maseCount > 0 ? maseSum / maseCount : double.NaN, seconds > 0 ? n / seconds : double.PositiveInfinity);
    }
}
