namespace EdgeInventory.Forecasting.Replenishment;

/// <summary>How and when a store × SKU is reordered.</summary>
public enum PolicyKind
{
    /// <summary>(s,Q): when the inventory position falls to s or below, order a fixed Q.</summary>
    ReorderPointQuantity,
    /// <summary>(s,S), min–max: when the position falls to s or below, order up to S.</summary>
    MinMax,
    /// <summary>(R,S): every R periods, order up to S.</summary>
    PeriodicOrderUpTo,
}

/// <summary>A policy's parameters. Levels are in units; periods are the demand series' periods (days).</summary>
public sealed record InventoryPolicy(PolicyKind Kind, double ReorderPoint, double OrderUpTo, double OrderQuantity, int ReviewPeriod)
{
    /// <summary>The quantity to order now given the inventory position (on hand + on order − backorders), or 0.</summary>
    public double OrderFor(double inventoryPosition, int period)
    {
        switch (Kind)
        {
            case PolicyKind.ReorderPointQuantity:
                if (inventoryPosition > ReorderPoint) return 0;
                // Several Q when one is not enough to climb above s (a big demand).
                double q = Math.Max(OrderQuantity, 1e-9);
                return q * Math.Ceiling((ReorderPoint - inventoryPosition + 1e-9) / q);
            case PolicyKind.MinMax:
                return inventoryPosition <= ReorderPoint ? Math.Max(0, OrderUpTo - inventoryPosition) : 0;
            default:
                return period % Math.Max(1, ReviewPeriod) == 0 ? Math.Max(0, OrderUpTo - inventoryPosition) : 0;
        }
    }
}

/// <summary>What a store × SKU needs: the inputs of a recommendation.</summary>
/// <param name="ForecastPerPeriod">Forecast mean demand per period over the protection interval.</param>
/// <param name="DemandVariancePerPeriod">Variance of one period's demand (from forecast errors or history).</param>
/// <param name="LeadTime">Supplier lead time in periods; <paramref name="LeadTimeStdDev"/> its standard deviation.</param>
/// <param name="OnHand">Current stock, from the shelf counts; <paramref name="OnOrder"/> what is already ordered.</param>
/// <param name="FillRateTarget">Share of demand to serve from stock, e.g. 0.95; or null to use <paramref name="CycleServiceLevel"/>.</param>
public sealed record ReplenishmentInput(double ForecastPerPeriod, double DemandVariancePerPeriod, double LeadTime, double LeadTimeStdDev,
    double OnHand, double OnOrder, int ReviewPeriod, double? FillRateTarget, double CycleServiceLevel, bool Intermittent);

/// <summary>A reorder recommendation for one store × SKU.</summary>
/// <param name="PeriodsUntilStockout">Whole periods until forecast demand uses up the stock on hand (∞ when demand is 0).</param>
public sealed record ReorderRecommendation(double ReorderPoint, double OrderUpTo, double SafetyStock, double OrderQuantity, double PeriodsUntilStockout);

/// <summary>Turns forecasts, current stock and service targets into order recommendations ((R,S) with an s for min–max use).</summary>
public static class ReplenishmentPlanner
{
    public static ReorderRecommendation Recommend(ReplenishmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ReviewPeriod < 1)
            throw new ArgumentOutOfRangeException(nameof(input), input.ReviewPeriod, "review period must be at least 1");
        var distribution = input.Intermittent ? DemandDistribution.Discrete : DemandDistribution.Normal;
        var leadTime = LeadTimeDemand.Over(input.ForecastPerPeriod, input.DemandVariancePerPeriod, input.LeadTime, input.LeadTimeStdDev);
        var protection = LeadTimeDemand.Over(input.ForecastPerPeriod, input.DemandVariancePerPeriod, input.LeadTime + input.ReviewPeriod, input.LeadTimeStdDev);
        double orderUpTo = Level(protection, input, input.ForecastPerPeriod * input.ReviewPeriod, distribution);
        double reorderPoint = Level(leadTime, input, Math.Max(input.ForecastPerPeriod * input.ReviewPeriod, 1e-9), distribution);
        double position = input.OnHand + input.OnOrder;
        double quantity = Math.Max(0, orderUpTo - position);
        if (input.Intermittent) quantity = Math.Ceiling(quantity);
        double untilStockout = input.ForecastPerPeriod > 0 ? Math.Floor(Math.Max(0, input.OnHand) / input.ForecastPerPeriod) : double.PositiveInfinity;
        return new ReorderRecommendation(reorderPoint, orderUpTo, Math.Max(0, orderUpTo - protection.Mean), quantity, untilStockout);
    }

    /// <summary>An order quantity rounded up to whole packs (suppliers ship packs); 0 stays 0.</summary>
    public static double RoundUpToPack(double quantity, int packSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packSize, 1);
        if (!(quantity > 0)) return 0;
        if (!double.IsFinite(quantity)) return quantity;
        // A hair over a whole number of packs is float noise, not one more pack.
        return Math.Ceiling(quantity / packSize - 1e-9) * packSize;
    }

    private static double Level(LeadTimeDemand demand, ReplenishmentInput input, double demandPerCycle, DemandDistribution distribution)
    {
        if (input.FillRateTarget is { } fillRate)
            return ServiceLevels.LevelForFillRate(demand, fillRate, demandPerCycle, distribution);
        return distribution == DemandDistribution.Discrete
            ? ServiceLevels.DiscreteLevelForCycleServiceLevel(demand, input.CycleServiceLevel)
            : demand.Mean + Statistics.NormalQuantile(input.CycleServiceLevel) * demand.StandardDeviation;
    }
}
