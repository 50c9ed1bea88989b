using System.Numerics;

namespace EdgeInventory.Forecasting.Methods;

/// <summary>How the SSA signal rank is chosen (ML.NET's <c>RankSelectionMethod</c>).</summary>
public enum RankSelectionMethod
{
    /// <summary>The given rank (or the maximum rank when none is given).</summary>
    Fixed,
    /// <summary>Each rank up to the maximum is tried: the full signal is reconstructed and forecast over the last part of the training series; the smallest absolute error wins.</summary>
    Exact,
    /// <summary>As <see cref="Exact"/>, but only the window before the evaluation part is reconstructed (cheaper for long series).</summary>
    Fast,
}

/// <summary>
/// The largest growth an exponential trend may show: at most <see cref="Growth"/> over
/// <see cref="TimeSpan"/> steps (ML.NET's <c>GrowthRatio</c>).
/// </summary>
public readonly record struct GrowthRatio(int TimeSpan, double Growth)
{
    /// <summary>Growth per step: Growth^(1/TimeSpan).</summary>
    public double Ratio => Math.Pow(Growth, 1.0 / TimeSpan);
}

/// <summary>
/// Parameters of SSA forecasting, named and validated as ML.NET's <c>ForecastBySsa</c> names and validates
/// them, so that a pipeline written for ML.NET maps one to one.
/// </summary>
/// <param name="WindowSize">L, the length of the lagged vectors of the trajectory matrix; at least 2.</param>
/// <param name="SeriesLength">How many of the latest observations the model keeps to update its state; more than <paramref name="WindowSize"/>.</param>
/// <param name="TrainSize">How many observations from the start of the series train the model; more than twice <paramref name="WindowSize"/>.</param>
/// <param name="Horizon">How many steps <see cref="SsaModel.Forecast(int)"/> gives by default; at least 1.</param>
/// <param name="Rank">Signal rank for <see cref="RankSelectionMethod.Fixed"/>, in [1, WindowSize).</param>
/// <param name="MaxRank">Largest rank the automatic selection considers, in [1, WindowSize); WindowSize − 1 when null.</param>
/// <param name="ShouldStabilize">Pull the roots of the recurrence inside the allowed growth, as ML.NET does by default.</param>
/// <param name="MaxGrowth">Cap on exponential growth used by the stabilisation; unlimited when null.</param>
/// <param name="ConfidenceLevel">Coverage of the confidence bounds, in [0, 1).</param>
public sealed record SsaForecastingOptions(int WindowSize, int SeriesLength, int TrainSize, int Horizon,
    RankSelectionMethod RankSelectionMethod = RankSelectionMethod.Exact, int? Rank = null, int? MaxRank = null,
    bool ShouldStabilize = true, GrowthRatio? MaxGrowth = null, double ConfidenceLevel = 0.95)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the parameter and the rule it breaks (ML.NET's rules).</summary>
    public void Validate()
    {
        if (WindowSize < 2)
            throw new ArgumentException($"The window size should be at least 2 (windowSize = {WindowSize}).", nameof(WindowSize));
        if (SeriesLength <= WindowSize)
            throw new ArgumentException($"The series length should be greater than the window size (seriesLength = {SeriesLength}, windowSize = {WindowSize}).", nameof(SeriesLength));
        if (TrainSize <= 2 * WindowSize)
            throw new ArgumentException($"The input series length for training should be greater than twice the window size (trainSize = {TrainSize}, windowSize = {WindowSize}).", nameof(TrainSize));
        if (Horizon < 1)
            throw new ArgumentException($"The horizon should be at least 1 (horizon = {Horizon}).", nameof(Horizon));
        if (MaxRank is { } maxRank && (maxRank < 1 || maxRank >= WindowSize))
            throw new ArgumentException($"The max rank should be in [1, windowSize) (maxRank = {maxRank}, windowSize = {WindowSize}).", nameof(MaxRank));
        if (RankSelectionMethod == RankSelectionMethod.Fixed && Rank is { } rank && (rank < 1 || rank >= WindowSize))
            throw new ArgumentException($"The rank should be in [1, windowSize) (rank = {rank}, windowSize = {WindowSize}).", nameof(Rank));
        if (!(ConfidenceLevel >= 0 && ConfidenceLevel < 1))
            throw new ArgumentException($"The confidence level must be in [0, 1) (confidenceLevel = {ConfidenceLevel}).", nameof(ConfidenceLevel));
        if (MaxGrowth is { } growth && (growth.TimeSpan < 1 || !(growth.Growth >= 0)))
            throw new ArgumentException($"The growth ratio needs a time span of at least 1 and a non-negative growth ({growth}).", nameof(MaxGrowth));
    }
}

