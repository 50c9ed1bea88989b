using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>SSA forecasting with ML.NET's ForecastBySsa parameters: exact signals, rank selection, bounds, validation.</summary>
public class SsaTests
{
    private static double Signal(int t) => 50 + 10 * Math.Sin(2 * Math.PI * t / 12) + 4 * Math.Cos(2 * Math.PI * t / 6);

    [Theory]
    [InlineData(RankSelectionMethod.Exact)]
    [InlineData(RankSelectionMethod.Fast)]
    [InlineData(RankSelectionMethod.Fixed)]
    public void A_noise_free_periodic_signal_is_continued_exactly(RankSelectionMethod method)
    {
        var y = Enumerable.Range(0, 120).Select(Signal).ToArray();
        var model = SsaForecaster.Train(y, new SsaForecastingOptions(24, 120, 120, 24, method, Rank: method == RankSelectionMethod.Fixed ? 5 : null));
        // A constant plus two sinusoids spans exactly 5 dimensions of the lagged vectors.
        Assert.Equal(5, model.Rank);
        var forecast = model.Forecast();
        for (int h = 0; h < 24; h++)
            Assert.True(Math.Abs(forecast.Forecast[h] - Signal(120 + h)) < 1e-6, $"h={h + 1}: {forecast.Forecast[h]} vs {Signal(120 + h)}");
    }

    [Fact]
    public void Observations_after_the_training_part_move_the_state_forward()
    {
        var y = Enumerable.Range(0, 150).Select(Signal).ToArray();
        var model = SsaForecaster.Train(y, new SsaForecastingOptions(24, 60, 100, 12, RankSelectionMethod.Fixed, Rank: 5));
        var forecast = model.Forecast();
        for (int h = 0; h < 12; h++)
            Assert.True(Math.Abs(forecast.Forecast[h] - Signal(150 + h)) < 1e-6, $"h={h + 1}: {forecast.Forecast[h]} vs {Signal(150 + h)}");
        model.Update(Signal(150));
        Assert.True(Math.Abs(model.PredictNext() - Signal(151)) < 1e-6);
    }

    [Fact]
    public void Confidence_bounds_widen_with_the_horizon_and_cover_about_the_stated_share()
    {
        var rng = new Random(7);
        int inside = 0, total = 0;
        for (int s = 0; s < 200; s++)
        {
            var y = Enumerable.Range(0, 132).Select(t => Signal(t) + Gaussian(rng)).ToArray();
            var model = SsaForecaster.Train(y.AsSpan(0, 120), new SsaForecastingOptions(24, 120, 120, 12, ConfidenceLevel: 0.9));
            var f = model.Forecast();
            for (int h = 0; h < 12; h++)
            {
                Assert.True(f.LowerBound[h] < f.Forecast[h] && f.Forecast[h] < f.UpperBound[h]);
                if (h > 0) Assert.True(f.UpperBound[h] - f.LowerBound[h] >= f.UpperBound[h - 1] - f.LowerBound[h - 1] - 1e-9);
                if (y[120 + h] >= f.LowerBound[h] && y[120 + h] <= f.UpperBound[h]) inside++;
                total++;
            }
        }
        // ML.NET's bounds leave out the noise the rank-r reconstruction absorbs, so they cover a little less
        // than stated (78% at 90% here); far less would mean a broken variance.
        double coverage = (double)inside / total;
        Assert.InRange(coverage, 0.7, 0.98);
    }

    [Fact]
    public void Growth_is_capped_by_stabilisation()
    {
        // An exponential trend of 5% a step; with MaxGrowth 1% a step the forecast must grow no faster.
        var y = Enumerable.Range(0, 60).Select(t => 10 * Math.Pow(1.05, t)).ToArray();
        var free = SsaForecaster.Train(y, new SsaForecastingOptions(10, 60, 60, 60, RankSelectionMethod.Fixed, Rank: 1)).Forecast();
        var capped = SsaForecaster.Train(y, new SsaForecastingOptions(10, 60, 60, 60, RankSelectionMethod.Fixed, Rank: 1,
            MaxGrowth: new GrowthRatio(1, 1.01))).Forecast();
        Assert.True(free.Forecast[59] / free.Forecast[58] > 1.049);
        // Once the other roots' transients have died out, the growth per step is the cap.
        Assert.InRange(capped.Forecast[59] / capped.Forecast[58], 1.0, 1.0101);
    }

    [Theory]
    [InlineData(1, 50, 50, 1, "windowSize")]
    [InlineData(10, 10, 50, 1, "seriesLength")]
    [InlineData(10, 50, 20, 1, "trainSize")]
    [InlineData(10, 50, 50, 0, "horizon")]
    public void Invalid_parameters_are_named(int window, int seriesLength, int trainSize, int horizon, string named)
    {
        var ex = Assert.Throws<ArgumentException>(() => SsaForecaster.Train(new double[60], new SsaForecastingOptions(window, seriesLength, trainSize, horizon)));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_usable_training_values_is_a_clear_error()
    {
        var y = Enumerable.Range(0, 30).Select(t => t % 2 == 0 ? double.NaN : t).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => SsaForecaster.Train(y, new SsaForecastingOptions(8, 30, 30, 4)));
        Assert.Contains("15 usable value(s)", ex.Message, StringComparison.Ordinal);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
