namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Makes any history forecastable and any method failure survivable, so that a batch never stops on one
/// bad series. Fallbacks, in order:
/// <list type="bullet">
/// <item>no observed value: forecast 0;</item>
/// <item>missing values (NaN/∞): leading ones dropped, inner ones linearly interpolated, trailing ones carried forward;</item>
/// <item>negative values, when the caller says the series is demand: set to 0 (returns are not demand);</item>
/// <item>shorter than two seasons: forecast without a season;</item>
/// <item>constant: forecast the constant;</item>
/// <item>fewer than 3 observations: the mean;</item>
/// <item>the method throws or returns a non-finite value: naive (last value).</item>
/// </list>
/// The reason is returned so the batch can report which series fell back and why.
/// </summary>
public static class SeriesGuard
{
    /// <returns>Null when the method ran on the history as given; otherwise what was done and why.</returns>
    public static string? Forecast(IForecastMethod method, ReadOnlySpan<double> raw, int seasonLength, Span<double> forecast,
        ForecastWorkspace workspace, bool nonNegativeDemand = false)
    {
        ArgumentNullException.ThrowIfNull(method);
        using var scope = workspace.Scope();
        string? reason = null;
        int first = 0;
        while (first < raw.Length && !double.IsFinite(raw[first])) first++;
        if (first == raw.Length)
        {
            forecast.Clear();
            return raw.Length == 0 ? "empty history: forecast 0" : "no observed value: forecast 0";
        }
        var y = workspace.Rent(raw.Length - first);
        raw[first..].CopyTo(y);
        int missing = first;
        int lastGood = 0;
        for (int t = 1; t < y.Length; t++)
        {
            if (double.IsFinite(y[t]))
            {
                if (t - lastGood > 1)
                    for (int k = lastGood + 1; k < t; k++)
                        y[k] = y[lastGood] + (y[t] - y[lastGood]) * (k - lastGood) / (t - lastGood);
                lastGood = t;
            }
            else
            {
                missing++;
            }
        }
        for (int k = lastGood + 1; k < y.Length; k++) y[k] = y[lastGood];
        if (missing > 0)
            reason = $"{missing} missing value(s) interpolated";

        if (nonNegativeDemand)
        {
            int negatives = 0;
            for (int t = 0; t < y.Length; t++)
                if (y[t] < 0) { y[t] = 0; negatives++; }
            if (negatives > 0)
                reason = Join(reason, $"{negatives} negative value(s) set to 0");
        }

        int m = seasonLength;
        if (m > 1 && y.Length < 2 * m)
        {
            reason = Join(reason, $"too short for season {m} ({y.Length} values): forecast without season");
            m = 1;
        }

        bool constant = true;
        for (int t = 1; t < y.Length && constant; t++) constant = y[t] == y[0];
        if (constant)
        {
            forecast.Fill(y[0]);
            return Join(reason, "constant history: forecast the constant");
        }
        if (y.Length < 3)
        {
            new MeanMethod().Forecast(y, 1, forecast, workspace);
            return Join(reason, $"only {y.Length} value(s): forecast the mean");
        }

        try
        {
            method.Forecast(y, m, forecast, workspace);
        }
#pragma warning disable CA1031 // A batch must finish: any failure of one method on one series becomes a reported fallback.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            forecast.Fill(y[^1]);
            return Join(reason, $"{method.Name} failed ({ex.Message}): naive forecast");
        }
        for (int h = 0; h < forecast.Length; h++)
        {
            if (!double.IsFinite(forecast[h]))
            {
                forecast.Fill(y[^1]);
                return Join(reason, $"{method.Name} gave a non-finite forecast: naive forecast");
            }
        }
        if (nonNegativeDemand)
            for (int h = 0; h < forecast.Length; h++)
                if (forecast[h] < 0) forecast[h] = 0;
        return reason;
    }

    private static string Join(string? a, string b) => a is null ? b : a + "; " + b;
}
