using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Forecasting.Replenishment;

namespace EdgeInventory.Forecasting.Simulation;

/// <summary>What a replay achieved: demand, what stock served of it, and the stock it took.</summary>
public readonly record struct SimulationResult(double Demand, double Served, double AverageOnHand, int Periods)
{
    /// <summary>Share of demand served from stock (1 when there was no demand).</summary>
    public double FillRate => Demand > 0 ? Served / Demand : 1;
}

/// <summary>
/// Replays a demand history against a policy, period by period: arrivals first, then demand (unmet
/// demand is lost, as on a shelf), then the review; an order placed at the end of period t arrives at
/// the start of period t + leadTime + 1.
/// </summary>
public static class InventorySimulator
{
    public static SimulationResult Replay(ReadOnlySpan<double> demand, InventoryPolicy policy, int leadTime, double initialOnHand)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(leadTime);
        Span<double> pipeline = leadTime + 1 <= 256 ? stackalloc double[leadTime + 1] : new double[leadTime + 1];
        pipeline.Clear();
        double onHand = initialOnHand, onOrder = 0, served = 0, total = 0, stockSum = 0;
        for (int t = 0; t < demand.Length; t++)
        {
            int slot = t % pipeline.Length;
            onHand += pipeline[slot];
            onOrder -= pipeline[slot];
            pipeline[slot] = 0;
            double d = Math.Max(0, demand[t]);
            double sale = Math.Min(onHand, d);
            onHand -= sale;
            served += sale;
            total += d;
            stockSum += onHand;
            double order = policy.OrderFor(onHand + onOrder, t);
            if (order > 0)
            {
                // Arrives at the start of period t + leadTime + 1 (leadTime 0: next period).
                pipeline[(t + leadTime + 1) % pipeline.Length] += order;
                onOrder += order;
            }
        }
        return new SimulationResult(total, served, demand.Length > 0 ? stockSum / demand.Length : 0, demand.Length);
    }
}

/// <summary>Totals of a policy backtest over many series.</summary>
/// <param name="FillRate">Served over demand, summed over all series (the chain's fill rate).</param>
/// <param name="AverageStock">Mean over series of the average units on hand.</param>
public sealed record BacktestSummary(string Method, int Series, double FillRate, double AverageStock, double Demand);

/// <summary>
/// Order-up-to (R = 1, S) backtest: for each series, the method forecasts the per-period rate from the
/// train part, S is set for the fill-rate target from that rate and the history's per-period variance
/// (Poisson / negative binomial over lead time + review), and the test part is replayed from S.
/// Comparing methods this way judges forecasts by the stock they make a store hold for a service level.
/// </summary>
public static class PolicyBacktest
{
    public static BacktestSummary Run(IReadOnlyList<DemandSeries> series, IForecastMethod method, double fillRateTarget, int leadTime)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(method);
        var results = new SimulationResult[series.Count];
        Parallel.For(0, series.Count, () => new ForecastWorkspace(), (i, _, workspace) =>
        {
            var s = series[i];
            Span<double> rate = stackalloc double[1];
            SeriesGuard.Forecast(method, s.Train, s.SeasonLength, rate, workspace, nonNegativeDemand: true);
            double mean = 0, variance = 0;
            int n = 0;
            foreach (double v in s.Train)
                if (double.IsFinite(v)) { mean += v; n++; }
            mean = n > 0 ? mean / n : 0;
            foreach (double v in s.Train)
                if (double.IsFinite(v)) variance += (v - mean) * (v - mean);
            variance = n > 1 ? variance / (n - 1) : 0;
            // The forecast sets the mean; the history's dispersion (variance-to-mean ratio) sets the spread.
            double dispersion = mean > 0 ? Math.Max(1, variance / mean) : 1;
            var recommendation = ReplenishmentPlanner.Recommend(new ReplenishmentInput(
                rate[0], rate[0] * dispersion, leadTime, 0, 0, 0, 1, fillRateTarget, 0.95, Intermittent: true));
            var policy = new InventoryPolicy(PolicyKind.PeriodicOrderUpTo, recommendation.ReorderPoint, recommendation.OrderUpTo, 0, 1);
            results[i] = InventorySimulator.Replay(s.Test, policy, leadTime, recommendation.OrderUpTo);
            return workspace;
        }, _ => { });
        double demand = 0, served = 0, stock = 0;
        foreach (var r in results)
        {
            demand += r.Demand;
            served += r.Served;
            stock += r.AverageOnHand;
        }
        return new BacktestSummary(method.Name, series.Count, demand > 0 ? served / demand : 1, stock / Math.Max(1, series.Count), demand);
    }
}
