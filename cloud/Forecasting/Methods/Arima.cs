namespace EdgeInventory.Forecasting.Methods;

/// <summary>A fitted non-seasonal ARIMA(p, d, q) model with an optional mean (d = 0) or drift (d = 1).</summary>
public sealed class ArimaFit
{
    private readonly double[] _history;
    private readonly double[] _differenced;
    private readonly double[] _residuals;

    internal ArimaFit(int d, double[] ar, double[] ma, double mean, bool hasConstant, double aicc, double sigma2,
        double[] history, double[] differenced, double[] residuals)
    {
        D = d;
        Ar = ar;
        Ma = ma;
        Mean = mean;
        HasConstant = hasConstant;
        Aicc = aicc;
        Sigma2 = sigma2;
        _history = history;
        _differenced = differenced;
        _residuals = residuals;
    }

    public int P => Ar.Count;
    public int D { get; }
    public int Q => Ma.Count;
    /// <summary>φ₁..φ_p of (1 − φ₁B − … − φ_pB^p)(w_t − μ) = (1 + θ₁B + … + θ_qB^q)e_t, w the d-th differences.</summary>
    public IReadOnlyList<double> Ar { get; }
    /// <summary>θ₁..θ_q (R's sign convention).</summary>
    public IReadOnlyList<double> Ma { get; }
    /// <summary>μ: the mean of the differenced series (the drift when d = 1); 0 without a constant.</summary>
    public double Mean { get; }
    public bool HasConstant { get; }
    /// <summary>AICc from the conditional-sum-of-squares likelihood (comparable only between models with the same d).</summary>
    public double Aicc { get; }
    /// <summary>Variance of the one-step errors.</summary>
    public double Sigma2 { get; }

    public override string ToString() => $"ARIMA({P},{D},{Q}){(HasConstant ? (D == 0 ? " with mean" : " with drift") : "")}";

    /// <summary>Point forecasts: the ARMA recursion on the differences with future errors 0, integrated d times.</summary>
    public void Forecast(Span<double> forecast)
    {
        int horizon = forecast.Length;
        int n = _differenced.Length;
        var w = new double[n + horizon];
        var e = new double[n + horizon];
        _differenced.CopyTo(w, 0);
        _residuals.CopyTo(e, 0);
        for (int t = n; t < n + horizon; t++)
        {
            double value = Mean;
            for (int i = 1; i <= P && t - i >= 0; i++) value += Ar[i - 1] * (w[t - i] - Mean);
            for (int j = 1; j <= Q && t - j >= 0; j++) value += Ma[j - 1] * e[t - j];
            w[t] = value;
        }
        // Integrate: the d-th differences back to levels, one order at a time from the history's last values.
        Span<double> future = forecast;
        for (int h = 0; h < horizon; h++) future[h] = w[n + h];
        for (int order = D; order >= 1; order--)
        {
            // The last value of the (order − 1)-th differences of the history.
            double last = LastOfDifferences(_history, order - 1);
            for (int h = 0; h < horizon; h++)
            {
                last += future[h];
                future[h] = last;
            }
        }
    }

    private static double LastOfDifferences(double[] y, int order)
    {
        // Δ^order y at the last time: Σ_k (−1)^k C(order, k) y[n−1−k].
        double value = 0, binomial = 1;
        for (int k = 0; k <= order; k++)
        {
            value += (k % 2 == 0 ? 1 : -1) * binomial * y[y.Length - 1 - k];
            binomial = binomial * (order - k) / (k + 1);
        }
        return value;
    }
}

