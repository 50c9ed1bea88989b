namespace EdgeInventory.Forecasting.Evaluation;

/// <summary>
/// Point-forecast accuracy as the M3 literature and the data README define it. Both are per series;
/// an overall figure is the mean over series.
/// </summary>
public static class AccuracyMetrics
{
    /// <summary>
    /// Symmetric MAPE in percent: mean over the horizon of 200·|y − f| / (|y| + |f|), counting 0 where both
    /// are 0 (an intermittent series forecast at 0 in a zero month is exactly right).
    /// </summary>
    public static double Smape(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        if (actual.Length != forecast.Length || actual.Length == 0)
            throw new ArgumentException($"sMAPE needs equal, non-empty horizons (actual {actual.Length}, forecast {forecast.Length})");
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double denominator = Math.Abs(actual[i]) + Math.Abs(forecast[i]);
            if (denominator > 0)
                sum += 200.0 * Math.Abs(actual[i] - forecast[i]) / denominator;
        }
        return sum / actual.Length;
    }

    /// <summary>
    /// Mean absolute scaled error: mean |y − f| over the horizon divided by the in-sample mean absolute
    /// error of the seasonal naive forecast with lag <paramref name="seasonLag"/>. NaN when the history
    /// is too short for the lag or its seasonal differences are all zero (the scale is undefined).
    /// </summary>
    public static double Mase(ReadOnlySpan<double> history, ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast, int seasonLag)
    {
        if (actual.Length != forecast.Length || actual.Length == 0)
            throw new ArgumentException($"MASE needs equal, non-empty horizons (actual {actual.Length}, forecast {forecast.Length})");
        ArgumentOutOfRangeException.ThrowIfLessThan(seasonLag, 1);
        double scale = SeasonalNaiveScale(history, seasonLag);
        if (!(scale > 0))
            return double.NaN;
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
            sum += Math.Abs(actual[i] - forecast[i]);
        return sum / actual.Length / scale;
    }

    /// <summary>In-sample mean absolute seasonal-naive error (the MASE denominator); NaN if undefined.</summary>
    public static double SeasonalNaiveScale(ReadOnlySpan<double> history, int seasonLag)
    {
        if (history.Length <= seasonLag)
            return double.NaN;
        double sum = 0;
        int count = 0;
        for (int t = seasonLag; t < history.Length; t++)
        {
            double d = history[t] - history[t - seasonLag];
            if (double.IsNaN(d))
                continue;
            sum += Math.Abs(d);
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
