using System.Globalization;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;

namespace EdgeInventory.Reconciliation;

/// <summary>Identifies one open discrepancy: at most one per camera, zone and kind is open at a time.</summary>
public readonly record struct DiscrepancyKey(string CameraId, string? ZoneId, DiscrepancyKind Kind)
{
    public static DiscrepancyKey Of(DiscrepancyEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.CameraId, e.ZoneId, e.Kind);
    }
}

/// <summary>Everything the reconciler needs about one zone at one moment.</summary>
public sealed record ZoneReconcileInput
{
    public required string CameraId { get; init; }

    public required ZoneDefinition Zone { get; init; }

    public required ConfirmedZoneState State { get; init; }

    /// <summary>Units per facing (the zone's, refined by scanner counts).</summary>
    public required double Depth { get; init; }

    public ExpectedStockEntry? Expected { get; init; }

    public ScannerCountRecord? LatestScan { get; init; }

    /// <summary>What the detector reported when the zone was known full; null for a zone never seen full (planned facings decide).</summary>
    public ZoneBaseline? Baseline { get; init; }

    public required string ModelVersion { get; init; }
}

/// <summary>What a camera's health looks like now (each condition already held for its inertia).</summary>
public readonly record struct CameraConditions(bool Offline, bool Stalled, bool ViewChanged, string? Detail);

/// <summary>
/// Compares confirmed zone states with expected stock and scanner counts and turns the differences
/// into discrepancy events with a lifecycle: <c>start</c> when a condition first holds, <c>update</c>
/// when its values change materially, <c>end</c> when it no longer holds. A condition that keeps
/// holding raises nothing more, across restarts too: the open discrepancies are handed back to the
/// constructor. Shelf availability is one condition at a time per zone (out of stock over below
/// minimum over gap); over capacity, unexpected product and camera/scanner disagreement stand apart.
/// Not thread-safe; the caller persists every returned event with the state change it records.
/// </summary>
public sealed class StockReconciler
{
    private readonly ReconcilerSettings _settings;
    private readonly string _storeId;
    private readonly string _deviceId;
    private readonly EventIdGenerator _ids;
    private readonly Dictionary<DiscrepancyKey, DiscrepancyEvent> _open = [];

