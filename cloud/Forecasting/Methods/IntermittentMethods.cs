namespace EdgeInventory.Forecasting.Methods;

/// <summary>Simple exponential smoothing helpers for the intermittent-demand methods (no allocation).</summary>
internal static class Smoothing
{
    /// <summary>Final level of SES with the first value as the initial level (R's initial = "simple").</summary>
    public static double SimpleLevel(ReadOnlySpan<double> values, double alpha)
    {
        double level = values[0];
        for (int i = 1; i < values.Length; i++)
            level += alpha * (values[i] - level);
        return level;
    }
}

/// <summary>Croston's decomposition of a demand history into non-zero sizes and the intervals between them.</summary>
internal static class DemandOccurrences
{
    /// <summary>Writes sizes and intervals (the first interval counts from one period before the history); returns their count.</summary>
    public static int Split(ReadOnlySpan<double> y, Span<double> sizes, Span<double> intervals)
    {
        int count = 0, last = -1;
        for (int t = 0; t < y.Length; t++)
        {
            if (y[t] > 0)
            {
                sizes[count] = y[t];
                intervals[count] = t - last;
                last = t;
                count++;
            }
        }
        return count;
    }
}

/// <summary>Which variant of Croston's method.</summary>
public enum CrostonVariant
{
    /// <summary>Croston (1972): size over interval, both smoothed with the same α.</summary>
    Classic,
    /// <summary>Syntetos–Boylan approximation: Croston times (1 − α/2), removing Croston's positive bias.</summary>
    Sba,
}

/// <summary>
/// Croston's method as R's forecast::croston computes it (α = 0.1, initial level = first size and first
/// interval), or its SBA variant; with <c>optimised</c>, α for sizes and intervals is chosen separately
/// by the in-sample MSE of the one-step forecasts (grid 0.05–0.30 in steps of 0.01).
/// </summary>
public sealed class CrostonMethod(CrostonVariant variant = CrostonVariant.Classic, double alpha = 0.1, bool optimised = false) : IForecastMethod
{
    public string Name => (variant, optimised) switch
    {
        (CrostonVariant.Classic, false) => "croston",
        (CrostonVariant.Classic, true) => "croston-opt",
        (CrostonVariant.Sba, false) => "sba",
        _ => "sba-opt",
    };

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        => forecast.Fill(Rate(history, workspace));

    /// <summary>The forecast demand per period.</summary>
    public double Rate(ReadOnlySpan<double> history, ForecastWorkspace workspace)
    {
        using var scope = workspace.Scope();
        var sizes = workspace.Rent(history.Length);
        var intervals = workspace.Rent(history.Length);
        int count = DemandOccurrences.Split(history, sizes, intervals);
        if (count == 0)
            return 0;
        sizes = sizes[..count];
        intervals = intervals[..count];
        double sizeAlpha = alpha, intervalAlpha = alpha;
        if (optimised && count >= 3)
        {
            sizeAlpha = BestAlpha(sizes);
            intervalAlpha = BestAlpha(intervals);
        }
        double size = Smoothing.SimpleLevel(sizes, sizeAlpha);
        double interval = Smoothing.SimpleLevel(intervals, intervalAlpha);
        double rate = size / interval;
        return variant == CrostonVariant.Sba ? rate * (1 - intervalAlpha / 2) : rate;
    }

    private static double BestAlpha(ReadOnlySpan<double> values)
    {
        double best = 0.1, bestError = double.PositiveInfinity;
        for (int step = 5; step <= 30; step++)
        {
            double a = step / 100.0;
            double level = values[0], error = 0;
            for (int i = 1; i < values.Length; i++)
            {
                double e = values[i] - level;
                error += e * e;
                level += a * e;
            }
            if (error < bestError) { bestError = error; best = a; }
        }
        return best;
    }
}

/// <summary>
/// Teunter–Syntetos–Babai (2011): the probability of a demand is smoothed every period (β), the size
/// only when demand occurs (α); the forecast is their product, so it decays through long zero runs
/// (items going obsolete) where Croston's stays put. α and β are chosen on a grid by in-sample MSE.
/// </summary>
public sealed class TsbMethod : IForecastMethod
{
    public string Name => "tsb";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        => forecast.Fill(Rate(history));

    public static double Rate(ReadOnlySpan<double> y)
    {
        int first = -1;
        for (int t = 0; t < y.Length; t++) if (y[t] > 0) { first = t; break; }
        if (first < 0) return 0;
        double bestError = double.PositiveInfinity, bestRate = 0;
        ReadOnlySpan<double> grid = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3];
        foreach (double alpha in grid)
        {
            foreach (double beta in grid)
            {
                double probability = CountNonZero(y) / (double)y.Length, size = y[first], error = 0;
                for (int t = 0; t < y.Length; t++)
                {
                    double e = y[t] - probability * size;
                    error += e * e;
                    if (y[t] > 0)
                    {
                        probability += beta * (1 - probability);
                        size += alpha * (y[t] - size);
                    }
                    else
                    {
                        probability -= beta * probability;
                    }
                }
                if (error < bestError) { bestError = error; bestRate = probability * size; }
            }
        }
        return bestRate;
    }

    private static int CountNonZero(ReadOnlySpan<double> y)
    {
        int c = 0;
        foreach (double v in y) if (v > 0) c++;
        return c;
    }
}

/// <summary>
/// ADIDA (Nikolopoulos et al. 2011): sum the history into non-overlapping buckets of the mean
/// inter-demand interval, forecast the buckets with SES (α = 0.1) and spread the result evenly back.
/// IMAPA (Petropoulos &amp; Kourentzes 2015) averages this over every bucket size from 1 to that interval.
/// </summary>
public sealed class AdidaMethod(bool multipleAggregation = false) : IForecastMethod
{
    public string Name => multipleAggregation ? "imapa" : "adida";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int nonZero = 0;
        foreach (double v in history) if (v > 0) nonZero++;
        if (nonZero == 0) { forecast.Clear(); return; }
        int meanInterval = Math.Max(1, (int)Math.Round((double)history.Length / nonZero));
        using var scope = workspace.Scope();
        var buckets = workspace.Rent(history.Length);
        double rate;
        if (multipleAggregation)
        {
            double sum = 0;
            for (int k = 1; k <= meanInterval; k++) sum += AggregateRate(history, k, buckets);
            rate = sum / meanInterval;
        }
        else
        {
            rate = AggregateRate(history, meanInterval, buckets);
        }
        forecast.Fill(rate);
    }

    private static double AggregateRate(ReadOnlySpan<double> y, int k, Span<double> buckets)
    {
        // Buckets end at the last observation so the most recent demand is always in a full bucket.
        int count = y.Length / k;
        if (count == 0) return 0;
        int offset = y.Length - count * k;
        for (int b = 0; b < count; b++)
        {
            double s = 0;
            for (int i = 0; i < k; i++) s += y[offset + b * k + i];
            buckets[b] = s;
        }
        return Smoothing.SimpleLevel(buckets[..count], 0.1) / k;
    }
}