/// <summary>Point forecasts with their confidence bounds (ML.NET's forecast, lower and upper bound columns).</summary>
public sealed record SsaForecast(double[] Forecast, double[] LowerBound, double[] UpperBound, double ConfidenceLevel);

/// <summary>
/// A trained SSA model (Golyandina &amp; Zhigljavsky's recurrent SSA forecasting, as ML.NET's
/// AdaptiveSingularSpectrumSequenceModeler implements it): the signal subspace of the trajectory matrix,
/// the linear recurrence it implies, the smoothed state, and the noise variances behind the bounds.
/// </summary>
public sealed class SsaModel
{
    private readonly double[] _basis;        // Rank × WindowSize, row-major: the signal's eigenvectors
    private readonly double[] _alpha;        // WindowSize − 1 recurrence coefficients, oldest lag first
    private readonly double[] _state;        // WindowSize − 1 smoothed latest values, oldest first
    private readonly Queue<double> _buffer;  // the latest SeriesLength observations
    private readonly double[] _lagged;
    private readonly double[] _projection;
    private readonly double[] _smoothed;
    private double _nextPrediction;

    internal SsaModel(SsaForecastingOptions options, int windowSize, int rank, double[] basis, double[] alpha,
        double observationNoiseVariance, double autoregressionNoiseVariance, bool isNaive)
    {
        Options = options;
        WindowSize = windowSize;
        Rank = rank;
        _basis = basis;
        _alpha = alpha;
        ObservationNoiseVariance = observationNoiseVariance;
        AutoregressionNoiseVariance = autoregressionNoiseVariance;
        IsNaiveModel = isNaive;
        _state = new double[windowSize - 1];
        _buffer = new Queue<double>(options.SeriesLength + 1);
        _lagged = new double[windowSize];
        _projection = new double[rank];
        _smoothed = new double[windowSize];
    }

    public SsaForecastingOptions Options { get; }
    /// <summary>The window actually used: ML.NET shrinks it when an eigenvector is a unit vector (a degenerate trajectory matrix).</summary>
    public int WindowSize { get; }
    /// <summary>The signal rank chosen (or given).</summary>
    public int Rank { get; }
    /// <summary>True when no eigen-decomposition was possible and the model averages the window (ML.NET's naive model).</summary>
    public bool IsNaiveModel { get; }
    public double ObservationNoiseVariance { get; }
    public double AutoregressionNoiseVariance { get; }
    /// <summary>The recurrence x_t = Σ α_j·x_{t−L+1+j}, oldest lag first.</summary>
    public IReadOnlyList<double> AutoRegressiveCoefficients => _alpha;

    /// <summary>Sets the state from the last <see cref="WindowSize"/> training values (ML.NET's end of training).</summary>
    internal void InitialiseState(ReadOnlySpan<double> training)
    {
        int l = WindowSize;
        training[^l..].CopyTo(_lagged);
        Project();
        for (int i = 1; i < l; i++) _state[i - 1] = _smoothed[i];
        foreach (double v in training[Math.Max(0, training.Length - Options.SeriesLength)..]) Push(v);
        UpdatePrediction();
    }

    /// <summary>
    /// Feeds the next observation: the state moves on by the projection of the latest window onto the
    /// signal subspace (the model's parameters stay as trained, ML.NET's non-adaptive mode). NaN is skipped.
    /// </summary>
    public void Update(double value)
    {
        if (double.IsNaN(value)) return;
        int l = WindowSize;
        int count = _buffer.Count;
        int k = 0;
        int pad = Math.Max(0, l - 1 - count);
        for (; k < pad; k++) _lagged[k] = 0;
        int skip = Math.Max(0, count - (l - 1));
        int index = 0;
        foreach (double v in _buffer)
        {
            if (index++ >= skip) _lagged[k++] = v;
        }
        _lagged[l - 1] = value;
        Project();
        // Each state entry averages the projections that saw that time step (a running diagonal average).
        for (int i = 0; i < l - 2; i++)
            _state[i] = ((l - 2 - i) * _state[i + 1] + _smoothed[i + 1]) / (l - 1 - i);
        _state[l - 2] = _smoothed[l - 1];
        Push(value);
        UpdatePrediction();
    }

