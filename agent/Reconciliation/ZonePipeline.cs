using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;

namespace EdgeInventory.Reconciliation;

/// <summary>What a zone is compared with besides its own counts: the expected stock and the latest scanner count.</summary>
public interface IZoneReferences
{
    ExpectedStockEntry? Expected(string locationId, string sku);

    ScannerCountRecord? LatestScan(string locationId, string sku);
}

/// <summary>A discrepancy event and the index of the zone (in the pipeline's zone order) that raised it.</summary>
public readonly record struct ZoneEvent(int Zone, DiscrepancyEvent Event);

/// <summary>What one frame came to: the events raised, and the zones whose confirmed state changed.</summary>
public sealed class ZoneFrameResult
{
    public List<ZoneEvent> Events { get; } = [];

    /// <summary>Zones whose confirmed state changed with this frame (each has a confirmed state).</summary>
    public List<int> ChangedZones { get; } = [];

    public void Clear()
    {
        Events.Clear();
        ChangedZones.Clear();
    }
}

/// <summary>
/// One camera's zones from a frame's detections to discrepancy events: count → smooth → reconcile. Pure: no
/// I/O, no clock, no lock, no files; the caller passes the frame's time and keeps the results (the agent stores
/// them, a ground-truth harness scores them). The <see cref="StockReconciler"/> may be shared by several cameras'
/// pipelines; then the caller serialises their calls. Allocates nothing per frame beyond the events it raises.
/// </summary>
public sealed class ZonePipeline
{
    private readonly ZoneObservation[] _observations;
    private readonly bool[] _changed;
    private readonly ConfirmedZoneState?[] _lastConfirmed;
    private readonly BaselineSettings _baseline;
    private readonly StockReconciler _reconciler;
    // Reused for every frame: the reconciler appends to a list of events.
    private readonly List<DiscrepancyEvent> _reconcilerEvents = [];

    public ZonePipeline(string cameraId, IReadOnlyList<ZoneDefinition> zones, CountingSettings counting, SmoothingSettings smoothing, StockReconciler reconciler, string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(zones);
        CameraId = Identifiers.Require(cameraId, "camera id");
        Zones = zones;
        Counter = new ZoneCounter(zones, counting);
        Smoother = new ZoneSmoother(zones, smoothing);
        _reconciler = reconciler ?? throw new ArgumentNullException(nameof(reconciler));
        ModelVersion = modelVersion ?? throw new ArgumentNullException(nameof(modelVersion));
        Depths = [.. zones.Select(static z => z.Depth)];
        _observations = new ZoneObservation[zones.Count];
        _changed = new bool[zones.Count];
        _lastConfirmed = new ConfirmedZoneState?[zones.Count];
        Baselines = new ZoneBaseline?[zones.Count];
        _baseline = reconciler.Settings.Baseline;
    }

    public string CameraId { get; }

    public IReadOnlyList<ZoneDefinition> Zones { get; }

    public string ModelVersion { get; }

    public ZoneCounter Counter { get; }

    /// <summary>Each zone's observation of the latest frame, before smoothing (for tools that trace it).</summary>
    public ReadOnlySpan<ZoneObservation> Observations => _observations;

    public ZoneSmoother Smoother { get; }

    /// <summary>Units per facing of each zone: the zone's own, refined by agreeing scanner counts.</summary>
    public double[] Depths { get; }

    /// <summary>
    /// What each zone looked like when last known full (null: never seen full, planned facings decide): learned
    /// from its first confirmed state and from restocks here (<see cref="ZoneBaselineRules"/>), or set from a
    /// full scanner count by the caller. Stored by the caller with the zone's state.
    /// </summary>
    public ZoneBaseline?[] Baselines { get; }

    /// <summary>The time of the first frame counted, null before it.</summary>
    public DateTimeOffset? FirstObservationAt { get; private set; }

    /// <summary>Counts, smooths and reconciles one frame; <paramref name="result"/> is cleared and filled.</summary>
    /// <param name="references">Expected stock and scanner counts; null compares with the planogram zones alone.</param>
    /// <param name="frame">The frame the detections came from, for the zones' bare-shelf pixels; null: the detector alone decides.</param>
    public void Process(IReadOnlyList<Detection> detections, int frameWidth, int frameHeight, DateTimeOffset at, IZoneReferences? references, ZoneFrameResult result, BgrImage? frame = null)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(result);
        result.Clear();
        FirstObservationAt ??= at;
        Counter.Observe(detections, frameWidth, frameHeight, _observations, frame);
        Smoother.Update(_observations, at, _changed);
        for (int z = 0; z < Zones.Count; z++)
        {
            if (Smoother.Confirmed(z) is not { } state)
            {
                continue;
            }

            if (_changed[z])
            {
                Baselines[z] = ZoneBaselineRules.AfterConfirmed(Baselines[z], _lastConfirmed[z], state, Zones[z].PlannedFacings, _baseline, at);
                _lastConfirmed[z] = state;
                result.ChangedZones.Add(z);
            }

            int before = _reconcilerEvents.Count;
            _reconciler.ReconcileZone(Input(z, state, references), at, _reconcilerEvents);
            for (int i = before; i < _reconcilerEvents.Count; i++)
            {
                result.Events.Add(new ZoneEvent(z, _reconcilerEvents[i]));
            }
        }

        _reconcilerEvents.Clear();
    }

    /// <summary>Puts back a zone's stored confirmed state, depth and baseline after a restart; false for a zone this camera no longer has.</summary>
    public bool Restore(string zoneId, ConfirmedZoneState state, double depth, ZoneBaseline? baseline = null)
    {
        int z = IndexOf(zoneId);
        if (z < 0)
        {
            return false;
        }

        Smoother.Restore(z, state);
        Depths[z] = depth;
        _lastConfirmed[z] = state;
        Baselines[z] = baseline;
        return true;
    }

    /// <summary>The index of the zone named <paramref name="zoneId"/>, or -1.</summary>
    public int IndexOf(string zoneId)
    {
        for (int z = 0; z < Zones.Count; z++)
        {
            if (Zones[z].Id == zoneId)
            {
                return z;
            }
        }

        return -1;
    }

    private ZoneReconcileInput Input(int z, ConfirmedZoneState state, IZoneReferences? references)
    {
        ZoneDefinition zone = Zones[z];
        return new ZoneReconcileInput
        {
            CameraId = CameraId,
            Zone = zone,
            State = state,
            Depth = Depths[z],
            Expected = references?.Expected(zone.LocationId, zone.Sku),
            LatestScan = references?.LatestScan(zone.LocationId, zone.Sku),
            Baseline = Baselines[z],
            ModelVersion = ModelVersion,
        };
    }
}
