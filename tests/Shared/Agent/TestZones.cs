using EdgeInventory.Counting;

namespace EdgeInventory.Tests.Shared;

/// <summary>Planogram zones for the counting, reconciliation and pipeline tests.</summary>
internal static class TestZones
{
    /// <summary>A rectangular zone <c>s1/A1/B1/{id}</c> of SKU <paramref name="sku"/>, in fractions of the image.</summary>
    public static ZoneDefinition Zone(string id, double x1, double y1, double x2, double y2, int planned = 10, int min = 3, string sku = "sku-a") => new()
    {
        Id = id,
        LocationId = "s1/A1/B1/" + id,
        Sku = sku,
        Polygon = ZonePolygon.Rectangle(x1, y1, x2, y2),
        PlannedFacings = planned,
        MinFacings = min,
    };
}
