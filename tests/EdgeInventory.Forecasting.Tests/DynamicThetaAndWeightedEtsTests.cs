using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>
/// The Dynamic Optimised Theta Model against the paper's equations computed the slow way, and the
/// Akaike-weighted ETS combination against the family's individual fits.
/// </summary>
public class DynamicThetaAndWeightedEtsTests
{
    private static readonly double[] Noisy =
        [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
         145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194];

    /// <summary>
    /// Fiorucci et al.'s one-step predictor with Aₜ and Bₜ refitted by batch least squares on Y₁..Yₜ at
    /// every step (no recursion), and the squared error it makes from t = 2 on.
    /// </summary>
    private static (double Squares, double NextPrediction) SlowDynamicTheta(double[] y, double level0, double alpha, double theta)
    {
        double level = alpha * y[0] + (1 - alpha) * level0;
        double squares = 0;
        for (int t = 1; t <= y.Length; t++)
        {
            // The line fitted to y[0..t) with times 1..t (one point: flat through it).
            double a, b;
            if (t == 1) (a, b) = (y[0], 0);
            else
            {
                double meanT = (t + 1) / 2.0, meanY = y.Take(t).Average();
                double sxy = 0, sxx = 0;
                for (int s = 0; s < t; s++) { sxy += (s + 1 - meanT) * (y[s] - meanY); sxx += (s + 1 - meanT) * (s + 1 - meanT); }
                b = sxy / sxx;
                a = meanY - b * meanT;
            }
            double mu = level + (1 - 1 / theta) * (Math.Pow(1 - alpha, t) * a + (1 - Math.Pow(1 - alpha, t + 1)) / alpha * b);
            if (t == y.Length) return (squares, mu);
            squares += (y[t] - mu) * (y[t] - mu);
            level = alpha * y[t] + (1 - alpha) * level;
        }
        throw new InvalidOperationException("unreachable");
    }

    [Theory]
    [InlineData(50.0, 0.3, 3.0)]
    [InlineData(112.0, 0.8, 1.0)]
    [InlineData(0.0, 0.1, 7.5)]
    public void Dynamic_theta_recursion_matches_the_equations_with_least_squares_refitted_at_every_step(double level0, double alpha, double theta)
    {
        double[] parameters = [level0, alpha, theta];
        var (slowSquares, slowNext) = SlowDynamicTheta(Noisy, level0, alpha, theta);

        double squares = DynamicOptimisedThetaMethod.Filter(Noisy, parameters, out _, out _, out _);
        var forecast = new double[4];
        DynamicOptimisedThetaMethod.ForecastWith(Noisy, parameters, forecast);

        Assert.Equal(slowSquares, squares, slowSquares * 1e-10);
        Assert.Equal(slowNext, forecast[0], 1e-8);
        // Further steps add (1 − 1/θ)·Bₙ each, Bₙ the slope of the whole history.
        double meanT = (Noisy.Length + 1) / 2.0, meanY = Noisy.Average();
        double slope = Noisy.Select((v, s) => (s + 1 - meanT) * (v - meanY)).Sum() / Noisy.Select((_, s) => (s + 1 - meanT) * (s + 1 - meanT)).Sum();
        for (int h = 1; h < forecast.Length; h++)
            Assert.Equal((1 - 1 / theta) * slope, forecast[h] - forecast[h - 1], 1e-8);
    }

    [Fact]
    public void Dynamic_optimised_theta_continues_a_clean_trend_and_beats_standard_theta_there()
    {
        var workspace = new ForecastWorkspace();
        var line = Enumerable.Range(0, 40).Select(t => 100 + 5.0 * t + (t % 2 == 0 ? 0.5 : -0.5)).ToArray();
        var dynamic = new double[6];
        var standard = new double[6];
        new DynamicOptimisedThetaMethod().Forecast(line, 1, dynamic, workspace);
        new ThetaMethod().Forecast(line, 1, standard, workspace);
        double dynamicError = 0, standardError = 0;
        for (int h = 0; h < 6; h++)
        {
            double actual = 100 + 5.0 * (40 + h);
            dynamicError += Math.Abs(dynamic[h] - actual);
            standardError += Math.Abs(standard[h] - actual);
        }
        Assert.True(dynamicError < 0.25 * standardError, $"dotm {dynamicError:F2} vs theta {standardError:F2}");
        Assert.True(dynamicError / 6 < 1.0, $"dotm's mean error on a line with ±0.5 noise is {dynamicError / 6:F2}");
    }

