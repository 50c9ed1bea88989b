using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Contracts;

namespace EdgeInventory.Cloud.Alerts;

/// <summary>
/// Which operator groups a discrepancy pages: the routing rules in order; the first that matches routes it, and
/// evaluation goes on past a matching rule only when that rule says <c>Continue</c> (as Alertmanager's routes do).
/// No match: no alert (the discrepancy is still stored and shown).
/// </summary>
public sealed class AlertRouter
{
    /// <summary>A rule that names no kinds routes shortages: what an operator can fix by restocking.</summary>
    public static readonly DiscrepancyKind[] ShortageKinds = [DiscrepancyKind.OutOfStock, DiscrepancyKind.BelowMinimum, DiscrepancyKind.Gap];

    private readonly IReadOnlyList<AlertRouteOptions> _routes;

    public AlertRouter(IReadOnlyList<AlertRouteOptions> routes)
    {
        _routes = routes;
    }

    public IReadOnlyList<string> Route(string storeId, string? locationId, string? sku, DiscrepancyKind kind, Severity severity)
    {
        var groups = new List<string>();
        foreach (AlertRouteOptions r in _routes)
        {
            bool matches = (string.IsNullOrEmpty(r.Store) || r.Store == storeId)
                && (string.IsNullOrEmpty(r.LocationPrefix) || (locationId?.StartsWith(r.LocationPrefix, StringComparison.Ordinal) ?? false))
                && (string.IsNullOrEmpty(r.Sku) || r.Sku == sku)
                && (r.Kinds.Count == 0 ? ShortageKinds.Contains(kind) : r.Kinds.Contains(kind))
                && severity >= r.MinSeverity;
            if (!matches)
            {
                continue;
            }
            if (!groups.Contains(r.Group))
            {
                groups.Add(r.Group);
            }
            if (!r.Continue)
            {
                break;
            }
        }
        return groups;
    }
}