    /// <summary>Forecasts <see cref="SsaForecastingOptions.Horizon"/> steps.</summary>
    public SsaForecast Forecast() => Forecast(Options.Horizon);

    /// <summary>Point forecasts by the recurrence from the smoothed state, with ± z·σ_h bounds at the configured level.</summary>
    public SsaForecast Forecast(int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var forecast = new double[horizon];
        var lower = new double[horizon];
        var upper = new double[horizon];
        Forecast(forecast, lower, upper);
        return new SsaForecast(forecast, lower, upper, Options.ConfidenceLevel);
    }

    /// <summary>Allocation-free form: writes as many steps as <paramref name="forecast"/> holds; bounds may be empty.</summary>
    public void Forecast(Span<double> forecast, Span<double> lower, Span<double> upper)
    {
        int l = WindowSize, horizon = forecast.Length;
        // The window of the last L − 1 values (state, then forecasts) times α gives the next value.
        Span<double> window = l <= 256 ? stackalloc double[l - 1] : new double[l - 1];
        _state.CopyTo(window);
        for (int h = 0; h < horizon; h++)
        {
            double f = 0;
            for (int j = 0; j < l - 1; j++) f += _alpha[j] * window[j];
            forecast[h] = f;
            window[1..].CopyTo(window);
            window[^1] = f;
        }
        if (lower.IsEmpty && upper.IsEmpty) return;

        // Variance of the h-step error: observation noise plus the recurrence's noise carried by its
        // impulse response ψ (ψ₀ = 1, ψ_k = Σ_j a_j ψ_{k−j} with a_j the coefficient of lag j).
        Span<double> psi = horizon <= 512 ? stackalloc double[horizon] : new double[horizon];
        double z = Options.ConfidenceLevel > 0 ? Statistics.NormalQuantile(0.5 + Options.ConfidenceLevel / 2) : 0;
        double sum = 0;
        for (int h = 0; h < horizon; h++)
        {
            double p = 1;
            if (h > 0)
            {
                p = 0;
                for (int lag = 1; lag <= Math.Min(h, l - 1); lag++) p += _alpha[l - 1 - lag] * psi[h - lag];
            }
            psi[h] = p;
            sum += p * p;
            double sd = Math.Sqrt(ObservationNoiseVariance + AutoregressionNoiseVariance * sum);
            if (!lower.IsEmpty) lower[h] = forecast[h] - z * sd;
            if (!upper.IsEmpty) upper[h] = forecast[h] + z * sd;
        }
    }

    private void Push(double value)
    {
        _buffer.Enqueue(value);
        while (_buffer.Count > Options.SeriesLength) _buffer.Dequeue();
    }

    private void Project()
    {
        int l = WindowSize;
        for (int r = 0; r < Rank; r++)
        {
            double p = 0;
            for (int i = 0; i < l; i++) p += _basis[r * l + i] * _lagged[i];
            _projection[r] = p;
        }
        Array.Clear(_smoothed);
        for (int r = 0; r < Rank; r++)
            for (int i = 0; i < l; i++) _smoothed[i] += _basis[r * l + i] * _projection[r];
    }

    private void UpdatePrediction()
    {
        double next = 0;
        for (int i = 0; i < _alpha.Length; i++) next += _state[i] * _alpha[i];
        _nextPrediction = next;
    }

    /// <summary>The one-step prediction from the current state (ML.NET's <c>PredictNext</c>).</summary>
    public double PredictNext() => _nextPrediction;
}