/// <summary>
/// Automatic non-seasonal ARIMA after Hyndman &amp; Khandakar (2008), the procedure of R's
/// <c>forecast::auto.arima</c>: the order of differencing by repeated KPSS tests (level stationarity at 5%,
/// at most two differences), then a stepwise search over (p, q) and the constant by AICc: start from
/// (2,2), (0,0), (1,0), (0,1) (and (0,0) without constant), move to the best neighbour (p ± 1, q ± 1,
/// both, constant toggled) while one improves. p, q ≤ 5, p + q ≤ 5; a constant (mean or drift) only when
/// d ≤ 1. Models whose AR or MA roots lie within 1.01 of the unit circle are rejected, as R rejects them.
/// Estimation is conditional least squares (R's "CSS"; R's default refines by exact likelihood), every
/// candidate conditioned on the same first observations so that their AICc compare on one sample.
/// </summary>
public static class AutoArima
{
    /// <summary>KPSS 5% critical value for level stationarity (Kwiatkowski et al. 1992, Table 1).</summary>
    public const double KpssCritical5 = 0.463;
    private const int MaxOrder = 5;
    private const double RootMargin = 1.01;

    /// <summary>KPSS level-stationarity statistic with R's lag truncation trunc(3·√n / 13) (Bartlett weights).</summary>
    public static double KpssStatistic(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double mean = 0;
        for (int t = 0; t < n; t++) mean += x[t];
        mean /= n;
        double partial = 0, sumPartialSquares = 0, sumSquares = 0;
        for (int t = 0; t < n; t++)
        {
            double e = x[t] - mean;
            partial += e;
            sumPartialSquares += partial * partial;
            sumSquares += e * e;
        }
        int lags = (int)(3 * Math.Sqrt(n) / 13);
        double longRun = sumSquares / n;
        for (int l = 1; l <= lags; l++)
        {
            double cross = 0;
            for (int t = l; t < n; t++) cross += (x[t] - mean) * (x[t - l] - mean);
            longRun += 2 * (1 - l / (lags + 1.0)) * cross / n;
        }
        return longRun > 0 ? sumPartialSquares / ((double)n * n * longRun) : 0;
    }

    /// <summary>Differences (0–2) until the KPSS test no longer rejects level stationarity, as R's ndiffs().</summary>
    public static int Differences(ReadOnlySpan<double> y, int maxD = 2)
    {
        var x = y.ToArray();
        int d = 0;
        while (d < maxD && !IsConstant(x) && x.Length > 3 && KpssStatistic(x) > KpssCritical5)
        {
            x = Difference(x);
            d++;
        }
        return d;
    }

