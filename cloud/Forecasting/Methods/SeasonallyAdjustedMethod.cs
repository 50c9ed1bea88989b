namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Another method on seasonally adjusted data, reseasonalised: the history is divided by the classical
/// multiplicative seasonal figure when the lag-m autocorrelation is significant (the test and
/// decomposition of <see cref="ThetaMethod"/>), the inner method forecasts the adjusted series and the
/// forecast is multiplied back. This is how the M4 benchmarks (Naive2, SES, Holt, damped) treat seasonality.
/// </summary>
public sealed class SeasonallyAdjustedMethod(string name, IForecastMethod inner) : IForecastMethod
{
    public string Name { get; } = name;

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int n = history.Length;
        int m = seasonLength;
        using var scope = workspace.Scope();
        var figure = workspace.Rent(Math.Max(m, 1));
        if (!TryFigure(history, m, figure))
        {
            inner.Forecast(history, 1, forecast, workspace);
            return;
        }
        var adjusted = workspace.Rent(n);
        for (int t = 0; t < n; t++) adjusted[t] = history[t] / figure[t % m];
        inner.Forecast(adjusted, 1, forecast, workspace);
        for (int h = 0; h < forecast.Length; h++) forecast[h] *= figure[(n + h) % m];
    }

    /// <summary>The multiplicative seasonal figure when the series is seasonal at lag m and the figure is usable.</summary>
    internal static bool TryFigure(ReadOnlySpan<double> history, int m, Span<double> figure)
    {
        if (m <= 1 || !Seasonality.IsSeasonal(history, m) || !ClassicalDecomposition.SeasonalFigure(history, m, multiplicative: true, figure))
            return false;
        for (int i = 0; i < m; i++)
            if (!(Math.Abs(figure[i]) >= 1e-4) || !double.IsFinite(figure[i])) return false;
        return true;
    }
}