/// <summary>
/// Trains <see cref="SsaModel"/>s. The training follows ML.NET's ForecastBySsa: trajectory matrix of the
/// first TrainSize non-missing values, its left singular vectors (eigenvectors of the lag-covariance
/// matrix), rank selection, recurrence coefficients from the signal subspace, optional stabilisation of
/// the recurrence's roots, and noise variances for the bounds. Differences from ML.NET: arithmetic is in
/// double rather than float; the eigenvectors come from Jacobi rotations; the h-step variance uses the
/// recurrence's full impulse response.
/// </summary>
public static class SsaForecaster
{
    /// <summary>
    /// Trains on the first <see cref="SsaForecastingOptions.TrainSize"/> values of <paramref name="series"/>
    /// (NaN skipped) and feeds the rest through <see cref="SsaModel.Update"/>, so that forecasts follow the
    /// end of the series.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, or fewer than 2·WindowSize + 1 usable training values.</exception>
    public static SsaModel Train(ReadOnlySpan<double> series, SsaForecastingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var training = new List<double>(options.TrainSize);
        int consumed = 0;
        for (; consumed < series.Length && training.Count < options.TrainSize; consumed++)
            if (!double.IsNaN(series[consumed])) training.Add(series[consumed]);
        if (training.Count <= 2 * options.WindowSize)
            throw new ArgumentException(
                $"The input series for training does not have enough points: {training.Count} usable value(s), more than 2 × windowSize = {2 * options.WindowSize} needed.",
                nameof(series));
        var data = training.ToArray();
        var model = TrainCore(data, options, options.WindowSize);
        model.InitialiseState(data);
        for (int t = consumed; t < series.Length; t++) model.Update(series[t]);
        return model;
    }

    private static SsaModel TrainCore(double[] y, SsaForecastingOptions options, int l)
    {
        int n = y.Length;
        int k = n - l + 1;
        int maxRank = options.MaxRank is { } given ? Math.Min(given, l - 1) : l - 1;
        if (l != options.WindowSize) maxRank = Math.Max(1, l / 2); // ML.NET's choice after shrinking the window

        // Lag-covariance matrix X·Xᵀ of the L × K trajectory matrix; its eigenvectors are X's left singular vectors.
        var covariance = new double[l * l];
        for (int i = 0; i < l; i++)
            for (int j = i; j < l; j++)
            {
                double s = 0;
                for (int c = 0; c < k; c++) s += y[i + c] * y[j + c];
                covariance[i * l + j] = covariance[j * l + i] = s;
            }
        var eigenvalues = new double[l];
        var vectors = new double[l * l];
        bool naive = !SymmetricEigen.Decompose(covariance, l, eigenvalues, vectors) || vectors.Any(v => !double.IsFinite(v));

        if (!naive)
        {
            // A unit eigenvector means a degenerate (e.g. mostly zero) trajectory matrix: ML.NET shrinks the window and retries.
            for (int i = 0; i < l; i++)
            {
                double last = vectors[i * l + l - 1];
                if (Math.Abs(last * last - 1) < 1e-12)
                {
                    if (l > 2) return TrainCore(y, options, l - 1);
                    naive = true;
                    break;
                }
            }
        }

        int rank;
        if (naive)
        {
            rank = 1;
            for (int i = 0; i < l; i++) vectors[i] = 1 / Math.Sqrt(l);
        }
        else
        {
            rank = options.RankSelectionMethod switch
            {
                RankSelectionMethod.Fixed => options.Rank is { } r ? Math.Min(r, l - 1) : maxRank,
                RankSelectionMethod.Fast => SelectRank(y, l, vectors, maxRank, fast: true),
                _ => SelectRank(y, l, vectors, maxRank, fast: false),
            };
        }

        var basis = vectors.AsSpan(0, rank * l).ToArray();
        var alpha = Recurrence(basis, rank, l);
        if (options.ShouldStabilize && !naive)
            Stabilise(alpha, l, options.MaxGrowth?.Ratio ?? double.PositiveInfinity);

        var signal = new double[n];
        Reconstruct(y, l, basis, rank, signal);
        NoiseVariances(y, signal, alpha, l, out double observationVariance, out double autoregressionVariance);
        return new SsaModel(options, l, rank, basis, alpha, observationVariance, autoregressionVariance, naive);
    }