    [Fact]
    public void Dynamic_optimised_theta_keeps_the_seasonal_shape_of_a_seasonal_series()
    {
        var workspace = new ForecastWorkspace();
        static double Truth(int t) => (100 + t) * (1 + 0.3 * Math.Sin(2 * Math.PI * t / 12));
        var history = Enumerable.Range(0, 72).Select(t => Truth(t) + (t % 3 - 1)).ToArray();
        var forecast = new double[12];
        new DynamicOptimisedThetaMethod().Forecast(history, 12, forecast, workspace);
        // Peaks at t % 12 = 3, troughs at 9: the forecast, which starts at t = 72, must keep them.
        Assert.True(forecast[3] > forecast[9] * 1.5, string.Join(", ", forecast.Select(f => f.ToString("F0"))));
        for (int h = 0; h < 12; h++)
            Assert.Equal(Truth(72 + h), forecast[h], Truth(72 + h) * 0.05);
    }

    [Fact]
    public void Akaike_weighted_ets_lies_within_the_family_and_follows_a_model_that_wins_clearly()
    {
        var workspace = new ForecastWorkspace();
        const int horizon = 8;
        var weighted = new double[horizon];
        Assert.True(Ets.AkaikeWeightedForecast(Noisy, 12, weighted, workspace));

        // Every member of the family fitted on its own: the weighted forecast is a convex combination of theirs.
        Span<EtsModelSpec> family = stackalloc EtsModelSpec[16];
        int count = EtsModelSpec.Candidates(seasonal: true, positive: true, family);
        var low = Enumerable.Repeat(double.PositiveInfinity, horizon).ToArray();
        var high = Enumerable.Repeat(double.NegativeInfinity, horizon).ToArray();
        var member = new double[horizon];
        var aiccs = new List<double>();
        for (int c = 0; c < count; c++)
        {
            var fit = Ets.Fit(Noisy, 12, family[c], workspace);
            if (fit is null) continue;
            aiccs.Add(fit.Aicc);
            fit.Forecast(member);
            for (int h = 0; h < horizon; h++) { low[h] = Math.Min(low[h], member[h]); high[h] = Math.Max(high[h], member[h]); }
        }
        for (int h = 0; h < horizon; h++)
            Assert.InRange(weighted[h], low[h] - 1e-9, high[h] + 1e-9);
        Assert.True(aiccs.Count >= 2, "the family should have several fitted members");

        // A noise-free multiplicative season on a trend: one model is far ahead, and the weights give it
        // the forecast (as plain AICc selection would).
        var clean = Enumerable.Range(0, 60).Select(t => (50 + 2.0 * t) * (1 + 0.3 * Math.Sin(2 * Math.PI * t / 12))).ToArray();
        var selected = new double[horizon];
        Assert.True(Ets.AkaikeWeightedForecast(clean, 12, weighted, workspace));
        Ets.AutoFit(clean, 12, workspace)!.Forecast(selected);
        for (int h = 0; h < horizon; h++)
        {
            double actual = (50 + 2.0 * (60 + h)) * (1 + 0.3 * Math.Sin(2 * Math.PI * (60 + h) / 12));
            Assert.Equal(actual, weighted[h], actual * 0.02);
            Assert.Equal(selected[h], weighted[h], Math.Abs(selected[h]) * 0.02);
        }
    }

    [Fact]
    public void Auto_sends_continuous_demand_to_the_combination_and_intermittent_demand_to_tsb()
    {
        var auto = new AutoMethod();
        Assert.Equal("ets-aicw+dotm+theta", auto.Choose(Noisy).Name);
        var intermittent = Enumerable.Range(0, 48).Select(t => t % 5 == 0 ? 4.0 : 0).ToArray();
        Assert.Equal("tsb", auto.Choose(intermittent).Name);
    }
}

/// <summary>Every method in the catalog on awkward but valid histories (zeros first, a scale of 10⁹, a level shift): finite forecasts, no fallback needed.</summary>
public class CatalogRobustnessTests
{
    public static TheoryData<string> MethodNames() => [.. MethodCatalog.Names];

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void Every_method_forecasts_zero_starting_huge_and_shifted_histories_without_falling_back(string name)
    {
        var method = MethodCatalog.Create(name);
        var workspace = new ForecastWorkspace();
        (double[] History, int Season)[] histories =
        [
            ([0, 0, 7, 0, 5, 9, 0, 6, 8, 0, 7, 9, 0, 8], 1),
            ([.. Enumerable.Range(0, 30).Select(t => 1e9 + 3e7 * t + (t % 4) * 1e7)], 4),
            ([.. Enumerable.Range(0, 36).Select(t => t < 24 ? 100.0 + t % 12 : 400.0 + t % 12)], 12),
        ];
        var forecast = new double[8];
        foreach (var (history, season) in histories)
        {
            string? fallback = SeriesGuard.Forecast(method, history, season, forecast, workspace);
            Assert.True(fallback is null, $"{name} on [{string.Join(", ", history.Take(6))}, ...]: {fallback}");
            Assert.All(forecast, f => Assert.True(double.IsFinite(f), $"{name}: {f}"));
        }
    }
}
