using EdgeInventory.Forecasting.Replenishment;
using EdgeInventory.Forecasting.Simulation;

namespace EdgeInventory.Forecasting.Tests;

public class ReplenishmentTests
{
    [Fact]
    public void Reorder_point_adds_demand_and_lead_time_variability()
    {
        // μ_d = 10, σ_d = 3, L = 4, σ_L = 1, CSL 95%: 40 + 1.6449·√(4·9 + 100·1) = 40 + 1.6449·√136.
        double rop = ServiceLevels.ReorderPoint(10, 3, 4, 1, 0.95);
        Assert.Equal(40 + 1.6448536269514722 * Math.Sqrt(136), rop, 4);
    }

    [Fact]
    public void Fill_rate_level_meets_the_loss_function_target()
    {
        var demand = new LeadTimeDemand(100, 400); // σ = 20
        double s = ServiceLevels.LevelForFillRate(demand, 0.98, 50, DemandDistribution.Normal);
        double z = (s - 100) / 20;
        Assert.Equal(0.02 * 50, 20 * Statistics.NormalLoss(z), 4);
    }

    [Fact]
    public void Discrete_levels_use_poisson_probabilities()
    {
        // Poisson(2): P(D<=3) = 0.857, P(D<=4) = 0.947, P(D<=5) = 0.983.
        Assert.Equal(4, ServiceLevels.DiscreteLevelForCycleServiceLevel(new LeadTimeDemand(2, 2), 0.90));
        Assert.Equal(5, ServiceLevels.DiscreteLevelForCycleServiceLevel(new LeadTimeDemand(2, 2), 0.95));
        // Overdispersed demand (negative binomial) needs a higher level for the same service.
        Assert.True(ServiceLevels.DiscreteLevelForCycleServiceLevel(new LeadTimeDemand(2, 8), 0.95) > 5);
    }

    [Fact]
    public void Simulation_counts_lost_sales_and_stock_held()
    {
        // Order up to 5 every period, lead time 0 (arrives next period), demand 3, 3, 7, 0.
        var policy = new InventoryPolicy(PolicyKind.PeriodicOrderUpTo, 0, 5, 0, 1);
        var result = InventorySimulator.Replay([3, 3, 7, 0], policy, 0, 5);
        // Period 3 can serve only 5 of 7.
        Assert.Equal(13, result.Demand);
        Assert.Equal(11, result.Served);
        Assert.Equal((2 + 2 + 0 + 5) / 4.0, result.AverageOnHand, 12);
    }

    [Fact]
    public void Min_max_orders_up_to_max_only_at_or_below_min()
    {
        var policy = new InventoryPolicy(PolicyKind.MinMax, 4, 10, 0, 1);
        Assert.Equal(0, policy.OrderFor(5, 0));
        Assert.Equal(6, policy.OrderFor(4, 0));
        var sq = new InventoryPolicy(PolicyKind.ReorderPointQuantity, 4, 0, 3, 1);
        Assert.Equal(6, sq.OrderFor(-1, 0)); // two lots of 3 to climb above s
    }

    [Fact]
    public void Recommendation_orders_the_gap_to_the_order_up_to_level_and_predicts_the_stockout()
    {
        var r = ReplenishmentPlanner.Recommend(new ReplenishmentInput(2, 2, 3, 0, 5, 1, 1, null, 0.95, Intermittent: true));
        // Protection L + R = 4 periods: Poisson(8) at 95% -> 13.
        Assert.Equal(13, r.OrderUpTo);
        Assert.Equal(13 - 6, r.OrderQuantity);
        Assert.Equal(2, r.PeriodsUntilStockout);
    }
}
