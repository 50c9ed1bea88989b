namespace EdgeInventory.Reconciliation;

/// <summary>The latest authoritative handheld count of one SKU at one location.</summary>
public sealed record ScannerCountRecord(string LocationId, string Sku, int Quantity, DateTimeOffset CountedAt, string ScannerId, Guid EventId);

/// <summary>
/// What scanner counts tell about a zone: how deep its facings are, and whether the camera and the
/// scanner disagree beyond what depth can explain.
/// </summary>
public static class ScannerAgreement
{
    /// <summary>
    /// Null when a count of <paramref name="quantity"/> units is consistent with <paramref name="facings"/>
    /// visible facings, else the reason. Consistent: both zero, or at least as many units as facings (each
    /// visible facing is at least one unit) less a tolerance for a miscount of the detector.
    /// </summary>
    public static string? Disagreement(int quantity, int facings, double facingTolerance)
    {
        if (facings == 0 && quantity > 0)
        {
            return $"the scanner counted {quantity} units where the camera sees no product";
        }

        if (quantity == 0 && facings > 0)
        {
            return $"the scanner counted none where the camera sees {facings} facings";
        }

        int allowed = (int)Math.Floor(facings * (1 - facingTolerance));
        if (quantity < allowed)
        {
            return $"the scanner counted {quantity} units where the camera sees {facings} facings";
        }

        return null;
    }

    /// <summary>
    /// The depth (units per facing) a consistent count implies, bounded by the zone's capacity per planned
    /// facing when known; null when the count says nothing about depth (no facings seen).
    /// </summary>
    public static double? ImpliedDepth(int quantity, int facings, int? capacity, int plannedFacings)
    {
        if (facings <= 0 || quantity <= 0)
        {
            return null;
        }

        double depth = Math.Max(1.0, (double)quantity / facings);
        if (capacity is int cap && plannedFacings > 0)
        {
            depth = Math.Min(depth, Math.Max(1.0, (double)cap / plannedFacings));
        }

        return depth;
    }
}
