namespace EdgeInventory.Forecasting;

/// <summary>Normal and Poisson/negative-binomial helpers used by intervals and replenishment, and the least-squares trend line.</summary>
public static class Statistics
{
    /// <summary>The least-squares line of <paramref name="y"/> on the times 1..n (ETS's initial states, the Theta lines).</summary>
    public static (double Intercept, double Slope) LeastSquaresLine(ReadOnlySpan<double> y)
    {
        int n = y.Length;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int t = 0; t < n; t++)
        {
            double tt = t + 1;
            sx += tt; sy += y[t]; sxx += tt * tt; sxy += tt * y[t];
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return ((sy - slope * sx) / n, slope);
    }

    /// <summary>Standard normal density.</summary>
    public static double NormalPdf(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);

    /// <summary>Standard normal distribution function (via <see cref="Erfc"/>, relative error below 1.2e-7).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>Standard normal loss function G(z) = φ(z) − z·(1 − Φ(z)): expected units short per unit σ.</summary>
    public static double NormalLoss(double z) => NormalPdf(z) - z * (1 - NormalCdf(z));

    /// <summary>Inverse of the standard normal distribution function (Acklam's algorithm, one Newton refinement).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "probability must be strictly between 0 and 1");
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425, high = 1 - low;
        double x;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= high)
        {
            double q = p - 0.5, r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        // One Newton step on Φ(x) = p.
        double e = NormalCdf(x) - p;
        x -= e * Math.Sqrt(2 * Math.PI) * Math.Exp(0.5 * x * x);
        return x;
    }

    /// <summary>Complementary error function (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7).</summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
