namespace EdgeInventory.Reconciliation;

/// <summary>Thresholds of the stock reconciler.</summary>
public sealed record ReconcilerSettings
{
    /// <summary>An empty fraction at or above this is a gap discrepancy (when the zone is not out of stock or below minimum).</summary>
    public double GapThreshold { get; init; } = 0.3;

    /// <summary>A gap at or above this empty fraction is a warning; below it, information.</summary>
    public double GapWarningThreshold { get; init; } = 0.5;

    /// <summary>An open discrepancy gets an update when its empty fraction moves by at least this much.</summary>
    public double EmptyFractionUpdateStep { get; init; } = 0.1;

    /// <summary>How long a scanner count is compared with what the camera sees; older counts only set the depth.</summary>
    public TimeSpan ScannerFreshness { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The detector may miss this share of facings before a low scanner count is called a disagreement.</summary>
    public double ScannerFacingTolerance { get; init; } = 0.25;

    /// <summary>
    /// No product seen is out of stock only when the pixels (where read) agree: at least this share of the width that
    /// was not bare when the zone was full looks bare now. Otherwise the detector lost products that are still there,
    /// and the zone is judged by the facings the pixels leave (below minimum or nothing).
    /// </summary>
    public double OutOfStockBareShare { get; init; } = 0.6;

    /// <summary>
    /// One box seen where the zone held at least three when full is out of stock too when the pixels say at least this
    /// share of its textured width went bare: a lone box on a bare shelf is the detector's mistake (a price strip, a
    /// neighbour's overhang), not the last product. 1 takes it only when the whole width went bare.
    /// </summary>
    public double LoneBoxBareShare { get; init; } = 0.8;

    /// <summary>When zones learn what they look like full (shortages are judged against it).</summary>
    public BaselineSettings Baseline { get; init; } = new();

    public string? Check()
    {
        if (GapThreshold is <= 0 or > 1)
        {
            return $"GapThreshold must be within (0, 1], not {GapThreshold}";
        }

        if (GapWarningThreshold is <= 0 or > 1)
        {
            return $"GapWarningThreshold must be within (0, 1], not {GapWarningThreshold}";
        }

        if (OutOfStockBareShare is < 0 or > 1)
        {
            return $"OutOfStockBareShare must be within [0, 1], not {OutOfStockBareShare}";
        }

        if (LoneBoxBareShare is < 0 or > 1)
        {
            return $"LoneBoxBareShare must be within [0, 1], not {LoneBoxBareShare}";
        }

        if (EmptyFractionUpdateStep is <= 0 or > 1)
        {
            return $"EmptyFractionUpdateStep must be within (0, 1], not {EmptyFractionUpdateStep}";
        }

        if (ScannerFreshness <= TimeSpan.Zero)
        {
            return $"ScannerFreshnessMinutes must be positive, not {ScannerFreshness.TotalMinutes}";
        }

        if (ScannerFacingTolerance is < 0 or >= 1)
        {
            return $"ScannerFacingTolerance must be within [0, 1), not {ScannerFacingTolerance}";
        }

        return Baseline is null ? "Baseline must be set" : Baseline.Check();
    }
}