    /// <summary>α = Σ_r π_r·u_r[0..L−2] / (1 − ν), π_r the last coordinate of eigenvector r, ν = Σ π_r² (the SSA linear recurrence).</summary>
    private static double[] Recurrence(ReadOnlySpan<double> basis, int rank, int l)
    {
        var alpha = new double[l - 1];
        double nu = 0;
        for (int r = 0; r < rank; r++)
        {
            double pi = basis[r * l + l - 1];
            nu += pi * pi;
            for (int j = 0; j < l - 1; j++) alpha[j] += pi * basis[r * l + j];
        }
        double scale = 1 - nu;
        if (Math.Abs(scale) < 1e-12) scale = 1e-12; // the verticality case: the recurrence does not exist; keep it finite
        for (int j = 0; j < l - 1; j++) alpha[j] /= scale;
        return alpha;
    }

    /// <summary>Adds the diagonal averages of the first <paramref name="rank"/> elementary matrices u·(Xᵀu)ᵀ into <paramref name="signal"/> (cleared first).</summary>
    private static void Reconstruct(ReadOnlySpan<double> y, int l, ReadOnlySpan<double> basis, int rank, Span<double> signal)
    {
        signal.Clear();
        for (int r = 0; r < rank; r++) AddComponent(y, l, basis.Slice(r * l, l), signal);
    }

    private static void AddComponent(ReadOnlySpan<double> y, int l, ReadOnlySpan<double> u, Span<double> signal)
    {
        int n = y.Length, k = n - l + 1;
        Span<double> v = k <= 1024 ? stackalloc double[k] : new double[k];
        for (int c = 0; c < k; c++)
        {
            double s = 0;
            for (int i = 0; i < l; i++) s += u[i] * y[i + c];
            v[c] = s;
        }
        for (int t = 0; t < n; t++)
        {
            int from = Math.Max(0, t - k + 1), to = Math.Min(l - 1, t);
            double s = 0;
            for (int i = from; i <= to; i++) s += u[i] * v[t - i];
            signal[t] += s / (to - from + 1);
        }
    }

    /// <summary>
    /// ML.NET's rank selection: for r = 1..maxRank, the recurrence of the first r eigenvectors forecasts the
    /// last min(max(L, 200), K) training values from the reconstructed signal before them; the rank with
    /// the smallest total absolute error wins.
    /// </summary>
    private static int SelectRank(ReadOnlySpan<double> y, int l, ReadOnlySpan<double> vectors, int maxRank, bool fast)
    {
        int n = y.Length, k = n - l + 1;
        int evaluation = Math.Min(Math.Max(l, 200), k);
        int start = n - evaluation;
        var alpha = new double[l - 1];
        var signal = new double[fast ? l - 1 : n];
        var window = new double[l - 1];
        double nu = 0, bestError = double.MaxValue;
        int best = maxRank - 1;
        int offset = start - l + 1;
        for (int r = 0; r < maxRank; r++)
        {
            var u = vectors.Slice(r * l, l);
            double pi = u[l - 1];
            for (int j = 0; j < l - 1; j++) alpha[j] += pi * u[j];
            nu += pi * pi;
            double noiseMean = 0;
            if (fast)
            {
                // Only the lagged vector that ends just before the evaluation part is projected.
                double v = 0;
                for (int j = 0; j < l; j++) v += y[offset + j] * u[j];
                for (int j = 0; j < l - 1; j++) signal[j] += v * u[j];
                for (int j = 0; j < l - 1; j++) noiseMean += y[offset + j] - signal[j];
                noiseMean /= l - 1;
                Array.Copy(signal, window, l - 1);
            }
            else
            {
                AddComponent(y, l, u, signal);
                for (int t = 0; t < n; t++) noiseMean += y[t] - signal[t];
                noiseMean /= n;
                Array.Copy(signal, offset, window, 0, l - 1);
            }
            double scale = Math.Abs(1 - nu) < 1e-12 ? 1e-12 : 1 - nu;
            double error = 0;
            for (int t = start; t < n; t++)
            {
                double f = 0;
                for (int j = 0; j < l - 1; j++) f += alpha[j] * window[j];
                f = f / scale + noiseMean;
                Array.Copy(window, 1, window, 0, l - 2);
                window[l - 2] = f;
                error += Math.Abs(y[t] - f);
                if (error > bestError || !double.IsFinite(error)) break;
            }
            if (error < bestError)
            {
                bestError = error;
                best = r;
            }
        }
        return best + 1;
    }

