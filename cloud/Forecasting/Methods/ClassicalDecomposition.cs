namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Classical decomposition as R's <c>decompose()</c> does it: a centred moving average of one season
/// (2×m for even m) as the trend, then the mean detrended value per position in the season, normalised
/// to mean 1 (multiplicative) or 0 (additive). Positions count from the first observation.
/// </summary>
public static class ClassicalDecomposition
{
    /// <summary>Writes the m seasonal indices (position 0 = first observation's) into <paramref name="figure"/>.</summary>
    /// <returns>False when the series is shorter than two seasons (R refuses those too).</returns>
    public static bool SeasonalFigure(ReadOnlySpan<double> y, int m, bool multiplicative, Span<double> figure)
    {
        int n = y.Length;
        if (m < 2 || n < 2 * m)
            return false;
        figure = figure[..m];
        Span<double> sums = stackalloc double[m];
        Span<int> counts = stackalloc int[m];
        sums.Clear();
        counts.Clear();
        int half = m / 2;
        bool even = m % 2 == 0;
        // Trend at t exists for half <= t < n - half.
        double window = 0;
        for (int t = half; t < n - half; t++)
        {
            double trend;
            if (even)
            {
                window = 0.5 * y[t - half] + 0.5 * y[t + half];
                for (int k = t - half + 1; k < t + half; k++) window += y[k];
                trend = window / m;
            }
            else
            {
                window = 0;
                for (int k = t - half; k <= t + half; k++) window += y[k];
                trend = window / m;
            }
            double detrended = multiplicative ? y[t] / trend : y[t] - trend;
            if (!double.IsFinite(detrended))
                continue;
            sums[t % m] += detrended;
            counts[t % m]++;
        }
        double mean = 0;
        for (int i = 0; i < m; i++)
        {
            figure[i] = counts[i] > 0 ? sums[i] / counts[i] : (multiplicative ? 1 : 0);
            mean += figure[i];
        }
        mean /= m;
        for (int i = 0; i < m; i++)
            figure[i] = multiplicative ? figure[i] / mean : figure[i] - mean;
        return true;
    }
}
