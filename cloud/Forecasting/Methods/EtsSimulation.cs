namespace EdgeInventory.Forecasting.Methods;

/// <summary>
/// Future sample paths of a fitted ETS model with Gaussian errors, for prediction intervals of the
/// models whose forecast distribution has no closed form (multiplicative errors or seasons). The seed is
/// fixed so that the same fit always gives the same interval.
/// </summary>
internal static class EtsSimulation
{
    public static void Quantiles(EtsFit fit, int paths, double lowerProbability, double upperProbability, Span<double> lower, Span<double> upper)
    {
        int horizon = lower.Length;
        int m = fit.SeasonLength;
        var samples = new double[horizon * paths];
        var season = new double[m];
        var rng = new Random(20240611);
        double sigma = Math.Sqrt(fit.Sigma2);
        var p = fit.Parameters;
        bool multiplicativeError = fit.Spec.Error == EtsError.Multiplicative;
        for (int path = 0; path < paths; path++)
        {
            double l = fit.Level, b = fit.Trend;
            for (int j = 0; j < m; j++) season[j] = fit.SeasonStates[j];
            for (int h = 0; h < horizon; h++)
            {
                double phib = fit.Spec.HasTrend ? p.Phi * b : 0;
                double q = l + phib;
                int slot = h % m;
                double s = season[slot];
                double f = fit.Spec.Season switch { EtsSeason.Additive => q + s, EtsSeason.Multiplicative => q * s, _ => q };
                double e = sigma * Gaussian(rng);
                double y = multiplicativeError ? f * (1 + e) : f + e;
                samples[h * paths + path] = y;
                double deseasonalised = fit.Spec.Season switch { EtsSeason.Additive => y - s, EtsSeason.Multiplicative => y / s, _ => y };
                double newLevel = q + p.Alpha * (deseasonalised - q);
                if (fit.Spec.HasTrend)
                    b = phib + p.Beta / p.Alpha * (newLevel - l - phib);
                if (fit.Spec.IsSeasonal)
                    season[slot] = s + p.Gamma * ((fit.Spec.Season == EtsSeason.Additive ? y - q : y / q) - s);
                l = newLevel;
            }
        }
        for (int h = 0; h < horizon; h++)
        {
            var row = samples.AsSpan(h * paths, paths);
            row.Sort();
            lower[h] = row[(int)Math.Floor(lowerProbability * (paths - 1))];
            upper[h] = row[(int)Math.Ceiling(upperProbability * (paths - 1))];
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box–Muller; 1 - NextDouble() keeps the logarithm finite.
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
