using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

public class DataAndMetricsTests
{
    [Fact]
    public void Reader_orders_rows_by_t_and_reads_quotes_and_missing_values()
    {
        const string csv = """
            "id","period","type","part","t","y"
            "A","MONTHLY","MICRO","train",2,20
            "A","MONTHLY","MICRO","train",1,10
            "A","MONTHLY","MICRO","test",3,NA
            B,YEARLY,X,train,1,5.5
            """;
        var series = LongCsvReader.Read(new StringReader(csv), "inline");
        Assert.Equal(2, series.Count);
        Assert.Equal([10.0, 20.0], series[0].Train);
        Assert.True(double.IsNaN(series[0].Test[0]));
        Assert.Equal(12, series[0].SeasonLength);
        Assert.Equal("B", series[1].Id);
        Assert.Equal(1, series[1].SeasonLength);
    }

    [Theory]
    [InlineData("id,period,type,part,t,y\nA,M,X,validation,1,2", "part must be 'train' or 'test'")]
    [InlineData("id,period,type,part,t,y\nA,M,X,train,1,abc", "y 'abc' is not a number")]
    [InlineData("id,period,type,part,y\nA,M,X,train,1", "no column 't'")]
    [InlineData("id,period,type,part,t,y\nA,M,X,train,1,2\nA,M,X,train,1,3", "two train rows for t=1")]
    public void Reader_names_the_line_and_the_reason_for_bad_input(string csv, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => LongCsvReader.Read(new StringReader(csv), "bad.csv"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.csv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Smape_counts_zero_where_actual_and_forecast_are_both_zero()
    {
        // |1-3|/(1+3)*200 = 100; both zero = 0; |0-2|/(0+2)*200 = 200 -> mean 100.
        Assert.Equal(100.0, AccuracyMetrics.Smape([1, 0, 0], [3, 0, 2]), 12);
    }

    [Fact]
    public void Mase_scales_by_the_in_sample_seasonal_naive_error()
    {
        double[] history = [1, 2, 3, 5, 5, 7]; // lag-2 differences: 2, 3, 2, 2 -> mean 2.25
        Assert.Equal(2.5 / 2.25, AccuracyMetrics.Mase(history, [10, 10], [7, 8], 2), 12);
        Assert.True(double.IsNaN(AccuracyMetrics.Mase([4, 4, 4], [5], [4], 1)), "a flat history has no scale");
    }

    [Fact]
    public void Seasonal_naive_repeats_the_last_season()
    {
        var forecast = new double[6];
        new SeasonalNaiveMethod().Forecast([1, 2, 3, 4, 5, 6, 7, 8], 4, forecast, new ForecastWorkspace());
        Assert.Equal([5.0, 6, 7, 8, 5, 6], forecast);
    }

    [Fact]
    public void Evaluator_reports_each_category_and_the_mean_over_all_series()
    {
        var series = new[]
        {
            new DemandSeries("a", "YEARLY", "X", [1, 2, 3], [3, 3]),       // naive 3: sMAPE 0
            new DemandSeries("b", "QUARTERLY", "X", [1, 1, 1, 2, 2], [4]),  // naive 2: sMAPE 200*2/6
        };
        var report = ForecastEvaluator.Evaluate(series, new NaiveMethod(), 1);
        Assert.Equal(["YEARLY", "QUARTERLY", "ALL"], report.Rows.Select(r => r.Period));
        Assert.Equal(0, report.Rows[0].Smape, 12);
        Assert.Equal(200.0 * 2 / 6, report.Rows[1].Smape, 9);
        Assert.Equal((200.0 * 2 / 6) / 2, report.Rows[2].Smape, 9);
        Assert.Equal(2, report.Rows[2].Series);
    }

    [Fact]
    public void Guard_gives_a_reported_fallback_instead_of_NaN_or_an_exception()
    {
        var workspace = new ForecastWorkspace();
        var forecast = new double[3];
        Assert.Equal("empty history: forecast 0", SeriesGuard.Forecast(new EtsMethod(), [], 12, forecast, workspace));
        Assert.Equal([0.0, 0, 0], forecast);

        Assert.Contains("constant", SeriesGuard.Forecast(new EtsMethod(), [4, 4, 4, 4], 1, forecast, workspace), StringComparison.Ordinal);
        Assert.Equal([4.0, 4, 4], forecast);

        string? reason = SeriesGuard.Forecast(new NaiveMethod(), [1, double.NaN, 3, -2], 1, forecast, workspace, nonNegativeDemand: true);
        Assert.Contains("1 missing value(s) interpolated", reason, StringComparison.Ordinal);
        Assert.Contains("1 negative value(s) set to 0", reason, StringComparison.Ordinal);
        Assert.Equal([0.0, 0, 0], forecast);

        reason = SeriesGuard.Forecast(new ThrowingMethod(), [1, 2, 3, 4], 1, forecast, workspace);
        Assert.Contains("boom", reason, StringComparison.Ordinal);
        Assert.Equal([4.0, 4, 4], forecast);

        reason = SeriesGuard.Forecast(new SeasonalNaiveMethod(), [1, 2, 3, 4, 5], 12, forecast, workspace);
        Assert.Contains("too short for season 12", reason, StringComparison.Ordinal);
    }

    private sealed class ThrowingMethod : IForecastMethod
    {
        public string Name => "throws";
        public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
            => throw new InvalidOperationException("boom");
    }
}
