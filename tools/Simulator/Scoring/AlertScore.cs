using EdgeInventory.Simulator.Story;

namespace EdgeInventory.Simulator.Scoring;

/// <summary>
/// The cloud's alerts against the ground truth. An alert is right when its store and zone had a true shortage and it
/// opened between <see cref="EarlySlack"/> before that shortage began and <see cref="LateSlack"/> after it ended (a
/// restock confirmed a little late is not a false alarm); precision is right alerts over alerts. Recall is true
/// shortages with at least one alert over true shortages the system had time to report: those that began at least
/// <see cref="DueAfter"/> before the end of the run. Delay is a shortage's first alert's <c>openedAt</c> (the cloud's
/// clock when it stored the alert) minus the moment the bay really fell below half its products.
/// </summary>
internal sealed record AlertScore(
    int Alerts, int RightAlerts, int TrueShortages, int DueShortages, int Reported, double? Precision, double? Recall,
    double? DelayP50, double? DelayP95, double? DelayMax, IReadOnlyList<string> FalseAlerts, IReadOnlyList<string> Missed)
{
    public static readonly TimeSpan EarlySlack = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LateSlack = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DueAfter = TimeSpan.FromSeconds(60);

    public static AlertScore Of(IReadOnlyList<TruthShortage> truth, IReadOnlyList<CloudAlert> alerts, Func<double, DateTimeOffset> at, DateTimeOffset end)
    {
        var falseAlerts = new List<string>();
        var firstAlert = new Dictionary<TruthShortage, DateTimeOffset>();
        int right = 0;
        foreach (CloudAlert a in alerts.OrderBy(a => a.OpenedAt))
        {
            TruthShortage? match = truth.FirstOrDefault(t => t.StoreId == a.StoreId && t.ZoneId == a.ZoneId
                && a.OpenedAt >= at(t.Start) - EarlySlack && a.OpenedAt <= at(t.End) + LateSlack);
            if (match is null)
            {
                falseAlerts.Add($"{a.StoreId}/{a.ZoneId} {a.Kind} opened {a.OpenedAt:HH:mm:ss}");
                continue;
            }
            right++;
            firstAlert.TryAdd(match, a.OpenedAt);
        }
        List<TruthShortage> due = [.. truth.Where(t => at(t.Start) <= end - DueAfter)];
        double[] delays = [.. firstAlert.Select(kv => (kv.Value - at(kv.Key.Start)).TotalSeconds).Order()];
        int reported = due.Count(firstAlert.ContainsKey);
        return new AlertScore(
            alerts.Count, right, truth.Count, due.Count, reported,
            alerts.Count == 0 ? null : (double)right / alerts.Count,
            due.Count == 0 ? null : (double)reported / due.Count,
            Percentile(delays, 0.5), Percentile(delays, 0.95), delays.Length == 0 ? null : delays[^1],
            falseAlerts,
            [.. due.Where(t => !firstAlert.ContainsKey(t)).Select(t => $"{t.StoreId}/{t.ZoneId} short from {at(t.Start):HH:mm:ss}")]);
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
