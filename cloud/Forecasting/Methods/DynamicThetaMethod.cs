namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// The Dynamic Optimised Theta Model (DOTM, Fiorucci et al. 2016, as R's forecTheta::dotm), with the
/// seasonal adjustment of <see cref="ThetaMethod"/>. Unlike <see cref="OptimisedThetaMethod"/>, the trend
/// line's intercept Aₜ and slope Bₜ are the least-squares fit to the data seen up to t (updated
/// recursively), and ℓ₀, α and θ are optimised together by in-sample one-step squared error:
/// μₜ = ℓₜ₋₁ + (1 − 1/θ)·[(1 − α)^(t−1)·Aₜ₋₁ + (1 − (1 − α)^t)/α·Bₜ₋₁],  ℓₜ = α·Yₜ + (1 − α)·ℓₜ₋₁.
/// Forecasts hold A and B at their last values:
/// Ŷₙ₊ₕ = ℓₙ + (1 − 1/θ)·[(1 − α)^n·Aₙ + (h − 1 + (1 − (1 − α)^(n+1))/α)·Bₙ].
/// Bounds as forecTheta's: α in [0.1, 0.99], θ ≥ 1.
/// </summary>
public sealed class DynamicOptimisedThetaMethod : IForecastMethod
{
    internal const double AlphaLower = 0.1;
    internal const double AlphaUpper = 0.99;
    internal const double ThetaLower = 1;
    private const int MaxEvaluations = 1000;

    public string Name => "dotm";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int n = history.Length;
        int m = seasonLength;
        using var scope = workspace.Scope();
        Span<double> figure = stackalloc double[Math.Max(m, 1)];
        var x = ThetaMethod.SeasonallyAdjusted(history, m, figure, workspace, out bool seasonal);

        // forecTheta's start: ℓ₀ = Y₁/2, α = 0.5, θ = 2. The simplex's first steps are sized per
        // coordinate (R's single 10%-of-the-largest step would be the level's scale for α and θ too).
        var parameters = workspace.Rent(3);
        (parameters[0], parameters[1], parameters[2]) = (x[0] / 2, 0.5, 2);
        var steps = workspace.Rent(3);
        (steps[0], steps[1], steps[2]) = (Math.Max(Math.Abs(x[0]) / 4, 1e-3), 0.2, 1);
        var objective = new DynamicThetaObjective { Y = x };
        NelderMead.Minimize(ref objective, parameters, workspace, steps, MaxEvaluations);

        ForecastWith(x, parameters, forecast);
        if (seasonal)
            for (int h = 0; h < forecast.Length; h++) forecast[h] *= figure[(n + h) % m];
    }

    /// <summary>The closed-form forecasts of the model with (ℓ₀, α, θ) = <paramref name="parameters"/> after filtering <paramref name="y"/>.</summary>
    internal static void ForecastWith(ReadOnlySpan<double> y, ReadOnlySpan<double> parameters, Span<double> forecast)
    {
        Filter(y, parameters, out double level, out double intercept, out double slope);
        double alpha = parameters[1];
        double weight = 1 - 1 / parameters[2];
        double decay = Math.Pow(1 - alpha, y.Length);
        for (int h = 0; h < forecast.Length; h++)
            forecast[h] = level + weight * (decay * intercept + (h + (1 - decay * (1 - alpha)) / alpha) * slope);
    }

    /// <summary>
    /// Runs the model over <paramref name="y"/>: returns the sum of squared one-step errors from t = 2 on,
    /// and the final level and least-squares intercept and slope (updated recursively, O(1) per step).
    /// </summary>
    internal static double Filter(ReadOnlySpan<double> y, ReadOnlySpan<double> parameters, out double level, out double intercept, out double slope)
    {
        double alpha = parameters[1];
        double weight = 1 - 1 / parameters[2];
        // After the first observation: the least-squares line through one point is flat at Y₁.
        level = alpha * y[0] + (1 - alpha) * parameters[0];
        double mean = y[0];
        intercept = y[0];
        slope = 0;
        double decay = 1 - alpha; // (1 − α)^(t−1) for the t being predicted (1-based)
        double squares = 0;
        for (int i = 1; i < y.Length; i++)
        {
            double t = i + 1;
            double mu = level + weight * (decay * intercept + (1 - decay * (1 - alpha)) / alpha * slope);
            double e = y[i] - mu;
            squares += e * e;
            level += alpha * (y[i] - level);
            slope = ((t - 2) * slope + 6 * (y[i] - mean) / t) / (t + 1);
            mean += (y[i] - mean) / t;
            intercept = mean - (t + 1) * slope / 2;
            decay *= 1 - alpha;
        }
        return squares;
    }

    /// <summary>The in-sample squared error of (ℓ₀, α, θ); +∞ outside the bounds.</summary>
    private ref struct DynamicThetaObjective : IObjective
    {
        public ReadOnlySpan<double> Y;

        public readonly double Evaluate(ReadOnlySpan<double> parameters) =>
            parameters[1] >= AlphaLower && parameters[1] <= AlphaUpper && parameters[2] >= ThetaLower && double.IsFinite(parameters[0])
                ? Filter(Y, parameters, out _, out _, out _)
                : double.PositiveInfinity;
    }
}
