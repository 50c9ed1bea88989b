namespace EdgeInventory.Forecasting.Methods;

/// <summary>Seasonality detection by the autocorrelation at the seasonal lag.</summary>
public static class Seasonality
{
    /// <summary>
    /// The test of the original Theta submission and R's thetaf(): the lag-m autocorrelation is
    /// significant at 90% (one-sided) against Bartlett's standard error. Needs more than two seasons.
    /// </summary>
    public static bool IsSeasonal(ReadOnlySpan<double> y, int m, double zThreshold = 1.6448536269514722)
    {
        int n = y.Length;
        if (m < 2 || n <= 2 * m)
            return false;
        double mean = 0;
        for (int t = 0; t < n; t++) mean += y[t];
        mean /= n;
        double denominator = 0;
        for (int t = 0; t < n; t++) denominator += (y[t] - mean) * (y[t] - mean);
        if (denominator <= 0)
            return false;
        double sumSquares = 0, rm = 0;
        for (int k = 1; k <= m; k++)
        {
            double r = 0;
            for (int t = 0; t < n - k; t++) r += (y[t] - mean) * (y[t + k] - mean);
            r /= denominator;
            if (k < m) sumSquares += r * r;
            else rm = r;
        }
        double standardError = Math.Sqrt((1 + 2 * sumSquares) / n);
        return Math.Abs(rm) / standardError > zThreshold;
    }
}
