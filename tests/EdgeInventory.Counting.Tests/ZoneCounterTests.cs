using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using static EdgeInventory.Tests.Shared.TestZones;

namespace EdgeInventory.Counting.Tests;

public class ZoneCounterTests
{
    private const int W = 1000, H = 500;

    /// <summary>Boxes of 80 px side by side with a 5 px sliver between them, from <paramref name="left"/> px.</summary>
    internal static List<Detection> Row(int count, float left, float top, float height = 100, float width = 80, float spacing = 5, int classId = 0)
    {
        var boxes = new List<Detection>();
        for (int i = 0; i < count; i++)
        {
            float x = left + (i * (width + spacing));
            boxes.Add(new Detection(x, top, x + width, top + height, 0.9f, classId));
        }

        return boxes;
    }

    [Fact]
    public void A_box_counts_in_the_zone_that_holds_its_centre_and_nowhere_else()
    {
        var counter = new ZoneCounter([Zone("top", 0, 0, 1, 0.5), Zone("bottom", 0, 0.5, 1, 1)]);
        // Centre at y = 240 (top zone) though the box reaches into the bottom zone.
        var boxes = new List<Detection> { new(10, 190, 90, 290, 0.9f, 0), new(10, 300, 90, 400, 0.9f, 0), new(10, 310, 90, 410, 0.9f, 0) };
        var obs = new ZoneObservation[2];
        counter.Observe(boxes, W, H, obs);
        Assert.Equal(1, obs[0].Facings);
        Assert.Equal(2, obs[1].Facings);
    }

    [Fact]
    public void A_full_row_has_no_empty_space_though_products_stand_apart()
    {
        var counter = new ZoneCounter([Zone("z", 0, 0, 1, 0.5, planned: 12)]);
        // 12 boxes × 85 px = 1020 px ≥ the zone's 1000 px.
        var obs = new ZoneObservation[1];
        counter.Observe(Row(12, 0, 50), W, H, obs);
        Assert.Equal(12, obs[0].Facings);
        Assert.Equal(0, obs[0].EmptyFraction, 3);
    }

    [Fact]
    public void An_uncovered_run_wider_than_a_product_is_empty_shelf()
    {
        var counter = new ZoneCounter([Zone("z", 0, 0, 1, 0.5, planned: 12)]);
        // 6 products cover 0..505 px; 495 px on the right are bare.
        var obs = new ZoneObservation[1];
        counter.Observe(Row(6, 0, 50), W, H, obs);
        Assert.Equal(6, obs[0].Facings);
        Assert.Equal(0.495, obs[0].EmptyFraction, 3);
    }

    [Fact]
    public void A_gap_narrower_than_a_typical_product_is_not_empty_shelf()
    {
        var counter = new ZoneCounter([Zone("z", 0, 0, 1, 0.5, planned: 12)]);
        List<Detection> row = Row(12, 0, 50);
        row.RemoveAt(5);
        row.AddRange(Row(1, 430, 50, width: 40)); // half a product fills part of the hole
        var obs = new ZoneObservation[1];
        counter.Observe(row, W, H, obs);
        Assert.Equal(0, obs[0].EmptyFraction, 3);

        row = Row(12, 0, 50);
        row.RemoveRange(4, 2); // two products' width, 170 px
        counter.Observe(row, W, H, obs);
        Assert.InRange(obs[0].EmptyFraction, 0.17, 0.18);
    }

    [Fact]
    public void An_empty_zone_is_all_empty_shelf_and_the_planogram_gives_the_product_width()
    {
        var counter = new ZoneCounter([Zone("z", 0.2, 0, 0.6, 0.5, planned: 4)]);
        var obs = new ZoneObservation[1];
        counter.Observe([], W, H, obs);
        Assert.Equal(0, obs[0].Facings);
        Assert.Equal(1, obs[0].EmptyFraction, 6);
    }

    [Fact]
    public void Boxes_of_an_empty_shelf_class_count_as_empty_space_not_as_facings()
    {
        var settings = CountingSettings.FromClassNames(new Dictionary<int, string> { [0] = "product", [1] = "empty-shelf" }, classesAreSkus: false);
        var counter = new ZoneCounter([Zone("z", 0, 0, 1, 0.5, planned: 12)], settings);
        List<Detection> boxes = Row(11, 0, 50);
        boxes.Add(new Detection(940, 50, 1000, 150, 0.8f, 1)); // 60 px: narrower than a product, so only the class says it is empty
        var obs = new ZoneObservation[1];
        counter.Observe(boxes, W, H, obs);
        Assert.Equal(11, obs[0].Facings);
        Assert.Equal(0.06, obs[0].EmptyFraction, 3);
    }

    [Fact]
    public void With_SKU_classes_other_products_are_foreign_facings_that_still_cover_the_shelf()
    {
        var settings = CountingSettings.FromClassNames(new Dictionary<int, string> { [0] = "sku-a", [1] = "sku-b" }, classesAreSkus: true);
        var counter = new ZoneCounter([Zone("z", 0, 0, 1, 0.5, planned: 12)], settings);
        List<Detection> boxes = Row(9, 0, 50);
        boxes.AddRange(Row(3, 765, 50, classId: 1));
        var obs = new ZoneObservation[1];
        counter.Observe(boxes, W, H, obs);
        Assert.Equal(9, obs[0].Facings);
        Assert.Equal(3, obs[0].ForeignFacings);
        Assert.Equal(0, obs[0].EmptyFraction, 3);
    }
}
