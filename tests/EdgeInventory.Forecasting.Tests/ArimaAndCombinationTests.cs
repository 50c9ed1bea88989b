using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

public class ArimaAndCombinationTests
{
    /// <summary>A deterministic pseudo-random normal sequence (Box–Muller on a fixed-seed generator).</summary>
    private static double[] Noise(int n, int seed)
    {
        var random = new Random(seed);
        var e = new double[n];
        for (int i = 0; i < n; i++)
            e[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return e;
    }

    [Fact]
    public void Kpss_keeps_white_noise_and_differences_a_random_walk_once()
    {
        var noise = Noise(200, 1);
        var walk = new double[200];
        for (int t = 1; t < 200; t++) walk[t] = walk[t - 1] + noise[t];
        Assert.Equal(0, AutoArima.Differences(noise));
        Assert.Equal(1, AutoArima.Differences(walk));
    }

    [Fact]
    public void Kpss_statistic_matches_urca()
    {
        // R: urca::ur.kpss(sin(1:40) + 0.05 * (1:40), type = "mu", use.lag = trunc(3 * sqrt(40) / 13))@teststat
        var x = new double[40];
        for (int t = 0; t < 40; t++) x[t] = Math.Sin(t + 1) + 0.05 * (t + 1);
        Assert.Equal(0.9518467, AutoArima.KpssStatistic(x), 6);
    }

    [Fact]
    public void Ar1_coefficient_and_mean_are_recovered()
    {
        // y_t − 10 = 0.5·(y_{t−1} − 10) + e_t: the stepwise search should land on a stationary model with
        // mean near 10 whose one-step forecast follows the AR(1) rule.
        var e = Noise(400, 7);
        var y = new double[400];
        y[0] = 10;
        for (int t = 1; t < y.Length; t++) y[t] = 10 + 0.5 * (y[t - 1] - 10) + e[t];
        // KPSS with R's short lag window over-rejects for persistent AR series, so d is fixed here.
        var fit = AutoArima.Fit(y, new ForecastWorkspace(), differences: 0)!;
        Assert.Equal(0, fit.D);
        Assert.True(fit.HasConstant);
        Assert.InRange(fit.Mean, 9.5, 10.5);
        Assert.Equal(1, fit.P);
        Assert.InRange(fit.Ar[0], 0.4, 0.6);
        Span<double> forecast = stackalloc double[40];
        fit.Forecast(forecast);
        Assert.Equal(fit.Mean + fit.Ar[0] * (y[^1] - fit.Mean), forecast[0], 1e-6);
        Assert.InRange(forecast[^1], 9.5, 10.5); // decays to the mean
    }

    [Fact]
    public void Linear_trend_with_noise_is_continued_by_drift()
    {
        var e = Noise(60, 3);
        var y = new double[60];
        for (int t = 0; t < y.Length; t++) y[t] = 100 + 2 * t + 0.5 * e[t];
        var forecast = new double[10];
        new AutoArimaMethod().Forecast(y, 1, forecast, new ForecastWorkspace());
        for (int h = 0; h < forecast.Length; h++)
            Assert.InRange(forecast[h], 100 + 2 * (60 + h) - 3, 100 + 2 * (60 + h) + 3);
    }

    [Fact]
    public void Arima_roots_inside_the_margin_are_rejected()
    {
        Assert.True(AutoArima.Admissible([0.5], [0.3]));
        Assert.False(AutoArima.Admissible([1.0], []));   // unit root
        Assert.False(AutoArima.Admissible([0.995], []));  // root 1.005 < 1.01
        Assert.False(AutoArima.Admissible([], [-1.2]));   // not invertible
    }

    [Fact]
    public void Median_combination_takes_the_middle_member_and_the_mean_of_the_middle_two()
    {
        var constant = (double v) => new ConstantMethod(v);
        var forecast = new double[3];
        new CombinationMethod("m", CombinationRule.Median, constant(1), constant(10), constant(4)).Forecast([1, 2, 3], 1, forecast, new ForecastWorkspace());
        Assert.All(forecast, f => Assert.Equal(4, f));
        new CombinationMethod("m", CombinationRule.Median, constant(1), constant(10), constant(4), constant(2)).Forecast([1, 2, 3], 1, forecast, new ForecastWorkspace());
        Assert.All(forecast, f => Assert.Equal(3, f));
        new CombinationMethod("m", constant(1), constant(10), constant(4)).Forecast([1, 2, 3], 1, forecast, new ForecastWorkspace());
        Assert.All(forecast, f => Assert.Equal(5, f));
        Assert.Equal(CombinationRule.Median, Assert.IsType<CombinationMethod>(MethodCatalog.Create("median:naive+mean+theta")).Rule);
    }

    [Fact]
    public void Seasonally_adjusted_naive_repeats_the_last_adjusted_value_times_the_figure()
    {
        // Exactly multiplicative season on a constant level: the adjusted series is flat at the level, so
        // Naive2 reproduces the seasonal pattern; a non-seasonal history is passed through unchanged.
        double[] figure = [0.8, 1.2, 1.0, 1.0];
        var y = new double[24];
        for (int t = 0; t < y.Length; t++) y[t] = 50 * figure[t % 4];
        var forecast = new double[8];
        new SeasonallyAdjustedMethod("naive2", new NaiveMethod()).Forecast(y, 4, forecast, new ForecastWorkspace());
        for (int h = 0; h < 8; h++)
            Assert.Equal(50 * figure[h % 4], forecast[h], 1e-9);
        new SeasonallyAdjustedMethod("naive2", new NaiveMethod()).Forecast([3, 1, 4, 1, 5], 1, forecast, new ForecastWorkspace());
        Assert.All(forecast, f => Assert.Equal(5, f));
    }

    private sealed class ConstantMethod(double value) : IForecastMethod
    {
        public string Name => "constant";

        public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace) => forecast.Fill(value);
    }
}
