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

    /// <summary>
    /// The most specific entry for a store × SKU: the exact key, then the store's (sku '*'), then the SKU's in every
    /// store (store '*'), then the chain's ('*', '*'); <paramref name="fallback"/> when none is given.
    /// </summary>
    public static T For<T>(SeriesKey key, IReadOnlyDictionary<SeriesKey, T> entries, T fallback)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.TryGetValue(key, out var exact) ? exact
            : entries.TryGetValue(key with { Sku = "*" }, out var store) ? store
            : entries.TryGetValue(key with { StoreId = "*" }, out var sku) ? sku
            : entries.TryGetValue(new SeriesKey("*", "*"), out var chain) ? chain
            : fallback;
    }
}

/// <summary>One store × SKU to plan: its daily history (NaN where unknown), current stock and settings.</summary>
/// <param name="FirstDay">The local day of <c>History[0]</c>; the forecast starts the day after the last one.</param>
public sealed record BatchSeries(SeriesKey Key, DateOnly FirstDay, double[] History, double OnHand, double OnOrder, ReplenishmentSettings Settings);

/// <summary>What the batch decided for one store × SKU.</summary>
/// <param name="Fallback">Why the history or the method needed a fallback (see <see cref="SeriesGuard"/>), or null.</param>
/// <param name="StockoutDate">The first day cumulative forecast demand exceeds the stock on hand; null beyond the horizon.</param>
/// <param name="DemandVariance">Variance of one day's demand over the last <see cref="ReplenishmentBatch.VarianceWindowDays"/> known days (what safety stock used).</param>
/// <param name="VarianceDays">How many known days that variance came from.</param>
public sealed record BatchOutcome(SeriesKey Key, string Method, string? Fallback, DateOnly FirstForecastDay, double[] Forecast,
    double OnHand, double OnOrder, ReorderRecommendation Recommendation, DateOnly? StockoutDate, double DemandVariance = 0, int VarianceDays = 0)
{
    /// <summary>Mean forecast demand per day over the horizon.</summary>
    public double MeanPerDay => Forecast.Length == 0 ? 0 : Forecast.Average();

    /// <summary>
    /// A two-sided interval at <paramref name="level"/> for the mean daily demand over the horizon: the day-to-day
    /// noise averaged over the horizon plus the uncertainty of a level estimated from the known days
    /// (σ·√(1/H + 1/n)), normal approximation, never below 0.
    /// </summary>
    public (double Low, double High) MeanInterval(double level)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "must be in (0, 1)");
        double mean = MeanPerDay;
        double sd = Math.Sqrt(Math.Max(0, DemandVariance) * (1.0 / Math.Max(1, Forecast.Length) + 1.0 / Math.Max(1, VarianceDays)));
        double z = Statistics.NormalQuantile(0.5 + level / 2);
        return (Math.Max(0, mean - z * sd), mean + z * sd);
    }
}

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
        return new BatchOutcome(item.Key, method.Name, fallback, firstForecastDay, forecast, item.OnHand, item.OnOrder, recommendation, stockout, variance, count);
    }
}
