namespace EdgeInventory.Forecasting.Methods;

/// <summary>Naive: every future value is the last observation.</summary>
public sealed class NaiveMethod : IForecastMethod
{
    public string Name => "naive";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        => forecast.Fill(history[^1]);
}

/// <summary>Seasonal naive: the value one season earlier (naive when the season is 1 or longer than the history).</summary>
public sealed class SeasonalNaiveMethod : IForecastMethod
{
    public string Name => "snaive";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int m = seasonLength >= 1 && seasonLength <= history.Length ? seasonLength : 1;
        int n = history.Length;
        for (int h = 0; h < forecast.Length; h++)
            forecast[h] = history[n - m + (h % m)];
    }
}

/// <summary>Mean: every future value is the mean of the history.</summary>
public sealed class MeanMethod : IForecastMethod
{
    public string Name => "mean";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        double sum = 0;
        for (int i = 0; i < history.Length; i++)
            sum += history[i];
        forecast.Fill(sum / history.Length);
    }
}

/// <summary>All zeros: the benchmark that point errors flatter on intermittent demand.</summary>
public sealed class ZeroMethod : IForecastMethod
{
    public string Name => "zero";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        => forecast.Clear();
}
