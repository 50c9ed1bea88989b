using EdgeInventory.Forecasting.Demand;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Forecasting.Replenishment;

namespace EdgeInventory.Forecasting.Batch;

/// <summary>Lead time and service target of a store × SKU (days).</summary>
/// <param name="FillRateTarget">Share of demand to serve from the shelf; when null, <paramref name="CycleServiceLevel"/> is used.</param>
public sealed record ReplenishmentSettings(double LeadTimeDays, double LeadTimeStdDevDays, int ReviewPeriodDays, double? FillRateTarget, double CycleServiceLevel)
{
    public static ReplenishmentSettings Default { get; } = new(7, 0, 7, 0.95, 0.95);

    /// <summary>Throws naming the key and the field when a setting is out of range.</summary>
    public void Validate(string owner)
    {
        if (!(LeadTimeDays > 0)) throw new ArgumentException($"{owner}: lead time must be positive days, got {LeadTimeDays}");
        if (!(LeadTimeStdDevDays >= 0)) throw new ArgumentException($"{owner}: lead time deviation must be >= 0, got {LeadTimeStdDevDays}");
        if (ReviewPeriodDays < 1) throw new ArgumentException($"{owner}: review period must be at least 1 day, got {ReviewPeriodDays}");
        if (FillRateTarget is { } f && !(f > 0 && f < 1)) throw new ArgumentException($"{owner}: fill rate target must be in (0, 1), got {f}");
        if (!(CycleServiceLevel > 0 && CycleServiceLevel < 1)) throw new ArgumentException($"{owner}: cycle service level must be in (0, 1), got {CycleServiceLevel}");
    }
}

/// <summary>One store × SKU to plan: its daily history (NaN where unknown), current stock and settings.</summary>
/// <param name="FirstDay">The local day of <c>History[0]</c>; the forecast starts the day after the last one.</param>
public sealed record BatchSeries(SeriesKey Key, DateOnly FirstDay, double[] History, double OnHand, double OnOrder, ReplenishmentSettings Settings);

/// <summary>What the batch decided for one store × SKU.</summary>
/// <param name="Fallback">Why the history or the method needed a fallback (see <see cref="SeriesGuard"/>), or null.</param>
/// <param name="StockoutDate">The first day cumulative forecast demand exceeds the stock on hand; null beyond the horizon.</param>
public sealed record BatchOutcome(SeriesKey Key, string Method, string? Fallback, DateOnly FirstForecastDay, double[] Forecast,
    double OnHand, double OnOrder, ReorderRecommendation Recommendation, DateOnly? StockoutDate);

/// <summary>
/// Forecasts and reorder recommendations for many store × SKU series in parallel (each thread with its
/// own workspace). A bad series never stops the batch: it gets a documented fallback and says why.
/// </summary>
public static class ReplenishmentBatch
{
    /// <summary>Days of history used for the demand variance behind safety stock.</summary>
    public const int VarianceWindowDays = 91;

    public static BatchOutcome[] Run(IReadOnlyList<BatchSeries> series, IForecastMethod method, int horizonDays, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonDays, 1);
        var outcomes = new BatchOutcome[series.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, series.Count, options, () => new ForecastWorkspace(), (i, _, workspace) =>
        {
            outcomes[i] = Plan(series[i], method, horizonDays, workspace);
            return workspace;
        }, _ => { });
        return outcomes;
    }

    public static BatchOutcome Plan(BatchSeries item, IForecastMethod method, int horizonDays, ForecastWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(method);
        var forecast = new double[horizonDays];
        string? fallback = SeriesGuard.Forecast(method, item.History, 7, forecast, workspace, nonNegativeDemand: true);
        var firstForecastDay = item.FirstDay.AddDays(item.History.Length);

        // Per-day rate over the protection interval, and the recent per-day variance of demand.
        int protection = (int)Math.Ceiling(item.Settings.LeadTimeDays) + item.Settings.ReviewPeriodDays;
        double rate = 0;
        int used = Math.Min(protection, horizonDays);
        for (int h = 0; h < used; h++) rate += forecast[h];
        rate /= used;
        double mean = 0, squares = 0;
        int count = 0;
        for (int t = Math.Max(0, item.History.Length - VarianceWindowDays); t < item.History.Length; t++)
        {
            double v = item.History[t];
            if (!double.IsFinite(v)) continue;
            v = Math.Max(0, v);
            mean += v;
            squares += v * v;
            count++;
        }
        double variance = count > 1 ? Math.Max(0, (squares - mean * mean / count) / (count - 1)) : rate;
        bool intermittent = DemandClassifier.Classify(item.History.Where(double.IsFinite).ToArray()).IsIntermittent;
        var s = item.Settings;
        var recommendation = ReplenishmentPlanner.Recommend(new ReplenishmentInput(rate, variance, s.LeadTimeDays, s.LeadTimeStdDevDays,
            item.OnHand, item.OnOrder, s.ReviewPeriodDays, s.FillRateTarget, s.CycleServiceLevel, intermittent));

        DateOnly? stockout = null;
        if (item.OnHand <= 0)
        {
            stockout = firstForecastDay;
        }
        else
        {
            double cumulative = 0;
            for (int h = 0; h < horizonDays; h++)
            {
                cumulative += forecast[h];
                if (cumulative > item.OnHand) { stockout = firstForecastDay.AddDays(h); break; }
            }
        }
        return new BatchOutcome(item.Key, method.Name, fallback, firstForecastDay, forecast, item.OnHand, item.OnOrder, recommendation, stockout);
    }
}
