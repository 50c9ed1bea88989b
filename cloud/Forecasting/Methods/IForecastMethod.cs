namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// A point forecasting method. Implementations are stateless and thread-safe; all scratch memory comes
/// from the caller's <see cref="ForecastWorkspace"/>.
/// </summary>
public interface IForecastMethod
{
    /// <summary>Short lower-case name used on the command line and in reports (e.g. "ets", "theta").</summary>
    string Name { get; }

    /// <summary>
    /// Writes <c>forecast.Length</c> point forecasts following <paramref name="history"/>.
    /// The history is clean: non-empty, finite values (see <see cref="SeriesGuard"/>, which handles the rest).
    /// </summary>
    /// <param name="seasonLength">Observations per season (12 monthly, 4 quarterly, 7 daily, 1 none).</param>
    void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace);
}
