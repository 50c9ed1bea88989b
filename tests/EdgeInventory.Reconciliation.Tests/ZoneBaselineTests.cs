using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;

namespace EdgeInventory.Reconciliation.Tests;

/// <summary>Shortages judged against what the detector reported when the zone was full (issue 13).</summary>
public class ZoneBaselineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    // Six products planned, at least three.
    private static readonly ZoneDefinition Zone = new()
    {
        Id = "bay-3",
        LocationId = "s1/A1/B1/bay-3",
        Sku = "sku-a",
        Polygon = ZonePolygon.Rectangle(0, 0, 1, 0.3),
        PlannedFacings = 6,
        MinFacings = 3,
    };

    private static ZoneReconcileInput Input(int facings, double empty, ZoneBaseline? baseline) => new()
    {
        CameraId = "cam-1",
        Zone = Zone,
        State = new ConfirmedZoneState(facings, 0, empty, T0),
        Depth = 1,
        Baseline = baseline,
        ModelVersion = "shelf-detector@test",
    };

    private static List<DiscrepancyEvent> Run(StockReconciler r, int facings, double empty, ZoneBaseline? baseline, int minute = 1)
    {
        var events = new List<DiscrepancyEvent>();
        r.ReconcileZone(Input(facings, empty, baseline), T0 + TimeSpan.FromMinutes(minute), events);
        return events;
    }

    private static StockReconciler NewReconciler() => new(new ReconcilerSettings(), "s042", "edge-01");

    [Fact]
    public void A_detector_that_sees_two_of_six_products_on_a_full_shelf_raises_nothing_once_the_zone_knows_it_full()
    {
        var baseline = new ZoneBaseline(2, 0.6, T0, BaselineSource.Commissioning);
        Assert.Empty(Run(NewReconciler(), 2, 0.6, baseline));

        // The same view judged against the planned facings alone (a zone never seen full): below minimum, as before.
        DiscrepancyEvent planned = Assert.Single(Run(NewReconciler(), 2, 0.6, baseline: null), e => e.Kind == DiscrepancyKind.BelowMinimum);
        Assert.Equal(Severity.Warning, planned.Severity);
    }

    [Fact]
    public void A_real_emptying_pages_against_the_baseline_below_minimum_then_out_of_stock()
    {
        var baseline = new ZoneBaseline(4, 0.3, T0, BaselineSource.Commissioning);
        StockReconciler r = NewReconciler();
        Assert.Empty(Run(r, 3, 0.4, baseline)); // one of four gone: about 4.5 of 6 left

        DiscrepancyEvent below = Assert.Single(Run(r, 1, 0.8, baseline, 2)); // about 1.5 of 6 left, minimum 3
        Assert.Equal(DiscrepancyKind.BelowMinimum, below.Kind);
        Assert.Equal(Severity.Warning, below.Severity);
        Assert.Contains("4 seen when full", below.Detail, StringComparison.Ordinal);

        List<DiscrepancyEvent> empty = Run(r, 0, 1, baseline, 3);
        Assert.Contains(empty, e => e.Kind == DiscrepancyKind.OutOfStock && e.Phase == DiscrepancyPhase.Start && e.Severity == Severity.Critical);
        Assert.Contains(empty, e => e.Kind == DiscrepancyKind.BelowMinimum && e.Phase == DiscrepancyPhase.End);
    }

    [Fact]
    public void A_gap_is_empty_width_that_appeared_not_a_stretch_the_detector_never_covered()
    {
        var baseline = new ZoneBaseline(5, 0.45, T0, BaselineSource.Commissioning);
        StockReconciler r = NewReconciler();
        // 55% uncovered where 45% was uncovered when full: nothing appeared.
        Assert.Empty(Run(r, 5, 0.55, baseline));

        DiscrepancyEvent gap = Assert.Single(Run(r, 4, 0.98, baseline, 2));
        Assert.Equal(DiscrepancyKind.Gap, gap.Kind);
        Assert.Equal(Severity.Warning, gap.Severity); // 53% of the width emptied
        Assert.Equal(0.98, gap.EmptyFraction);

        // Without a baseline the same uncovered width is recorded, but as information: the cloud does not page it.
        DiscrepancyEvent unverified = Assert.Single(Run(NewReconciler(), 5, 0.55, baseline: null));
        Assert.Equal(DiscrepancyKind.Gap, unverified.Kind);
        Assert.Equal(Severity.Info, unverified.Severity);
    }

    [Fact]
    public void The_first_confirmed_state_is_learned_at_commissioning_unless_that_is_switched_off()
    {
        var state = new ConfirmedZoneState(5, 0, 0.2, T0);
        ZoneBaseline? learned = ZoneBaselineRules.AfterConfirmed(null, previous: null, state, new BaselineSettings(), T0);
        Assert.Equal(new ZoneBaseline(5, 0.2, T0, BaselineSource.Commissioning), learned);

        Assert.Null(ZoneBaselineRules.AfterConfirmed(null, previous: null, state, new BaselineSettings { LearnAtCommissioning = false }, T0));
        // A zone whose state was kept from before (a restart of an older agent) is not assumed full.
        Assert.Null(ZoneBaselineRules.AfterConfirmed(null, previous: state, state with { Facings = 4 }, new BaselineSettings(), T0));
        // Nothing seen is no baseline to judge by.
        Assert.Null(ZoneBaselineRules.AfterConfirmed(null, previous: null, state with { Facings = 0, EmptyFraction = 1 }, new BaselineSettings(), T0));
    }

    [Fact]
    public void A_restock_seen_by_the_camera_refreshes_the_baseline_and_a_drop_keeps_it()
    {
        var settings = new BaselineSettings();
        var baseline = new ZoneBaseline(5, 0.2, T0, BaselineSource.Commissioning);
        var full = new ConfirmedZoneState(5, 0, 0.2, T0);
        var low = new ConfirmedZoneState(1, 0, 0.8, T0.AddMinutes(5));

        Assert.Same(baseline, ZoneBaselineRules.AfterConfirmed(baseline, full, low, settings, T0.AddMinutes(5)));

        var restocked = new ConfirmedZoneState(6, 0, 0.1, T0.AddMinutes(20));
        ZoneBaseline after = ZoneBaselineRules.AfterConfirmed(baseline, low, restocked, settings, T0.AddMinutes(20))!;
        Assert.Equal(new ZoneBaseline(6, 0.1, T0.AddMinutes(20), BaselineSource.Restock), after);

        // As many facings but much more empty width is not the zone full.
        Assert.Same(after, ZoneBaselineRules.AfterConfirmed(after, low, restocked with { EmptyFraction = 0.5 }, settings, T0.AddMinutes(30)));
    }

    [Fact]
    public void A_scanner_count_of_the_full_stock_makes_the_current_view_the_baseline_and_a_lower_count_does_not()
    {
        var baseline = new ZoneBaseline(5, 0.2, T0, BaselineSource.Commissioning);
        var seen = new ConfirmedZoneState(3, 0, 0.5, T0);
        Assert.Equal(new ZoneBaseline(3, 0.5, T0.AddHours(1), BaselineSource.Scanner), ZoneBaselineRules.AfterScannerCount(baseline, seen, 6, 6, T0.AddHours(1)));
        Assert.Same(baseline, ZoneBaselineRules.AfterScannerCount(baseline, seen, 4, 6, T0.AddHours(1)));
    }
}
