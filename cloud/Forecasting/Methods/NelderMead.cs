namespace EdgeInventory.Forecasting.Methods;

/// <summary>A function to minimise; a struct (or ref struct) so the optimiser's calls are inlined.</summary>
public interface IObjective
{
    double Evaluate(ReadOnlySpan<double> x);
}

/// <summary>
/// Nelder–Mead simplex minimiser with the coefficients, start simplex and stopping rule of R's
/// <c>optim(method = "Nelder-Mead")</c> (reflection 1, contraction 0.5, expansion 2; first step 10% of the
/// largest |x|; stop when the simplex's values differ by less than reltol·(|f|+reltol)), which is what
/// R's forecast::ets uses, so that fits land where R's do. Non-finite values count as very large.
/// </summary>
public static class NelderMead
{
    private const double Big = 1.0e35;

    /// <summary>Minimises from <paramref name="x"/> (overwritten with the best point); returns its value.</summary>
    /// <param name="steps">First step per coordinate; empty for R's rule (10% of the largest |x| for every coordinate).</param>
    public static double Minimize<T>(ref T objective, Span<double> x, ForecastWorkspace workspace, ReadOnlySpan<double> steps = default,
        int maxEvaluations = 2000, double relativeTolerance = 1.4901161193847656e-8)
        where T : IObjective, allows ref struct
    {
        int n = x.Length;
        using var scope = workspace.Scope();
        // Simplex: n + 1 vertices of n coordinates, their values, the centroid and a trial point.
        var vertices = workspace.Rent((n + 1) * n);
        var values = workspace.Rent(n + 1);
        var centroid = workspace.Rent(n);
        var trial = workspace.Rent(n);
        var trial2 = workspace.Rent(n);

        double f0 = Finite(objective.Evaluate(x));
        int evaluations = 1;
        double convergence = relativeTolerance * (Math.Abs(f0) + relativeTolerance);

        double step = 0;
        for (int i = 0; i < n; i++)
            step = Math.Max(step, 0.1 * Math.Abs(x[i]));
        if (step == 0)
            step = 0.1;
        x.CopyTo(vertices[..n]);
        values[0] = f0;
        double size = 0;
        for (int j = 1; j <= n; j++)
        {
            var v = vertices.Slice(j * n, n);
            x.CopyTo(v);
            double tryStep = steps.IsEmpty ? step : steps[j - 1];
            while (v[j - 1] == x[j - 1])
            {
                v[j - 1] = x[j - 1] + tryStep;
                tryStep *= 10;
            }
            size += tryStep;
        }
        double oldSize = size;
        bool recompute = true;
        int low = 0;
        while (true)
        {
            if (recompute)
            {
                for (int j = 0; j <= n; j++)
                {
                    if (j == low) continue;
                    values[j] = Finite(objective.Evaluate(vertices.Slice(j * n, n)));
                    evaluations++;
                }
                recompute = false;
            }
            double vLow = values[low], vHigh = vLow;
            int high = low;
            for (int j = 0; j <= n; j++)
            {
                if (j == low) continue;
                double f = values[j];
                if (f < vLow) { low = j; vLow = f; }
                if (f > vHigh) { high = j; vHigh = f; }
            }
            if (vHigh <= vLow + convergence || evaluations > maxEvaluations)
                break;

            centroid.Clear();
            for (int j = 0; j <= n; j++)
            {
                if (j == high) continue;
                var v = vertices.Slice(j * n, n);
                for (int i = 0; i < n; i++) centroid[i] += v[i];
            }
            for (int i = 0; i < n; i++) centroid[i] /= n;

            var worst = vertices.Slice(high * n, n);
            for (int i = 0; i < n; i++)
                trial[i] = 2.0 * centroid[i] - worst[i];
            double fReflect = Finite(objective.Evaluate(trial));
            evaluations++;
            if (fReflect < vLow)
            {
                for (int i = 0; i < n; i++)
                    trial2[i] = 2.0 * trial[i] - centroid[i];
                double fExpand = Finite(objective.Evaluate(trial2));
                evaluations++;
                if (fExpand < fReflect) { trial2.CopyTo(worst); values[high] = fExpand; }
                else { trial.CopyTo(worst); values[high] = fReflect; }
                continue;
            }
            if (fReflect < vHigh)
            {
                trial.CopyTo(worst);
                values[high] = fReflect;
            }
            for (int i = 0; i < n; i++)
                trial2[i] = 0.5 * worst[i] + 0.5 * centroid[i];
            double fContract = Finite(objective.Evaluate(trial2));
            evaluations++;
            if (fContract < values[high])
            {
                trial2.CopyTo(worst);
                values[high] = fContract;
            }
            else if (fReflect >= vHigh)
            {
                // Shrink towards the best vertex.
                recompute = true;
                size = 0;
                var best = vertices.Slice(low * n, n);
                for (int j = 0; j <= n; j++)
                {
                    if (j == low) continue;
                    var v = vertices.Slice(j * n, n);
                    for (int i = 0; i < n; i++)
                    {
                        v[i] = 0.5 * (v[i] - best[i]) + best[i];
                        size += Math.Abs(v[i] - best[i]);
                    }
                }
                if (size < oldSize) oldSize = size;
                else break; // the simplex no longer shrinks: R reports failure and keeps the best vertex
            }
        }
        vertices.Slice(low * n, n).CopyTo(x);
        return values[low];
    }

    private static double Finite(double f) => double.IsFinite(f) ? f : Big;
}