    /// <summary>
    /// ML.NET's noise moments: the observation noise is the series less the reconstructed signal; the
    /// autoregression noise is the signal less its own recurrence prediction (means subtracted).
    /// </summary>
    private static void NoiseVariances(ReadOnlySpan<double> y, ReadOnlySpan<double> signal, ReadOnlySpan<double> alpha, int l,
        out double observation, out double autoregression)
    {
        int n = y.Length;
        double mean = 0, squares = 0;
        for (int t = 0; t < n; t++)
        {
            double e = y[t] - signal[t];
            mean += e;
            squares += e * e;
        }
        mean /= n;
        observation = Math.Max(0, squares / n - mean * mean);

        int k = n - l + 1;
        double arMean = 0;
        Span<double> residuals = k <= 1024 ? stackalloc double[k] : new double[k];
        for (int c = 0; c < k; c++)
        {
            double f = 0;
            for (int j = 0; j < l - 1; j++) f += alpha[j] * signal[c + j];
            residuals[c] = signal[c + l - 1] - f;
            arMean += residuals[c];
        }
        arMean /= k;
        double arSquares = 0;
        for (int c = 0; c < k; c++) arSquares += (residuals[c] - arMean) * (residuals[c] - arMean);
        int degrees = k - l + 1;
        autoregression = arSquares / (degrees > 0 ? degrees : k);
    }

    /// <summary>
    /// Stabilisation after ML.NET: the roots of the recurrence's characteristic polynomial are found;
    /// long-period complex roots outside the unit circle (a seasonality longer than the window cannot be
    /// observed) become real, making a polynomial trend; when there is one, exponential trend roots are
    /// damped to 0.99; every root is then pulled to at most the largest allowed trend magnitude (half-way
    /// for high frequencies), and the coefficients are rebuilt from the roots.
    /// </summary>
    private static void Stabilise(double[] alpha, int l, double maxTrendRatio)
    {
        int degree = l - 1;
        if (degree == 1)
        {
            alpha[0] = Math.Clamp(alpha[0], -1, 1);
            return;
        }
        // z^d − Σ α_j z^j: monic coefficients, lowest power first.
        var coefficients = new double[degree + 1];
        for (int j = 0; j < degree; j++) coefficients[j] = -alpha[j];
        coefficients[degree] = 1;
        if (!PolynomialRoots.Find(coefficients, out var roots))
            return;

        const double eps = 1e-9;
        bool polynomialTrend = false;
        var trendRoots = new List<int>();
        for (int i = 0; i < degree; i++)
        {
            double phase = roots[i].Phase;
            if (roots[i].Magnitude > 1 && (Math.Abs(phase) <= eps || Math.Abs(Math.Abs(phase) - Math.PI) <= eps))
                trendRoots.Add(i);
        }
        for (int i = 0; i < degree; i++)
        {
            double phase = roots[i].Phase;
            // A real root found with a rounding-size phase is not a seasonality (ML.NET tests phase != 0 in float).
            if (Math.Abs(phase) > eps && roots[i].Magnitude >= 1 && 2 * Math.PI / Math.Abs(phase) > l)
            {
                roots[i] = new Complex(roots[i].Real, 0);
                polynomialTrend = true;
            }
        }
        double maxTrendMagnitude;
        if (polynomialTrend)
        {
            maxTrendMagnitude = Math.Min(1, maxTrendRatio);
            foreach (int i in trendRoots) roots[i] = Complex.FromPolarCoordinates(0.99, roots[i].Phase);
        }
        else
        {
            maxTrendMagnitude = double.NegativeInfinity;
            for (int i = 0; i < degree; i++)
                if (roots[i].Magnitude > 1 && Math.Abs(roots[i].Phase) <= eps)
                    maxTrendMagnitude = Math.Max(maxTrendMagnitude, roots[i].Magnitude);
            if (double.IsNegativeInfinity(maxTrendMagnitude)) maxTrendMagnitude = 1;
            maxTrendMagnitude = Math.Min(maxTrendMagnitude, maxTrendRatio);
        }
        double smallTrendMagnitude = Math.Min(maxTrendMagnitude, (maxTrendMagnitude + 1) / 2);
        for (int i = 0; i < degree; i++)
        {
            if (roots[i].Magnitude < maxTrendMagnitude) continue;
            double phase = roots[i].Phase;
            bool highFrequency = (Math.PI / 2 < phase && phase < Math.PI - eps) || (-Math.PI + eps < phase && phase < -Math.PI / 2);
            roots[i] = Complex.FromPolarCoordinates(highFrequency ? smallTrendMagnitude : maxTrendMagnitude, phase);
        }
        for (int i = 0; i < degree; i++)
        {
            double phase = roots[i].Phase;
            if (Math.Abs(phase) <= eps) roots[i] = new Complex(roots[i].Magnitude, 0);
            else if (Math.Abs(Math.Abs(phase) - Math.PI) <= eps) roots[i] = new Complex(-roots[i].Magnitude, 0);
        }
        var rebuilt = PolynomialRoots.Expand(roots);
        for (int j = 0; j < degree; j++)
        {
            double value = -rebuilt[j].Real;
            if (!double.IsFinite(value)) return; // keep the unstabilised recurrence rather than a broken one
        }
        for (int j = 0; j < degree; j++) alpha[j] = -rebuilt[j].Real;
    }
}

