using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Reconciliation.Tests;

public class StockReconcilerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 12, 9, 0, 0, TimeSpan.Zero);
    private static readonly ZoneDefinition Zone = TestZones.Zone("a3-b2-s4", 0, 0, 1, 0.5, planned: 4, min: 2) with { Capacity = 16, Depth = 3 };

    private static StockReconciler NewReconciler(IEnumerable<DiscrepancyEvent>? open = null) =>
        new(new ReconcilerSettings(), "s042", "edge-01", open);

    private static ZoneReconcileInput Input(int facings, double empty = 0, int foreign = 0, ScannerCountRecord? scan = null, ExpectedStockEntry? expected = null, double depth = 3, ZoneBaseline? baseline = null, double bare = double.NaN) => new()
    {
        Baseline = baseline,
        CameraId = "cam-1",
        Zone = Zone,
        State = new ConfirmedZoneState(facings, foreign, empty, T0, bare),
        Depth = depth,
        Expected = expected,
        LatestScan = scan,
        ModelVersion = "shelf-detector@test",
    };

    private static List<DiscrepancyEvent> Run(StockReconciler r, ZoneReconcileInput input, DateTimeOffset? at = null)
    {
        var events = new List<DiscrepancyEvent>();
        r.ReconcileZone(input, at ?? T0 + TimeSpan.FromMinutes(1), events);
        foreach (DiscrepancyEvent e in events)
        {
            ContractParser.Serialize(e); // every event is a valid contract message
        }

        return events;
    }

    [Fact]
    public void A_full_shelf_raises_nothing()
    {
        Assert.Empty(Run(NewReconciler(), Input(4)));
    }

    [Fact]
    public void An_empty_shelf_starts_one_out_of_stock_event_and_does_not_raise_it_again_while_it_holds()
    {
        StockReconciler r = NewReconciler();
        DiscrepancyEvent start = Assert.Single(Run(r, Input(0, empty: 1)));
        Assert.Equal(DiscrepancyPhase.Start, start.Phase);
        Assert.Equal(DiscrepancyKind.OutOfStock, start.Kind);
        Assert.Equal(Severity.Critical, start.Severity);
        Assert.Equal(0, start.ObservedUnits);
        Assert.Equal(12, start.ExpectedUnits); // planned 4 facings × depth 3
        Assert.Equal(T0, start.StartedAt); // when the confirmed state began
        Assert.Equal(Zone.LocationId, start.LocationId);
        Assert.Empty(Run(r, Input(0, empty: 1), T0 + TimeSpan.FromMinutes(2)));
        Assert.Empty(Run(r, Input(0, empty: 1), T0 + TimeSpan.FromMinutes(3)));
    }

    [Fact]
    public void Restocking_ends_the_discrepancy_with_the_same_id()
    {
        StockReconciler r = NewReconciler();
        DiscrepancyEvent start = Assert.Single(Run(r, Input(0, empty: 1)));
        DiscrepancyEvent end = Assert.Single(Run(r, Input(4), T0 + TimeSpan.FromMinutes(5)));
        Assert.Equal(DiscrepancyPhase.End, end.Phase);
        Assert.Equal(start.DiscrepancyId, end.DiscrepancyId);
        Assert.NotEqual(start.EventId, end.EventId);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5), end.EndedAt);
        Assert.Empty(r.Open);
    }

    [Fact]
    public void A_changed_count_updates_an_open_discrepancy_and_a_worse_condition_replaces_it()
    {
        StockReconciler r = NewReconciler();
        // 1 facing with 4 planned and a minimum of 2: below minimum.
        DiscrepancyEvent below = Assert.Single(Run(r, Input(1, empty: 0.75)));
        Assert.Equal(DiscrepancyKind.BelowMinimum, below.Kind);
        Assert.Equal(3, below.ObservedUnits);

        // Same facings, empty fraction moved by less than the update step: nothing.
        Assert.Empty(Run(r, Input(1, empty: 0.7)));

        // Now empty: below-minimum ends, out-of-stock starts.
        List<DiscrepancyEvent> events = Run(r, Input(0, empty: 1));
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.OutOfStock && e.Phase == DiscrepancyPhase.Start);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.BelowMinimum && e.Phase == DiscrepancyPhase.End && e.DiscrepancyId == below.DiscrepancyId);
    }

    [Fact]
    public void A_gap_on_an_otherwise_stocked_shelf_is_its_own_discrepancy_with_updates()
    {
        StockReconciler r = NewReconciler();
        // Seen full with 4 facings and 5% of the width uncovered: 30% emptied since is information, 50% a warning.
        var full = new ZoneBaseline(4, 0.05, T0, BaselineSource.Commissioning);
        DiscrepancyEvent gap = Assert.Single(Run(r, Input(3, empty: 0.35, baseline: full)));
        Assert.Equal(DiscrepancyKind.Gap, gap.Kind);
        Assert.Equal(Severity.Info, gap.Severity);
        DiscrepancyEvent update = Assert.Single(Run(r, Input(3, empty: 0.55, baseline: full)));
        Assert.Equal(DiscrepancyPhase.Update, update.Phase);
        Assert.Equal(Severity.Warning, update.Severity);
        Assert.Equal(gap.DiscrepancyId, update.DiscrepancyId);
        Assert.Equal(gap.StartedAt, update.StartedAt);
    }

    [Fact]
    public void Bare_shelf_in_the_pixels_tips_a_count_the_detector_inflates_with_boxes_on_bare_shelf()
    {
        // Seen full: 4 facings, nothing bare. Now the detector still finds 2 (one of them on bare shelf): alone it
        // says 2 of 4 left, at the minimum. The pixels see three quarters of the width gone bare: the mean of the two
        // witnesses is 1.5 left, below the minimum of 2.
        var full = new ZoneBaseline(4, 0.05, T0, BaselineSource.Commissioning, BareFraction: 0);
        Assert.Empty(Run(NewReconciler(), Input(2, empty: 0.3, baseline: full)));
        DiscrepancyEvent below = Assert.Single(Run(NewReconciler(), Input(2, empty: 0.3, baseline: full, bare: 0.75)));
        Assert.Equal(DiscrepancyKind.BelowMinimum, below.Kind);
        Assert.Contains("the pixels show 75 % of the width gone bare", below.Detail);
    }

    [Fact]
    public void No_product_seen_is_out_of_stock_only_when_the_pixels_agree_the_width_went_bare()
    {
        var full = new ZoneBaseline(4, 0.05, T0, BaselineSource.Commissioning, BareFraction: 0.1);
        // The detector lost the products, the pixels still see print over nine tenths of the width: below minimum
        // (about 1.8 of 4 left by the mean of the two), not a critical out of stock.
        DiscrepancyEvent lost = Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: full, bare: 0.2)));
        Assert.Equal(DiscrepancyKind.BelowMinimum, lost.Kind);
        DiscrepancyEvent empty = Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: full, bare: 0.9)));
        Assert.Equal(DiscrepancyKind.OutOfStock, empty.Kind);
        Assert.Equal(Severity.Critical, empty.Severity);
        // A zone that looked bare even when full (plain packaging, a blank frame): its pixels witness nothing.
        var plain = full with { BareFraction = 0.9 };
        Assert.Equal(DiscrepancyKind.OutOfStock, Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: plain, bare: 0.9))).Kind);
    }

    [Fact]
    public void One_box_left_on_a_width_the_pixels_see_gone_bare_is_out_of_stock_where_the_zone_held_three_or_more()
    {
        // Seen full with 4 boxes on a textured shelf. Now one box, and 90 % of the width bare: a lone false box (a
        // price strip, a neighbour's overhang) on an emptied bay. Alone the mean of the witnesses said below minimum.
        var full = new ZoneBaseline(4, 0.05, T0, BaselineSource.Commissioning, BareFraction: 0);
        DiscrepancyEvent empty = Assert.Single(Run(NewReconciler(), Input(1, empty: 0.8, baseline: full, bare: 0.9)));
        Assert.Equal((DiscrepancyKind.OutOfStock, Severity.Critical), (empty.Kind, empty.Severity));
        Assert.Contains("one box seen (4 seen when full", empty.Detail);
        Assert.Contains("taken for the detector's mistake on bare shelf", empty.Detail);

        // 70 % bare is what one real product of four leaves: below minimum, as before.
        Assert.Equal(DiscrepancyKind.BelowMinimum, Assert.Single(Run(NewReconciler(), Input(1, empty: 0.7, baseline: full, bare: 0.7))).Kind);
        // Without the pixels, or on a zone that showed two when full (one box is half of it), the box counts.
        Assert.Equal(DiscrepancyKind.BelowMinimum, Assert.Single(Run(NewReconciler(), Input(1, empty: 0.8, baseline: full))).Kind);
        Assert.Equal(DiscrepancyKind.BelowMinimum, Assert.Single(Run(NewReconciler(), Input(1, empty: 0.8, baseline: full with { Facings = 2 }, bare: 0.95))).Kind);
        // The setting: 1 takes it only when the whole width went bare.
        var strict = new StockReconciler(new ReconcilerSettings { LoneBoxBareShare = 1 }, "s042", "edge-01");
        Assert.Equal(DiscrepancyKind.BelowMinimum, Assert.Single(Run(strict, Input(1, empty: 0.8, baseline: full, bare: 0.9))).Kind);
    }

    [Fact]
    public void A_zone_the_detector_never_sees_is_judged_by_its_pixels_alone_and_is_only_information_without_them()
    {
        // Seen "full" with no box at all: the detector does not find these products.
        var blind = new ZoneBaseline(0, 1, T0, BaselineSource.Commissioning, BareFraction: 0.1);
        Assert.Empty(Run(NewReconciler(), Input(0, empty: 1, baseline: blind, bare: 0.1)));
        DiscrepancyEvent emptied = Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: blind, bare: 0.95)));
        Assert.Equal((DiscrepancyKind.OutOfStock, Severity.Critical), (emptied.Kind, emptied.Severity));
        // 0.4 of the width gone bare: 4 × 0.6 = 2.4 left, above the minimum of 2: a gap, not below minimum.
        Assert.Equal(DiscrepancyKind.Gap, Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: blind, bare: 0.46))).Kind);
        DiscrepancyEvent unread = Assert.Single(Run(NewReconciler(), Input(0, empty: 1, baseline: blind with { BareFraction = double.NaN })));
        Assert.Equal((DiscrepancyKind.OutOfStock, Severity.Info), (unread.Kind, unread.Severity));
    }

    [Fact]
    public void A_gap_is_the_mean_of_the_width_the_detector_uncovered_and_the_width_the_pixels_saw_go_bare()
    {
        var full = new ZoneBaseline(4, 0.05, T0, BaselineSource.Commissioning, BareFraction: 0);
        // Coverage alone: 40 % emptied (a gap). The pixels see nothing gone (the detector merely lost boxes): 20 %.
        Assert.Equal(DiscrepancyKind.Gap, Assert.Single(Run(NewReconciler(), Input(4, empty: 0.45, baseline: full))).Kind);
        Assert.Empty(Run(NewReconciler(), Input(4, empty: 0.45, baseline: full, bare: 0)));
        Assert.Equal(DiscrepancyKind.Gap, Assert.Single(Run(NewReconciler(), Input(4, empty: 0.45, baseline: full, bare: 0.4))).Kind);
    }

    [Fact]
    public void Open_discrepancies_handed_back_after_a_restart_are_not_raised_again()
    {
        StockReconciler first = NewReconciler();
        DiscrepancyEvent start = Assert.Single(Run(first, Input(0, empty: 1)));

        // A new process: the open set comes back from the store (here, through JSON as the store keeps it).
        DiscrepancyEvent stored = ContractParser.Parse<DiscrepancyEvent>(ContractParser.Serialize(start)).Message!;
        StockReconciler second = NewReconciler([stored]);
        Assert.Empty(Run(second, Input(0, empty: 1), T0 + TimeSpan.FromHours(1)));
        DiscrepancyEvent end = Assert.Single(Run(second, Input(4), T0 + TimeSpan.FromHours(2)));
        Assert.Equal(start.DiscrepancyId, end.DiscrepancyId);
    }

    [Fact]
    public void Over_capacity_and_unexpected_product_stand_beside_shelf_availability()
    {
        StockReconciler r = NewReconciler();
        List<DiscrepancyEvent> events = Run(r, Input(6, foreign: 2)); // 6 × 3 = 18 units > 16
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.OverCapacity && e.ObservedUnits == 18);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.UnexpectedProduct);
    }

    [Fact]
    public void Expected_stock_overrides_the_planogram_and_zero_expected_is_no_shortage()
    {
        StockReconciler r = NewReconciler();
        DiscrepancyEvent e = Assert.Single(Run(r, Input(0, empty: 1, expected: new ExpectedStockEntry(Zone.LocationId, Zone.Sku, 20, 3, 30))));
        Assert.Equal(20, e.ExpectedUnits);

        StockReconciler delisted = NewReconciler();
        Assert.Empty(Run(delisted, Input(0, empty: 1, expected: new ExpectedStockEntry(Zone.LocationId, Zone.Sku, 0, 0, null))));
    }

    [Fact]
    public void A_fresh_scanner_count_the_camera_contradicts_is_a_disagreement_until_the_count_gets_old()
    {
        var scan = new ScannerCountRecord(Zone.LocationId, Zone.Sku, 9, T0, "scanner-17", EventIds.NewId());
        StockReconciler r = NewReconciler();
        List<DiscrepancyEvent> events = Run(r, Input(0, empty: 1, scan: scan), T0 + TimeSpan.FromMinutes(1));
        DiscrepancyEvent disagreement = Assert.Single(events, e => e.Kind == DiscrepancyKind.CameraScannerDisagreement);
        Assert.Equal(9, disagreement.ExpectedUnits);
        Assert.Contains("scanner-17", disagreement.Detail);

        DiscrepancyEvent end = Assert.Single(Run(r, Input(0, empty: 1, scan: scan), T0 + TimeSpan.FromHours(1)));
        Assert.Equal(DiscrepancyKind.CameraScannerDisagreement, end.Kind);
        Assert.Equal(DiscrepancyPhase.End, end.Phase);
    }

    [Fact]
    public void A_scanner_count_that_depth_explains_is_no_disagreement()
    {
        var scan = new ScannerCountRecord(Zone.LocationId, Zone.Sku, 11, T0, "scanner-17", EventIds.NewId());
        Assert.Empty(Run(NewReconciler(), Input(4, scan: scan)));
        Assert.Null(ScannerAgreement.Disagreement(11, 4, 0.25));
        Assert.Null(ScannerAgreement.Disagreement(3, 4, 0.25)); // one facing missed by the detector is tolerated
        Assert.NotNull(ScannerAgreement.Disagreement(1, 4, 0.25));
        Assert.Equal(2.75, ScannerAgreement.ImpliedDepth(11, 4, capacity: null, plannedFacings: 4));
        Assert.Equal(4.0, ScannerAgreement.ImpliedDepth(40, 4, capacity: 16, plannedFacings: 4)); // bounded by capacity per facing
        Assert.Null(ScannerAgreement.ImpliedDepth(5, 0, null, 4));
    }

    [Fact]
    public void Camera_health_raises_offline_over_stalled_and_ends_on_recovery()
    {
        StockReconciler r = NewReconciler();
        var events = new List<DiscrepancyEvent>();
        r.ReconcileCamera("cam-1", new CameraConditions(Offline: true, Stalled: true, ViewChanged: false, "connection refused"), "m", T0, events);
        DiscrepancyEvent offline = Assert.Single(events);
        Assert.Equal(DiscrepancyKind.CameraOffline, offline.Kind);
        Assert.Null(offline.ZoneId);
        ContractParser.Serialize(offline);

        events.Clear();
        r.ReconcileCamera("cam-1", new CameraConditions(true, false, false, null), "m", T0 + TimeSpan.FromMinutes(1), events);
        Assert.Empty(events);
        r.ReconcileCamera("cam-1", new CameraConditions(false, false, true, null), "m", T0 + TimeSpan.FromMinutes(2), events);
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.CameraOffline && e.Phase == DiscrepancyPhase.End);
        Assert.Contains(events, e => e.Kind == DiscrepancyKind.ViewChanged && e.Phase == DiscrepancyPhase.Start);
    }

    [Fact]
    public void Camera_health_waits_for_its_inertia()
    {
        var monitor = new CameraHealthMonitor(TimeSpan.FromSeconds(30));
        Assert.False(monitor.Evaluate(CameraState.Offline, false, false, null, T0).Offline);
        Assert.False(monitor.Evaluate(CameraState.Offline, false, false, null, T0 + TimeSpan.FromSeconds(20)).Offline);
        Assert.True(monitor.Evaluate(CameraState.Offline, false, false, null, T0 + TimeSpan.FromSeconds(30)).Offline);
        Assert.False(monitor.Evaluate(CameraState.Up, false, false, null, T0 + TimeSpan.FromSeconds(31)).Offline);
        Assert.False(monitor.Evaluate(CameraState.Restarting, true, false, null, T0 + TimeSpan.FromSeconds(40)).Stalled);
        Assert.True(monitor.Evaluate(CameraState.Stalled, true, false, null, T0 + TimeSpan.FromSeconds(70)).Stalled);
        Assert.False(monitor.Evaluate(CameraState.Up, false, true, null, T0 + TimeSpan.FromSeconds(80)).ViewChanged);
        Assert.True(monitor.Evaluate(CameraState.Up, false, true, null, T0 + TimeSpan.FromSeconds(110)).ViewChanged);
    }
}
