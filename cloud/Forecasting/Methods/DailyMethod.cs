namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// The default for daily store × SKU series, built to forecast a chain's million series in minutes:
/// the Syntetos–Boylan classification sends intermittent and lumpy histories to TSB; smooth and
/// erratic ones get simple exponential smoothing (α from a small grid by in-sample one-step squared
/// error) on weekday-adjusted values, reseasonalised by the weekday profile when the lag-7
/// autocorrelation is significant. Linear in the history; no allocation.
/// </summary>
public sealed class DailyMethod : IForecastMethod
{
    public string Name => "daily";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        bool anyZero = false;
        foreach (double v in history) if (v <= 0) { anyZero = true; break; }
        if (anyZero && DemandClassifier.Classify(history).IsIntermittent)
        {
            forecast.Fill(TsbMethod.Rate(history));
            return;
        }
        int m = seasonLength;
        int n = history.Length;
        Span<double> profile = stackalloc double[Math.Max(1, m)];
        bool seasonal = m > 1 && n >= 3 * m && Seasonality.IsSeasonal(history, m) && WeekdayProfile(history, m, profile);
        using var scope = workspace.Scope();
        var adjusted = workspace.Rent(n);
        for (int t = 0; t < n; t++) adjusted[t] = seasonal ? history[t] / profile[t % m] : history[t];
        double level = SmoothedLevel(adjusted);
        for (int h = 0; h < forecast.Length; h++)
            forecast[h] = seasonal ? level * profile[(n + h) % m] : level;
    }

    /// <summary>Multiplicative weekday indices (mean 1) from the last eight weeks; false when a weekday has no demand.</summary>
    private static bool WeekdayProfile(ReadOnlySpan<double> y, int m, Span<double> profile)
    {
        int n = y.Length;
        int span = Math.Min(n, 8 * m);
        profile.Clear();
        Span<int> counts = stackalloc int[m];
        counts.Clear();
        double total = 0;
        for (int t = n - span; t < n; t++)
        {
            profile[t % m] += y[t];
            counts[t % m]++;
            total += y[t];
        }
        double mean = total / span;
        if (!(mean > 0)) return false;
        for (int i = 0; i < m; i++)
        {
            profile[i] = profile[i] / counts[i] / mean;
            if (!(profile[i] > 0.05)) return false;
        }
        return true;
    }

    private static double SmoothedLevel(ReadOnlySpan<double> y)
    {
        ReadOnlySpan<double> grid = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5];
        // Initial level: the mean of the first two weeks, so the grid does not favour a large α to escape a bad start.
        int warm = Math.Min(14, y.Length);
        double start = 0;
        for (int t = 0; t < warm; t++) start += y[t];
        start /= warm;
        double bestError = double.PositiveInfinity, bestLevel = start;
        foreach (double alpha in grid)
        {
            double level = start, error = 0;
            for (int t = 0; t < y.Length; t++)
            {
                double e = y[t] - level;
                error += e * e;
                level += alpha * e;
            }
            if (error < bestError) { bestError = error; bestLevel = level; }
        }
        return bestLevel;
    }
}
