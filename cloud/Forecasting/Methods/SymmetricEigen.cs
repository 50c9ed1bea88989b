namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: robust, exact to rounding
/// and fast enough for SSA's lag-covariance matrices (window sizes of a few dozen).
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the n×n row-major symmetric <paramref name="a"/> (destroyed). Eigenvalues land in
    /// <paramref name="values"/> in decreasing order; eigenvector k is row k of <paramref name="vectors"/>
    /// (n×n row-major, unit length). False if the rotations did not converge.
    /// </summary>
    public static bool Decompose(Span<double> a, int n, Span<double> values, Span<double> vectors)
    {
        vectors[..(n * n)].Clear();
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;
        bool converged = false;
        for (int sweep = 0; sweep < 60 && !converged; sweep++)
        {
            double off = 0, diagonal = 0;
            for (int i = 0; i < n; i++)
            {
                diagonal += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            }
            if (off <= 1e-30 * Math.Max(diagonal, 1e-300))
            {
                converged = true;
                break;
            }
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    double app = a[p * n + p], aqq = a[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vpk = vectors[p * n + k], vqk = vectors[q * n + k];
                        vectors[p * n + k] = c * vpk - s * vqk;
                        vectors[q * n + k] = s * vpk + c * vqk;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
        // Selection sort by decreasing eigenvalue, swapping the vector rows with them.
        for (int i = 0; i < n - 1; i++)
        {
            int best = i;
            for (int j = i + 1; j < n; j++)
                if (values[j] > values[best]) best = j;
            if (best == i) continue;
            (values[i], values[best]) = (values[best], values[i]);
            for (int k = 0; k < n; k++)
                (vectors[i * n + k], vectors[best * n + k]) = (vectors[best * n + k], vectors[i * n + k]);
        }
        return converged;
    }
}