    /// <summary>Fits the automatic model; null when no model could be fitted (too short).</summary>
    /// <param name="differences">A fixed order of differencing instead of the KPSS tests' choice.</param>
    public static ArimaFit? Fit(ReadOnlySpan<double> y, ForecastWorkspace workspace, int? differences = null)
    {
        int d = differences ?? Differences(y);
        var history = y.ToArray();
        var w = history;
        for (int i = 0; i < d; i++) w = Difference(w);
        int n = w.Length;
        if (n < 3)
            return null;
        if (IsConstant(w))
            return new ArimaFit(d, [], [], d <= 1 ? w[0] : 0, d <= 1, double.NegativeInfinity, 0, history, w, new double[n]);

        // Standardise so that the optimiser's steps and the constant's start suit every scale.
        double mean = 0;
        for (int t = 0; t < n; t++) mean += w[t];
        mean /= n;
        double variance = 0;
        for (int t = 0; t < n; t++) variance += (w[t] - mean) * (w[t] - mean);
        double scale = Math.Sqrt(variance / n);
        // Centred for models with a constant (μ starts at the sample mean), raw for models about zero.
        var centred = new double[n];
        var raw = new double[n];
        for (int t = 0; t < n; t++)
        {
            centred[t] = (w[t] - mean) / scale;
            raw[t] = w[t] / scale;
        }

        // One conditioning sample for all candidates; orders limited so that each keeps a few degrees of freedom.
        int maxLag = Math.Max(0, Math.Min(MaxOrder, (n - 4) / 3));
        int used = n - maxLag;
        bool constantAllowed = d <= 1;
        var tried = new bool[MaxOrder + 1, MaxOrder + 1, 2];
        Candidate? best = null;

        void Try(int p, int q, bool constant)
        {
            if (p < 0 || q < 0 || p > maxLag || q > maxLag || p + q > MaxOrder || (constant && !constantAllowed))
                return;
            if (tried[p, q, constant ? 1 : 0])
                return;
            tried[p, q, constant ? 1 : 0] = true;
            int k = p + q + (constant ? 1 : 0) + 1;
            if (used - k - 1 <= 0)
                return;
            var candidate = FitCss(constant ? centred : raw, p, q, constant, maxLag, workspace);
            if (candidate is null)
                return;
            double aicc = used * (Math.Log(2 * Math.PI * candidate.Sigma2) + 1) + 2.0 * k + 2.0 * k * (k + 1) / (used - k - 1);
            candidate.Aicc = aicc;
            if (best is null || aicc < best.Aicc)
                best = candidate;
        }

        Try(2, 2, constantAllowed);
        Try(0, 0, constantAllowed);
        Try(1, 0, constantAllowed);
        Try(0, 1, constantAllowed);
        if (constantAllowed) Try(0, 0, false);
        for (int round = 0; round < 100 && best is not null; round++)
        {
            var current = best;
            int p = current.P, q = current.Q;
            bool c = current.Constant;
            Try(p - 1, q, c); Try(p + 1, q, c); Try(p, q - 1, c); Try(p, q + 1, c);
            Try(p - 1, q - 1, c); Try(p + 1, q + 1, c); Try(p - 1, q + 1, c); Try(p + 1, q - 1, c);
            if (constantAllowed) Try(p, q, !c);
            if (ReferenceEquals(best, current))
                break;
        }
        if (best is null)
            return null;

        // Back to the original scale: the constant and the residuals scale; the coefficients do not.
        var ar = best.Coefficients[..best.P];
        var ma = best.Coefficients[best.P..(best.P + best.Q)];
        double mu = best.Constant ? mean + scale * best.Coefficients[^1] : 0;
        var residuals = new double[n];
        Residuals(best.Constant ? centred : raw, ar, ma, best.Constant ? best.Coefficients[^1] : 0, maxLag, residuals);
        for (int t = 0; t < n; t++) residuals[t] *= scale;
        return new ArimaFit(d, ar, ma, mu, best.Constant, best.Aicc, best.Sigma2 * scale * scale, history, w, residuals);
    }

    private sealed class Candidate(int p, int q, bool constant, double[] coefficients, double sigma2)
    {
        public int P { get; } = p;
        public int Q { get; } = q;
        public bool Constant { get; } = constant;
        public double[] Coefficients { get; } = coefficients;
        public double Sigma2 { get; } = sigma2;
        public double Aicc { get; set; }
    }

    private static Candidate? FitCss(double[] z, int p, int q, bool constant, int start, ForecastWorkspace workspace)
    {
        int parameters = p + q + (constant ? 1 : 0);
        var x = new double[Math.Max(parameters, 1)];
        var residuals = new double[z.Length];
        var objective = new CssObjective(z, p, q, constant, start, residuals);
        double sse;
        if (parameters == 0)
        {
            sse = objective.Evaluate([]);
        }
        else
        {
            Span<double> steps = stackalloc double[parameters];
            steps.Fill(0.1);
            sse = NelderMead.Minimize(ref objective, x.AsSpan(0, parameters), workspace, steps, maxEvaluations: 200 * parameters, relativeTolerance: 1e-8);
        }
        if (!double.IsFinite(sse) || sse >= CssObjective.Penalty)
            return null;
        var coefficients = x[..parameters];
        if (!Admissible(coefficients.AsSpan(0, p), coefficients.AsSpan(p, q)))
            return null;
        double sigma2 = sse / (z.Length - start);
        return sigma2 > 0 ? new Candidate(p, q, constant, coefficients, sigma2) : null;
    }

    /// <summary>AR roots and MA roots outside 1.01 (stationary and invertible with R's margin).</summary>
    internal static bool Admissible(ReadOnlySpan<double> ar, ReadOnlySpan<double> ma) =>
        RootsOutside(ar, -1) && RootsOutside(ma, 1);

