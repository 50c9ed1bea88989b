using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Reconciliation.Tests;

/// <summary>
/// The zone pipeline as a tool drives it: frame by frame, with the frames' own times, no host, no store. Times are
/// the frames' (simulated), so the inertia is checked without waiting for it.
/// </summary>
public sealed class ZonePipelineTests
{
    private const int W = 1000, H = 500;
    private static readonly DateTimeOffset T0 = new(2025, 6, 12, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly ZoneDefinition Shelf = TestZones.Zone("z1", 0, 0, 1, 0.5, planned: 4, min: 2);

    [Fact]
    public void A_shelf_emptied_raises_one_out_of_stock_start_once_the_empty_state_held_for_its_inertia()
    {
        var pipeline = new ZonePipeline("cam-1", [Shelf], new CountingSettings(), new SmoothingSettings(), new StockReconciler(new ReconcilerSettings(), "s1", "edge-01"), "test 1");
        var result = new ZoneFrameResult();
        DateTimeOffset t = T0;
        bool confirmed = false;
        for (int i = 0; i < 6; i++, t += Interval)
        {
            pipeline.Process(Products(4), W, H, t, null, result);
            Assert.Empty(result.Events);
            confirmed |= result.ChangedZones.Contains(0);
        }

        Assert.True(confirmed, "the full shelf never became the zone's confirmed state");
        Assert.Equal(4, pipeline.Smoother.Confirmed(0)?.Facings);

        DateTimeOffset emptiedAt = t;
        var raised = new List<(DateTimeOffset At, ZoneEvent Event)>();
        for (int i = 0; i < 8; i++, t += Interval)
        {
            pipeline.Process([], W, H, t, null, result);
            raised.AddRange(result.Events.Select(e => (t, e)));
        }

        (DateTimeOffset at, ZoneEvent start) = Assert.Single(raised);
        Assert.Equal(0, start.Zone);
        Assert.Equal(DiscrepancyKind.OutOfStock, start.Event.Kind);
        Assert.Equal(DiscrepancyPhase.Start, start.Event.Phase);
        Assert.Equal("cam-1", start.Event.CameraId);
        Assert.True(at - emptiedAt >= new SmoothingSettings().Inertia, $"raised {at - emptiedAt} after the shelf emptied, within the smoother's inertia");
    }

    [Fact]
    public void Expected_stock_and_scanner_counts_come_from_the_references_the_caller_passes()
    {
        var references = new References(new ExpectedStockEntry(Shelf.LocationId, Shelf.Sku, ExpectedUnits: 0, MinFacings: null, Capacity: null));
        var pipeline = new ZonePipeline("cam-1", [Shelf], new CountingSettings(), new SmoothingSettings(), new StockReconciler(new ReconcilerSettings(), "s1", "edge-01"), "test 1");
        var result = new ZoneFrameResult();
        DateTimeOffset t = T0;
        var raised = new List<ZoneEvent>();
        for (int i = 0; i < 12; i++, t += Interval)
        {
            pipeline.Process(i < 4 ? Products(4) : [], W, H, t, references, result);
            raised.AddRange(result.Events);
        }

        // Zero expected units means "not stocked here": the emptied shelf is no shortage.
        Assert.Equal(0, pipeline.Smoother.Confirmed(0)?.Facings);
        Assert.DoesNotContain(raised, e => e.Event.Kind == DiscrepancyKind.OutOfStock);
        Assert.True(references.Asked > 0);
    }

    [Fact]
    public void A_restored_zone_keeps_its_stored_state_and_depth_and_an_unknown_zone_is_refused()
    {
        var pipeline = new ZonePipeline("cam-1", [Shelf], new CountingSettings(), new SmoothingSettings(), new StockReconciler(new ReconcilerSettings(), "s1", "edge-01"), "test 1");
        var stored = new ConfirmedZoneState(3, 0, 0.2, T0);

        Assert.True(pipeline.Restore("z1", stored, depth: 2.5));
        Assert.False(pipeline.Restore("z9", stored, depth: 1));
        Assert.Equal(stored, pipeline.Smoother.Confirmed(0));
        Assert.Equal(2.5, pipeline.Depths[0]);
    }

    /// <summary>Products 200 px wide with a 30 px sliver between them, from the left of the top shelf.</summary>
    private static List<Detection> Products(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Detection(20 + (i * 230), 20, 220 + (i * 230), 220, 0.9f, 0))];

    private sealed class References(ExpectedStockEntry expected) : IZoneReferences
    {
        public int Asked { get; private set; }

        public ExpectedStockEntry? Expected(string locationId, string sku)
        {
            Asked++;
            return locationId == expected.LocationId && sku == expected.Sku ? expected : null;
        }

        public ScannerCountRecord? LatestScan(string locationId, string sku) => null;
    }
}
