namespace EdgeInventory.Forecasting.Replenishment;

/// <summary>
/// The distribution of demand over a protection interval (lead time, or lead time plus review period),
/// from a forecast per-period mean, the per-period demand variance and the lead time's own variability:
/// mean μ_d·L, variance L·σ_d² + μ_d²·σ_L².
/// </summary>
public readonly record struct LeadTimeDemand(double Mean, double Variance)
{
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <param name="periods">Protection interval in periods (lead time L, or L + review period R).</param>
    /// <param name="periodsStdDev">Standard deviation of the lead time σ_L in periods (0 when it is fixed).</param>
    public static LeadTimeDemand Over(double meanPerPeriod, double variancePerPeriod, double periods, double periodsStdDev = 0)
    {
        if (!(meanPerPeriod >= 0) || !(variancePerPeriod >= 0))
            throw new ArgumentOutOfRangeException(nameof(meanPerPeriod), $"demand mean ({meanPerPeriod}) and variance ({variancePerPeriod}) must be non-negative");
        if (!(periods > 0) || !(periodsStdDev >= 0))
            throw new ArgumentOutOfRangeException(nameof(periods), $"lead time ({periods}) must be positive and its deviation ({periodsStdDev}) non-negative");
        return new LeadTimeDemand(meanPerPeriod * periods,
            periods * variancePerPeriod + meanPerPeriod * meanPerPeriod * periodsStdDev * periodsStdDev);
    }
}

/// <summary>Which distribution models lead-time demand.</summary>
public enum DemandDistribution
{
    /// <summary>Normal: fast-moving items.</summary>
    Normal,
    /// <summary>Poisson (variance = mean) or negative binomial (variance &gt; mean): slow and intermittent items, whole units.</summary>
    Discrete,
}

/// <summary>
/// Reorder points and order-up-to levels for a cycle service level (probability of no stock-out in a
/// cycle) or a fill rate (share of demand served from stock, through the loss function).
/// </summary>
public static class ServiceLevels
{
    /// <summary>ROP = μ_d·L + z·√(L·σ_d² + μ_d²·σ_L²) with z = Φ⁻¹(cycle service level).</summary>
    public static double ReorderPoint(double meanPerPeriod, double stdDevPerPeriod, double leadTime, double leadTimeStdDev, double cycleServiceLevel)
    {
        var demand = LeadTimeDemand.Over(meanPerPeriod, stdDevPerPeriod * stdDevPerPeriod, leadTime, leadTimeStdDev);
        return demand.Mean + Statistics.NormalQuantile(cycleServiceLevel) * demand.StandardDeviation;
    }

    /// <summary>
    /// The smallest level whose expected shortage per cycle is at most (1 − fill rate) × demand per cycle.
    /// For (R,S) the cycle demand is the review period's; for (s,Q) it is Q.
    /// </summary>
    public static double LevelForFillRate(LeadTimeDemand protection, double fillRate, double demandPerCycle, DemandDistribution distribution)
    {
        if (!(fillRate > 0 && fillRate < 1))
            throw new ArgumentOutOfRangeException(nameof(fillRate), fillRate, "fill rate must be strictly between 0 and 1");
        double allowedShortage = (1 - fillRate) * demandPerCycle;
        if (protection.Mean <= 0 || demandPerCycle <= 0)
            return 0;
        if (distribution == DemandDistribution.Normal)
        {
            double sigma = protection.StandardDeviation;
            if (sigma <= 0) return protection.Mean;
            // G(z)·σ = allowed shortage; G is decreasing: bisection on z.
            double target = allowedShortage / sigma, lo = -6, hi = 8;
            for (int i = 0; i < 80; i++)
            {
                double mid = 0.5 * (lo + hi);
                if (Statistics.NormalLoss(mid) > target) lo = mid; else hi = mid;
            }
            return Math.Max(0, protection.Mean + hi * sigma);
        }
        // Discrete: walk S upwards while E[(D − S)+] exceeds the allowance.
        double shortage = protection.Mean; // E[(D - 0)+]
        double cdf = 0;
        var pmf = new DiscreteDemand(protection);
        for (int s = 0; s < 1_000_000; s++)
        {
            if (shortage <= allowedShortage)
                return s;
            cdf += pmf.Next();
            shortage -= 1 - cdf; // E[(D-(s+1))+] = E[(D-s)+] - P(D > s)
        }
        return double.PositiveInfinity;
    }

    /// <summary>The smallest whole level S with P(D ≤ S) ≥ cycle service level under the discrete model.</summary>
    public static int DiscreteLevelForCycleServiceLevel(LeadTimeDemand protection, double cycleServiceLevel)
    {
        var pmf = new DiscreteDemand(protection);
        double cdf = 0;
        for (int s = 0; s < 1_000_000; s++)
        {
            cdf += pmf.Next();
            if (cdf >= cycleServiceLevel) return s;
        }
        return int.MaxValue;
    }

    /// <summary>Poisson (variance ≤ mean) or negative binomial probabilities P(D = 0), P(D = 1), ... in turn.</summary>
    private struct DiscreteDemand
    {
        private readonly bool _poisson;
        private readonly double _mean, _r, _q;
        private double _p;
        private int _k;

        public DiscreteDemand(LeadTimeDemand d)
        {
            _mean = d.Mean;
            _poisson = d.Variance <= d.Mean * (1 + 1e-9);
            if (_poisson)
            {
                _p = Math.Exp(-_mean);
                _r = _q = 0;
            }
            else
            {
                double success = d.Mean / d.Variance; // NB(r, success): mean r(1-success)/success
                _r = d.Mean * success / (1 - success);
                _q = 1 - success;
                _p = Math.Exp(_r * Math.Log(success));
            }
            _k = 0;
        }

        public double Next()
        {
            double current = _p;
            _p = _poisson ? _p * _mean / (_k + 1) : _p * (_k + _r) / (_k + 1) * _q;
            _k++;
            return current;
        }
    }
}