    /// <summary>Whether the roots of 1 + sign·(c₁z + … + c_kz^k) all have modulus above <see cref="RootMargin"/>.</summary>
    private static bool RootsOutside(ReadOnlySpan<double> c, double sign)
    {
        int k = c.Length;
        while (k > 0 && c[k - 1] == 0) k--;
        if (k == 0)
            return true;
        // Roots of p outside R ⇔ roots of the reversed polynomial z^k·p(1/z) inside 1/R.
        Span<double> reversed = stackalloc double[k + 1];
        for (int i = 0; i < k; i++) reversed[i] = sign * c[k - 1 - i];
        reversed[k] = 1;
        return LinearAlgebra.RootsInsideUnitDisc(reversed, 1 / RootMargin);
    }

    private static void Residuals(ReadOnlySpan<double> z, ReadOnlySpan<double> ar, ReadOnlySpan<double> ma, double mu, int start, Span<double> e)
    {
        e.Clear();
        for (int t = start; t < z.Length; t++)
        {
            double value = z[t] - mu;
            for (int i = 0; i < ar.Length; i++) value -= ar[i] * (z[t - 1 - i] - mu);
            for (int j = 0; j < ma.Length && t - 1 - j >= 0; j++) value -= ma[j] * e[t - 1 - j];
            e[t] = value;
        }
    }

    private readonly struct CssObjective(double[] z, int p, int q, bool constant, int start, double[] residuals) : IObjective
    {
        public const double Penalty = 1e30;

        public double Evaluate(ReadOnlySpan<double> x)
        {
            var ar = x[..p];
            var ma = x.Slice(p, q);
            // Outside the stationary and invertible region the conditional errors can explode; keep the simplex out.
            if (!RootsOutsideUnit(ar, -1) || !RootsOutsideUnit(ma, 1))
                return Penalty;
            double mu = constant ? x[p + q] : 0;
            Residuals(z, ar, ma, mu, start, residuals);
            double sse = 0;
            for (int t = start; t < z.Length; t++) sse += residuals[t] * residuals[t];
            return double.IsFinite(sse) ? sse : Penalty;
        }

        private static bool RootsOutsideUnit(ReadOnlySpan<double> c, double sign)
        {
            int k = c.Length;
            if (k == 0)
                return true;
            Span<double> reversed = stackalloc double[k + 1];
            for (int i = 0; i < k; i++) reversed[i] = sign * c[k - 1 - i];
            reversed[k] = 1;
            return LinearAlgebra.RootsInsideUnitDisc(reversed);
        }
    }

    private static double[] Difference(double[] x)
    {
        var d = new double[x.Length - 1];
        for (int i = 0; i < d.Length; i++) d[i] = x[i + 1] - x[i];
        return d;
    }

    private static bool IsConstant(ReadOnlySpan<double> x)
    {
        for (int i = 1; i < x.Length; i++)
            if (x[i] != x[0]) return false;
        return true;
    }
}

/// <summary>
/// Automatic ARIMA (<see cref="AutoArima"/>) as a forecasting method; seasonal series (significant lag-m
/// autocorrelation) are modelled after classical multiplicative seasonal adjustment and reseasonalised,
/// as <see cref="ThetaMethod"/> treats them, instead of R's seasonal ARIMA.
/// </summary>
public sealed class AutoArimaMethod : IForecastMethod
{
    private readonly SeasonallyAdjustedMethod _adjusted = new("arima", new NonSeasonal());

    public string Name => "arima";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        => _adjusted.Forecast(history, seasonLength, forecast, workspace);

    private sealed class NonSeasonal : IForecastMethod
    {
        public string Name => "arima";

        public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
        {
            var fit = AutoArima.Fit(history, workspace);
            if (fit is null)
                new NaiveMethod().Forecast(history, 1, forecast, workspace);
            else
                fit.Forecast(forecast);
        }
    }
}
