namespace EdgeInventory.Counting;

/// <summary>
/// One planogram zone seen by one camera: a single shelf row (coverage is measured along the image's
/// horizontal axis), the location it stands for and the SKU planned there.
/// </summary>
public sealed record ZoneDefinition
{
    public required string Id { get; init; }

    /// <summary>store/aisle/bay/shelf, as the ERP and the scanners name it.</summary>
    public required string LocationId { get; init; }

    public required string Sku { get; init; }

    public required ZonePolygon Polygon { get; init; }

    public required int PlannedFacings { get; init; }

    /// <summary>Fewer facings than this is a below-minimum discrepancy.</summary>
    public required int MinFacings { get; init; }

    /// <summary>Most units the zone holds; null when unknown (no over-capacity check).</summary>
    public int? Capacity { get; init; }

    /// <summary>Units one facing holds (products one behind the other); refined from scanner counts.</summary>
    public double Depth { get; init; } = 1;
}
