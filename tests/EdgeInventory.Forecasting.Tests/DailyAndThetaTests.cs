using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>The daily default method and optimised Theta on series with known answers.</summary>
public class DailyAndThetaTests
{
    [Fact]
    public void Daily_method_sends_intermittent_demand_to_tsb_and_follows_the_weekday_profile_of_smooth_demand()
    {
        var workspace = new ForecastWorkspace();
        var intermittent = Enumerable.Range(0, 365).Select(t => t % 9 == 0 ? 3.0 : 0).ToArray();
        var forecast = new double[7];
        new DailyMethod().Forecast(intermittent, 7, forecast, workspace);
        Assert.All(forecast, f => Assert.Equal(TsbMethod.Rate(intermittent), f, 12));

        // Weekends sell twice the weekdays; the level is 10 on weekdays.
        var smooth = Enumerable.Range(0, 365).Select(t => t % 7 >= 5 ? 20.0 : 10.0).ToArray();
        new DailyMethod().Forecast(smooth, 7, forecast, workspace);
        for (int h = 0; h < 7; h++)
            Assert.Equal((365 + h) % 7 >= 5 ? 20 : 10, forecast[h], 6);
    }

    [Fact]
    public void Optimised_theta_follows_a_clean_trend_more_closely_than_standard_theta()
    {
        var workspace = new ForecastWorkspace();
        var line = Enumerable.Range(0, 40).Select(t => 100 + 5.0 * t + (t % 2 == 0 ? 0.5 : -0.5)).ToArray();
        var optimised = new double[6];
        var standard = new double[6];
        new OptimisedThetaMethod().Forecast(line, 1, optimised, workspace);
        new ThetaMethod().Forecast(line, 1, standard, workspace);
        double optimisedError = 0, standardError = 0;
        for (int h = 0; h < 6; h++)
        {
            double actual = 100 + 5.0 * (40 + h);
            optimisedError += Math.Abs(optimised[h] - actual);
            standardError += Math.Abs(standard[h] - actual);
        }
        Assert.True(optimisedError < 0.5 * standardError, $"otm {optimisedError:F2} vs theta {standardError:F2}");
    }

    [Fact]
    public void Method_names_joined_by_plus_make_their_mean()
    {
        var workspace = new ForecastWorkspace();
        var y = Enumerable.Range(0, 30).Select(t => 10.0 + t).ToArray();
        var naive = new double[3];
        var mean = new double[3];
        var combined = new double[3];
        MethodCatalog.Create("naive").Forecast(y, 1, naive, workspace);
        MethodCatalog.Create("mean").Forecast(y, 1, mean, workspace);
        MethodCatalog.Create("naive+mean").Forecast(y, 1, combined, workspace);
        for (int h = 0; h < 3; h++) Assert.Equal((naive[h] + mean[h]) / 2, combined[h], 12);
        Assert.Contains("unknown forecasting method 'nope'", Assert.Throws<ArgumentException>(() => MethodCatalog.Create("naive+nope")).Message, StringComparison.Ordinal);
    }
}
