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
        int m = seasonLength;
        using var scope = workspace.Scope();
        Span<double> figure = stackalloc double[Math.Max(m, 1)];
        var x = SeasonallyAdjusted(history, m, figure, workspace, out bool seasonal);
        (double alpha, double sesLevel) = FitSes(x, workspace);

        // The theta = 2 line carries half of the least-squares slope.
        double drift = Statistics.LeastSquaresLine(x).Slope / 2;
        double start = (1 - Math.Pow(1 - alpha, n)) / alpha;
        for (int h = 0; h < forecast.Length; h++)
        {
            double f = sesLevel + drift * (h + start);
            if (seasonal) f *= figure[(n + h) % m];
            forecast[h] = f;
        }
    }

    /// <summary>
    /// A copy of the history, rented from <paramref name="workspace"/> in the caller's scope, divided by the
    /// classical multiplicative seasonal figure (written to <paramref name="figure"/>) when the lag-m
    /// autocorrelation is significant and no figure is near zero; otherwise the plain copy and
    /// <paramref name="seasonal"/> false. The set-up shared by the standard, optimised and dynamic methods.
    /// </summary>
    internal static Span<double> SeasonallyAdjusted(ReadOnlySpan<double> history, int m, Span<double> figure, ForecastWorkspace workspace, out bool seasonal)
    {
        var x = workspace.Rent(history.Length);
        history.CopyTo(x);
        seasonal = m > 1 && Seasonality.IsSeasonal(history, m)
            && ClassicalDecomposition.SeasonalFigure(history, m, multiplicative: true, figure);
        for (int i = 0; i < m && seasonal; i++)
            if (Math.Abs(figure[i]) < 1e-4) seasonal = false;
        if (seasonal)
            for (int t = 0; t < x.Length; t++) x[t] /= figure[t % m];
        return x;
    }

    /// <summary>Simple exponential smoothing fitted by least squares: its α (kept off 0) and final level.</summary>
    internal static (double Alpha, double Level) FitSes(Span<double> x, ForecastWorkspace workspace)
    {
        var ses = Ets.Fit(x, 1, new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None), workspace, Ets.Criterion.MeanSquaredError)
            ?? throw new InvalidOperationException("simple exponential smoothing could not be fitted");
        return (Math.Max(1e-10, ses.Parameters.Alpha), ses.Level);
    }
}

/// <summary>How a combination merges its members' forecasts at each step of the horizon.</summary>
public enum CombinationRule
{
    /// <summary>Equal-weight mean (e.g. ETS and Theta, strong on M3).</summary>
    Mean,
    /// <summary>Median (the mean of the middle two for an even count): robust to one member going astray, as in SCUM.</summary>
    Median,
}

/// <summary>The equal-weight mean, or the median, of other methods' forecasts, step by step.</summary>
public sealed class CombinationMethod(string name, CombinationRule rule, params IForecastMethod[] members) : IForecastMethod
{
    public CombinationMethod(string name, params IForecastMethod[] members) : this(name, CombinationRule.Mean, members)
    {
    }

    public string Name { get; } = name;

    public CombinationRule Rule { get; } = rule;

    public IReadOnlyList<IForecastMethod> Members { get; } = members;

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        using var scope = workspace.Scope();
        int k = Members.Count;
        int horizon = forecast.Length;
        // Member j's forecast at step h sits at [h * k + j], so each step's values are contiguous for the median.
        var all = workspace.Rent(horizon * k);
        var member = workspace.Rent(horizon);
        for (int j = 0; j < k; j++)
        {
            Members[j].Forecast(history, seasonLength, member, workspace);
            for (int h = 0; h < horizon; h++) all[h * k + j] = member[h];
        }
        for (int h = 0; h < horizon; h++)
        {
            var values = all.Slice(h * k, k);
            if (Rule == CombinationRule.Median)
            {
                values.Sort();
                forecast[h] = k % 2 == 1 ? values[k / 2] : (values[k / 2 - 1] + values[k / 2]) / 2;
            }
            else
            {
                double sum = 0;
                foreach (double v in values) sum += v;
                forecast[h] = sum / k;
            }
        }
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
        int m = seasonLength;
        using var scope = workspace.Scope();
        Span<double> figure = stackalloc double[Math.Max(m, 1)];
        var x = ThetaMethod.SeasonallyAdjusted(history, m, figure, workspace, out bool seasonal);
        (double alpha, double sesLevel) = ThetaMethod.FitSes(x, workspace);

        (double a, double b) = Statistics.LeastSquaresLine(x);

        // For each θ the initial level ℓ₀ enters every prediction linearly (with weight (1 − α)^t), so its
        // least-squares value has a closed form: run with ℓ₀ = 0, then solve.
        double bestError = double.PositiveInfinity, bestTheta = 2, bestLevel = sesLevel;
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
