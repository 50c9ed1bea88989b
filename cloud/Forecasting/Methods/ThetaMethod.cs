namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// The standard Theta method (Assimakopoulos &amp; Nikolopoulos 2000) as R's thetaf() computes it:
/// seasonal adjustment by classical multiplicative decomposition when the lag-m autocorrelation is
/// significant, simple exponential smoothing (α and initial level by least squares) plus half the slope
/// of the linear trend, reseasonalised.
/// </summary>
public sealed class ThetaMethod : IForecastMethod
{
    public string Name => "theta";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int n = history.Length;
        using var scope = workspace.Scope();
        var x = workspace.Rent(n);
        history.CopyTo(x);
        int m = seasonLength;
        Span<double> figure = stackalloc double[Math.Max(m, 1)];
        bool seasonal = m > 1 && Seasonality.IsSeasonal(history, m)
            && ClassicalDecomposition.SeasonalFigure(history, m, multiplicative: true, figure);
        if (seasonal)
        {
            for (int i = 0; i < m && seasonal; i++)
                if (Math.Abs(figure[i]) < 1e-4) seasonal = false;
            if (seasonal)
                for (int t = 0; t < n; t++) x[t] /= figure[t % m];
        }

        var ses = Ets.Fit(x, 1, new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None), workspace, Ets.Criterion.MeanSquaredError)
            ?? throw new InvalidOperationException("simple exponential smoothing could not be fitted");
        double alpha = Math.Max(1e-10, ses.Parameters.Alpha);

        // Least-squares slope of x on 0..n-1; the theta = 2 line carries half of it.
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int t = 0; t < n; t++)
        {
            sx += t; sy += x[t]; sxx += (double)t * t; sxy += t * x[t];
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double drift = slope / 2;
        double start = (1 - Math.Pow(1 - alpha, n)) / alpha;
        for (int h = 0; h < forecast.Length; h++)
        {
            double f = ses.Level + drift * (h + start);
            if (seasonal) f *= figure[(n + h) % m];
            forecast[h] = f;
        }
    }
}

/// <summary>The equal-weight mean of other methods' forecasts (e.g. ETS and Theta, strong on M3).</summary>
public sealed class CombinationMethod(string name, params IForecastMethod[] members) : IForecastMethod
{
    public string Name { get; } = name;

    public IReadOnlyList<IForecastMethod> Members { get; } = members;

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        using var scope = workspace.Scope();
        var member = workspace.Rent(forecast.Length);
        forecast.Clear();
        foreach (var method in Members)
        {
            method.Forecast(history, seasonLength, member, workspace);
            for (int h = 0; h < forecast.Length; h++) forecast[h] += member[h];
        }
        for (int h = 0; h < forecast.Length; h++) forecast[h] /= Members.Count;
    }
}

/// <summary>
/// Optimised Theta (OTM, Fiorucci et al. 2016) with the seasonal adjustment of <see cref="ThetaMethod"/>:
/// the one-step predictor μ_{t+1} = ℓ_t + (1 − 1/θ)·[(1 − α)^t·A + (1 − (1 − α)^{t+1})/α·B] (A, B the
/// least-squares intercept and slope, ℓ simple exponential smoothing with α from the SES fit and ℓ₀ by
/// least squares for each θ) is scored in-sample for θ on a grid from 1 to 5; the θ with the smallest
/// squared error forecasts. (Fiorucci et al. optimise α jointly; here α is SES's.)
/// θ = 2 is close to the standard method.
/// </summary>
public sealed class OptimisedThetaMethod : IForecastMethod
{
    private static readonly double[] ThetaGrid = [1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5];

    public string Name => "otm";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int n = history.Length;
        using var scope = workspace.Scope();
        var x = workspace.Rent(n);
        history.CopyTo(x);
        int m = seasonLength;
        Span<double> figure = stackalloc double[Math.Max(m, 1)];
        bool seasonal = m > 1 && Seasonality.IsSeasonal(history, m)
            && ClassicalDecomposition.SeasonalFigure(history, m, multiplicative: true, figure);
        for (int i = 0; i < m && seasonal; i++)
            if (Math.Abs(figure[i]) < 1e-4) seasonal = false;
        if (seasonal)
            for (int t = 0; t < n; t++) x[t] /= figure[t % m];

        var ses = Ets.Fit(x, 1, new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None), workspace, Ets.Criterion.MeanSquaredError)
            ?? throw new InvalidOperationException("simple exponential smoothing could not be fitted");
        double alpha = Math.Max(1e-10, ses.Parameters.Alpha);

        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int t = 0; t < n; t++)
        {
            double tt = t + 1;
            sx += tt; sy += x[t]; sxx += tt * tt; sxy += tt * x[t];
        }
        double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double a = (sy - b * sx) / n;

        // For each θ the initial level ℓ₀ enters every prediction linearly (with weight (1 − α)^t), so its
        // least-squares value has a closed form: run with ℓ₀ = 0, then solve.
        double bestError = double.PositiveInfinity, bestTheta = 2, bestLevel = ses.Level;
        foreach (double theta in ThetaGrid)
        {
            double weight = 1 - 1 / theta;
            double level = 0, decay = 1, cross = 0, weights = 0, squares = 0; // decay = (1 − α)^t
            for (int t = 0; t < n; t++)
            {
                double mu = level + weight * (decay * a + (1 - decay * (1 - alpha)) / alpha * b);
                double e = x[t] - mu;
                cross += decay * e;
                weights += decay * decay;
                squares += e * e;
                level += alpha * (x[t] - level);
                decay *= 1 - alpha;
            }
            double initial = weights > 0 ? cross / weights : 0;
            double error = squares - 2 * initial * cross + initial * initial * weights;
            if (error < bestError)
            {
                bestError = error;
                bestTheta = theta;
                bestLevel = level + decay * initial;
            }
        }
        double w = 1 - 1 / bestTheta;
        double decayN = Math.Pow(1 - alpha, n);
        for (int h = 0; h < forecast.Length; h++)
        {
            double f = bestLevel + w * (decayN * a + (h + (1 - decayN * (1 - alpha)) / alpha) * b);
            if (seasonal) f *= figure[(n + h) % m];
            forecast[h] = f;
        }
    }
}