/// <summary>Roots of a real polynomial (Aberth–Ehrlich iteration) and the polynomial of given roots.</summary>
internal static class PolynomialRoots
{
    /// <summary>Roots of Σ c_j z^j (c lowest power first, c[^1] ≠ 0). False if the iteration did not converge.</summary>
    public static bool Find(double[] c, out Complex[] roots)
    {
        int d = c.Length - 1;
        roots = new Complex[d];
        double lead = c[d];
        // Cauchy's bound places every root inside |z| ≤ 1 + max|c_j / c_d|.
        double bound = 0;
        for (int j = 0; j < d; j++) bound = Math.Max(bound, Math.Abs(c[j] / lead));
        double radius = Math.Min(1 + bound, 1e6) * 0.5 + 0.1;
        for (int i = 0; i < d; i++)
            roots[i] = Complex.FromPolarCoordinates(radius, 2 * Math.PI * i / d + 0.4);
        for (int iteration = 0; iteration < 500; iteration++)
        {
            double largestStep = 0;
            for (int i = 0; i < d; i++)
            {
                Complex z = roots[i];
                Complex p = c[d], dp = Complex.Zero;
                for (int j = d - 1; j >= 0; j--)
                {
                    dp = dp * z + p;
                    p = p * z + c[j];
                }
                if (p == Complex.Zero) continue;
                Complex ratio = p / dp;
                Complex repulsion = Complex.Zero;
                for (int j = 0; j < d; j++)
                    if (j != i) repulsion += 1 / (z - roots[j]);
                Complex step = ratio / (1 - ratio * repulsion);
                if (!double.IsFinite(step.Real) || !double.IsFinite(step.Imaginary)) return false;
                roots[i] = z - step;
                largestStep = Math.Max(largestStep, step.Magnitude / Math.Max(1, z.Magnitude));
            }
            if (largestStep < 1e-13) return true;
        }
        return false;
    }

    /// <summary>Coefficients (lowest power first, monic) of Π (z − r_i).</summary>
    public static Complex[] Expand(ReadOnlySpan<Complex> roots)
    {
        var c = new Complex[roots.Length + 1];
        c[0] = 1;
        for (int i = 0; i < roots.Length; i++)
        {
            for (int j = i + 1; j >= 1; j--) c[j] = c[j - 1] - roots[i] * c[j];
            c[0] = -roots[i] * c[0];
        }
        return c;
    }
}

/// <summary>
/// SSA as a catalogue method ("ssa") for evaluation and batches: window 2·season (6 without a season),
/// limited so that the history covers more than two windows; Exact rank selection with maxRank = L/2;
/// trained on the whole history.
/// </summary>
public sealed class SsaMethod : IForecastMethod
{
    public string Name => "ssa";

    public void Forecast(ReadOnlySpan<double> history, int seasonLength, Span<double> forecast, ForecastWorkspace workspace)
    {
        int n = history.Length;
        int window = Math.Min(seasonLength > 1 ? 2 * seasonLength : 6, (n - 1) / 2);
        if (window < 2)
            throw new InvalidOperationException($"history of {n} values is too short for SSA (needs at least 5)");
        var options = new SsaForecastingOptions(window, n, n, Math.Max(1, forecast.Length),
            MaxRank: Math.Max(1, window / 2));
        var model = SsaForecaster.Train(history, options);
        model.Forecast(forecast, default, default);
    }
}