    public StockReconciler(ReconcilerSettings settings, string storeId, string deviceId, IEnumerable<DiscrepancyEvent>? open = null, EventIdGenerator? ids = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string? problem = settings.Check();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(settings));
        }

        _settings = settings;
        _storeId = Identifiers.Require(storeId, "store id");
        _deviceId = Identifiers.Require(deviceId, "device id");
        _ids = ids ?? EventIdGenerator.Shared;
        foreach (DiscrepancyEvent e in open ?? [])
        {
            _open[DiscrepancyKey.Of(e)] = e;
        }
    }

    public ReconcilerSettings Settings => _settings;

    /// <summary>The latest event of every open discrepancy.</summary>
    public IReadOnlyCollection<DiscrepancyEvent> Open => _open.Values;

    public bool IsOpen(DiscrepancyKey key) => _open.ContainsKey(key);

    /// <summary>Reconciles one zone; appends the events it raises to <paramref name="events"/>.</summary>
    public void ReconcileZone(ZoneReconcileInput input, DateTimeOffset now, List<DiscrepancyEvent> events)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(events);
        ZoneDefinition zone = input.Zone;
        ConfirmedZoneState state = input.State;
        int facings = state.Facings;
        int units = (int)Math.Round(facings * input.Depth, MidpointRounding.AwayFromZero);
        int expectedUnits = input.Expected?.ExpectedUnits ?? (int)Math.Round(zone.PlannedFacings * zone.Depth, MidpointRounding.AwayFromZero);
        int minFacings = input.Expected?.MinFacings ?? zone.MinFacings;
        int? capacity = input.Expected?.Capacity ?? zone.Capacity;
        var values = new Observed(units, expectedUnits, facings, zone.PlannedFacings, state.EmptyFraction);

        // Shelf availability: the most severe condition that holds, and only that one.
        Desired? availability = expectedUnits > 0 ? Availability(zone, state, input.Baseline, minFacings, units, expectedUnits) : null;

        foreach (DiscrepancyKind kind in AvailabilityKinds)
        {
            Apply(input, kind, availability?.Kind == kind ? availability : null, values, now, events);
        }

        Desired? over = capacity is int cap && units > cap
            ? new(DiscrepancyKind.OverCapacity, Severity.Info, $"{units} units where the zone holds {cap}")
            : null;
        Apply(input, DiscrepancyKind.OverCapacity, over, values, now, events);

        Desired? foreign = state.ForeignFacings > 0
            ? new(DiscrepancyKind.UnexpectedProduct, Severity.Warning, $"{state.ForeignFacings} facings of another SKU than {zone.Sku}")
            : null;
        Apply(input, DiscrepancyKind.UnexpectedProduct, foreign, values, now, events);

        Desired? disagreement = null;
        if (input.LatestScan is { } scan && now - scan.CountedAt <= _settings.ScannerFreshness)
        {
            string? reason = ScannerAgreement.Disagreement(scan.Quantity, facings, _settings.ScannerFacingTolerance);
            if (reason is not null)
            {
                disagreement = new(DiscrepancyKind.CameraScannerDisagreement, Severity.Warning, $"{reason} (scanner {scan.ScannerId})");
                values = values with { ExpectedUnits = scan.Quantity };
            }
        }

        Apply(input, DiscrepancyKind.CameraScannerDisagreement, disagreement, values, now, events);
    }

    /// <summary>
    /// Out of stock ▸ below minimum ▸ gap. With a baseline, shortages are what has gone since the zone was seen
    /// full: the facings left are the planned ones scaled by what the detector sees now against what it saw then
    /// (a detector that finds 2 of 6 products finds 2 when the zone is full, and that is no shortage), and a gap
    /// is empty width that appeared since (a stretch it never covered is none). Where the zone's pixels were read
    /// then and now, they are a second witness that does not share the detector's mistakes (boxes found on bare
    /// shelf, products lost beside it): the share left and the width emptied are the mean of what the detector
    /// and the pixels say; no product seen is out of stock only when the pixels agree the width went bare, and one box
    /// seen is out of stock too where they say nearly all of it did.
    /// Without a baseline (a zone never seen full) the planned facings decide, and an uncovered stretch is
    /// information only: nothing tells it from products the detector misses.
    /// </summary>
    private Desired? Availability(ZoneDefinition zone, ConfirmedZoneState state, ZoneBaseline? baseline, int minFacings, int units, int expectedUnits)
    {
        int facings = state.Facings;
        // Share of the width that was not bare when full and is bare now; null where the pixels were not read, or
        // where the zone looked bare even when full (plain packaging, a blank frame): then they witness nothing.
        double? wentBare = baseline is null || double.IsNaN(state.BareFraction) || double.IsNaN(baseline.BareFraction)
            || 1 - baseline.BareFraction < MinTexturedShareWhenFull
            ? null
            : Math.Clamp((state.BareFraction - baseline.BareFraction) / (1 - baseline.BareFraction), 0, 1);
        if (baseline is { Facings: <= 0 })
        {
            // The detector has found none of this zone's products since it was known full: what it sees says
            // nothing about stock. The pixels, where they saw the zone textured when full, judge alone; without them
            // it is recorded (a model or zone to fix), never paged.
            if (wentBare is double blindGone)
            {
                return ByPixelsAlone(zone, blindGone, minFacings, units, expectedUnits, baseline);
            }

            return facings == 0
                ? new(DiscrepancyKind.OutOfStock, Severity.Info, $"no product seen, and none was when the zone was known full ({Camel(baseline.Source)}): the detector does not find this zone's products; {expectedUnits} units expected")
                : null;
        }

        string seenFull = baseline is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" ({baseline.Facings} seen when full, {Camel(baseline.Source)} {baseline.LearnedAt:yyyy-MM-dd HH:mm}Z)");
        string pixels = wentBare is double b ? string.Create(CultureInfo.InvariantCulture, $"; the pixels show {b:P0} of the width gone bare") : "";
        if (facings == 0 && (wentBare is null || wentBare >= _settings.OutOfStockBareShare))
        {
            return new(DiscrepancyKind.OutOfStock, Severity.Critical, $"no product seen{seenFull}{pixels}; {expectedUnits} units expected");
        }

        if (facings == 1 && baseline is { Facings: >= MinFacingsForLoneBox } && wentBare >= _settings.LoneBoxBareShare)
        {
            return new(DiscrepancyKind.OutOfStock, Severity.Critical,
                $"one box seen{seenFull}{pixels}: taken for the detector's mistake on bare shelf; {expectedUnits} units expected");
        }

        double left = baseline is null ? facings
            : wentBare is double gone ? zone.PlannedFacings * (Math.Min(1.0, (double)facings / baseline.Facings) + (1 - gone)) / 2
            : (double)facings * zone.PlannedFacings / baseline.Facings;
        if (left < minFacings - 1e-9)
        {
            return new(DiscrepancyKind.BelowMinimum, Severity.Warning, baseline is null
                ? $"{facings} facings, minimum {minFacings}; {units} of {expectedUnits} units"
                : string.Create(CultureInfo.InvariantCulture, $"{facings} facings seen{seenFull}{pixels}: about {left:0.#} of {zone.PlannedFacings} planned left, minimum {minFacings}; {units} of {expectedUnits} units"));
        }

        double emptied = baseline is null ? state.EmptyFraction
            : wentBare is double bare ? ((state.EmptyFraction - baseline.EmptyFraction) + bare) / 2
            : state.EmptyFraction - baseline.EmptyFraction;
        if (emptied >= _settings.GapThreshold)
        {
            if (baseline is null)
            {
                return new(DiscrepancyKind.Gap, Severity.Info, string.Create(CultureInfo.InvariantCulture,
                    $"{state.EmptyFraction:P0} of the shelf width is empty or not covered by a detected product (the zone was never seen full: not paged)"));
            }

            Severity severity = emptied >= _settings.GapWarningThreshold ? Severity.Warning : Severity.Info;
            return new(DiscrepancyKind.Gap, severity, string.Create(CultureInfo.InvariantCulture,
                $"{emptied:P0} of the shelf width emptied since it was seen full ({state.EmptyFraction:P0} empty now, {baseline.EmptyFraction:P0} then{pixels})"));
        }

        return null;
    }

    /// <summary>A zone whose products the detector never finds, judged by its pixels alone: what went bare since it was full.</summary>
    private Desired? ByPixelsAlone(ZoneDefinition zone, double gone, int minFacings, int units, int expectedUnits, ZoneBaseline baseline)
    {
        string why = string.Create(CultureInfo.InvariantCulture,
            $"the detector does not find this zone's products ({Camel(baseline.Source)}); the pixels show {gone:P0} of the width gone bare");
        if (gone >= _settings.OutOfStockBareShare)
        {
            return new(DiscrepancyKind.OutOfStock, Severity.Critical, $"{why}; {expectedUnits} units expected");
        }

        double left = zone.PlannedFacings * (1 - gone);
        if (left < minFacings - 1e-9)
        {
            return new(DiscrepancyKind.BelowMinimum, Severity.Warning, string.Create(CultureInfo.InvariantCulture,
                $"{why}: about {left:0.#} of {zone.PlannedFacings} planned left, minimum {minFacings}; {units} of {expectedUnits} units"));
        }

        return gone >= _settings.GapThreshold
            ? new(DiscrepancyKind.Gap, gone >= _settings.GapWarningThreshold ? Severity.Warning : Severity.Info, why)
            : null;
    }

    /// <summary>A lone box is taken for a false one only where the zone showed at least this many when full (one of two is half the width).</summary>
    private const int MinFacingsForLoneBox = 3;

    /// <summary>Below this share of textured width when full, a zone's pixels say nothing about what has gone.</summary>
    private const double MinTexturedShareWhenFull = 0.25;

    private static string Camel(BaselineSource source) => source switch
    {
        BaselineSource.Commissioning => "commissioning",
        BaselineSource.Restock => "restock",
        _ => "scanner count",
    };

    /// <summary>Reconciles a camera's health: offline, stalled and view-changed discrepancies.</summary>
    public void ReconcileCamera(string cameraId, CameraConditions conditions, string modelVersion, DateTimeOffset now, List<DiscrepancyEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        // An offline camera is not also "stalled": the more severe condition says it all.
        Desired? offline = conditions.Offline ? new(DiscrepancyKind.CameraOffline, Severity.Critical, conditions.Detail ?? "no frames") : null;
        Desired? stalled = !conditions.Offline && conditions.Stalled ? new(DiscrepancyKind.CameraStalled, Severity.Warning, conditions.Detail ?? "frames stopped") : null;
        Desired? view = conditions.ViewChanged ? new(DiscrepancyKind.ViewChanged, Severity.Warning, conditions.Detail ?? "the view no longer matches the reference frame") : null;
        ApplyCamera(cameraId, DiscrepancyKind.CameraOffline, offline, modelVersion, now, events);
        ApplyCamera(cameraId, DiscrepancyKind.CameraStalled, stalled, modelVersion, now, events);
        ApplyCamera(cameraId, DiscrepancyKind.ViewChanged, view, modelVersion, now, events);
    }

    private static readonly DiscrepancyKind[] AvailabilityKinds = [DiscrepancyKind.OutOfStock, DiscrepancyKind.BelowMinimum, DiscrepancyKind.Gap];

    private readonly record struct Desired(DiscrepancyKind Kind, Severity Severity, string Detail);

    private readonly record struct Observed(int Units, int ExpectedUnits, int Facings, int PlannedFacings, double EmptyFraction);

    private void Apply(ZoneReconcileInput input, DiscrepancyKind kind, Desired? desired, Observed values, DateTimeOffset now, List<DiscrepancyEvent> events)
    {
        var key = new DiscrepancyKey(input.CameraId, input.Zone.Id, kind);
        _open.TryGetValue(key, out DiscrepancyEvent? open);
        if (desired is { } d)
        {
            if (open is null)
            {
                // The condition began when the confirmed state began, not when inertia let it through.
                DateTimeOffset started = input.State.Since <= now ? input.State.Since : now;
                Emit(key, ZoneEvent(input, d, values, DiscrepancyPhase.Start, EventIds(), started, null, now), events);
            }
            else if (MateriallyChanged(open, d, values))
            {
                Emit(key, ZoneEvent(input, d, values, DiscrepancyPhase.Update, open.DiscrepancyId, open.StartedAt, null, now), events);
            }
        }
        else if (open is not null)
        {
            var end = new Desired(kind, open.Severity, "back to normal: " + Describe(values));
            Emit(key, ZoneEvent(input, end, values, DiscrepancyPhase.End, open.DiscrepancyId, open.StartedAt, now, now), events);
        }
    }

    private void ApplyCamera(string cameraId, DiscrepancyKind kind, Desired? desired, string modelVersion, DateTimeOffset now, List<DiscrepancyEvent> events)
    {
        var key = new DiscrepancyKey(cameraId, null, kind);
        _open.TryGetValue(key, out DiscrepancyEvent? open);
        if (desired is { } d && open is null)
        {
            Emit(key, CameraEvent(cameraId, d, DiscrepancyPhase.Start, EventIds(), now, null, modelVersion, now), events);
        }
        else if (desired is null && open is not null)
        {
            Emit(key, CameraEvent(cameraId, new Desired(kind, open.Severity, "recovered"), DiscrepancyPhase.End, open.DiscrepancyId, open.StartedAt, now, modelVersion, now), events);
        }
    }

    private Guid EventIds() => _ids.NewId();

    private void Emit(DiscrepancyKey key, DiscrepancyEvent e, List<DiscrepancyEvent> events)
    {
        if (e.Phase == DiscrepancyPhase.End)
        {
            _open.Remove(key);
        }
        else
        {
            _open[key] = e;
        }

        events.Add(e);
    }

    private bool MateriallyChanged(DiscrepancyEvent open, Desired d, Observed v) =>
        open.Severity != d.Severity
        || open.ObservedFacings != v.Facings
        || open.ObservedUnits != v.Units
        || open.ExpectedUnits != v.ExpectedUnits
        || Math.Abs((open.EmptyFraction ?? 0) - v.EmptyFraction) >= _settings.EmptyFractionUpdateStep;

    private static string Describe(Observed v) =>
        string.Create(CultureInfo.InvariantCulture, $"{v.Facings} facings, {v.Units} of {v.ExpectedUnits} units, {v.EmptyFraction:P0} empty");

    private DiscrepancyEvent ZoneEvent(ZoneReconcileInput input, Desired d, Observed v, DiscrepancyPhase phase, Guid discrepancyId, DateTimeOffset startedAt, DateTimeOffset? endedAt, DateTimeOffset now) => new()
    {
        EventId = _ids.NewId(),
        OccurredAt = now,
        StoreId = _storeId,
        DeviceId = _deviceId,
        ModelVersion = input.ModelVersion,
        DiscrepancyId = discrepancyId,
        Phase = phase,
        Kind = d.Kind,
        Severity = d.Severity,
        CameraId = input.CameraId,
        ZoneId = input.Zone.Id,
        LocationId = input.Zone.LocationId,
        Sku = input.Zone.Sku,
        ObservedUnits = v.Units,
        ExpectedUnits = v.ExpectedUnits,
        ObservedFacings = v.Facings,
        PlannedFacings = v.PlannedFacings,
        EmptyFraction = Math.Round(v.EmptyFraction, 3),
        StartedAt = startedAt,
        EndedAt = endedAt,
        Detail = d.Detail.Length > 500 ? d.Detail[..500] : d.Detail,
    };

    private DiscrepancyEvent CameraEvent(string cameraId, Desired d, DiscrepancyPhase phase, Guid discrepancyId, DateTimeOffset startedAt, DateTimeOffset? endedAt, string modelVersion, DateTimeOffset now) => new()
    {
        EventId = _ids.NewId(),
        OccurredAt = now,
        StoreId = _storeId,
        DeviceId = _deviceId,
        ModelVersion = modelVersion,
        DiscrepancyId = discrepancyId,
        Phase = phase,
        Kind = d.Kind,
        Severity = d.Severity,
        CameraId = cameraId,
        StartedAt = startedAt,
        EndedAt = endedAt,
        Detail = d.Detail.Length > 500 ? d.Detail[..500] : d.Detail,
    };
}
