namespace EdgeInventory.Forecasting.Methods;

/// <summary>The few small dense linear-algebra steps the methods need, without allocation.</summary>
internal static class LinearAlgebra
{
    /// <summary>
    /// Solves A·x = b for a small p×p system stored row-major with row stride <paramref name="stride"/>
    /// (Gaussian elimination with partial pivoting). A and b are overwritten. False if A is singular.
    /// </summary>
    public static bool SolveSymmetric(Span<double> a, Span<double> b, int p, int stride, Span<double> x)
    {
        for (int col = 0; col < p; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < p; r++)
                if (Math.Abs(a[r * stride + col]) > Math.Abs(a[pivot * stride + col])) pivot = r;
            double scale = Math.Abs(a[pivot * stride + col]);
            if (scale < 1e-300 || !double.IsFinite(scale))
                return false;
            if (pivot != col)
            {
                for (int c = 0; c < p; c++)
                    (a[col * stride + c], a[pivot * stride + c]) = (a[pivot * stride + c], a[col * stride + c]);
                (b[col], b[pivot]) = (b[pivot], b[col]);
            }
            for (int r = col + 1; r < p; r++)
            {
                double factor = a[r * stride + col] / a[col * stride + col];
                if (factor == 0) continue;
                for (int c = col; c < p; c++) a[r * stride + c] -= factor * a[col * stride + c];
                b[r] -= factor * b[col];
            }
        }
        for (int r = p - 1; r >= 0; r--)
        {
            double sum = b[r];
            for (int c = r + 1; c < p; c++) sum -= a[r * stride + c] * x[c];
            x[r] = sum / a[r * stride + r];
        }
        return true;
    }

    /// <summary>
    /// True when every root of c[0] + c[1]·z + … + c[d]·z^d lies strictly inside the circle
    /// of radius <paramref name="radius"/> (Schur–Cohn: |c0| &lt; |cd| and the reduced polynomial (cd·p(z) − c0·p*(z))/z has the same property).
    /// </summary>
    /// <param name="radius">Roots up to this modulus pass (a margin of 1 + 1e-10 mirrors R's polyroot test).</param>
    public static bool RootsInsideUnitDisc(ReadOnlySpan<double> coefficients, double radius = 1)
    {
        int degree = coefficients.Length - 1;
        Span<double> a = stackalloc double[coefficients.Length];
        Span<double> next = stackalloc double[coefficients.Length];
        // Roots of p(r·z) are those of p divided by r: test that polynomial against the unit circle.
        double scale = 1;
        for (int k = 0; k <= degree; k++)
        {
            a[k] = coefficients[k] * scale;
            scale *= radius;
        }
        while (degree >= 1)
        {
            double lead = a[degree], constant = a[0];
            if (!(Math.Abs(constant) < Math.Abs(lead)))
                return false;
            for (int j = 0; j < degree; j++)
                next[j] = lead * a[j + 1] - constant * a[degree - 1 - j];
            degree--;
            double norm = Math.Abs(next[degree]);
            for (int j = 0; j <= degree; j++)
                a[j] = next[j] / norm;
        }
        return true;
    }
}
