using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Evidence;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Reconciliation;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>A zone's confirmed values, as its snapshot and its gauges report them.</summary>
public readonly record struct ZoneGaugeValues(int Facings, int Units, double EmptyFraction);

/// <summary>
/// The cameras' zone states and the open discrepancies, and the one place they change: a frame's detections go
/// through the camera's <see cref="ZonePipeline"/> (count → smooth → reconcile), camera health through the
/// reconciler, an agreeing scanner count refines a zone's depth; each change is committed with its events in one
/// SQLite transaction. Under one lock, so the metrics, <c>/healthz</c> and the scanner intake never see half a
/// change; the evidence crops are encoded off it (<see cref="EvidenceWriter"/>).
/// </summary>
public sealed partial class ZoneStateKeeper
{
    private readonly Lock _gate = new();
    private readonly AgentSettings _settings;
    private readonly AgentStore _store;
    private readonly StockReconciler _reconciler;
    private readonly ZoneReferences _references;
    private readonly EvidenceWriter _evidence;
    private readonly Dictionary<(string Location, string Sku), (CameraRuntime Camera, int Zone)> _zonesByLocation = [];
    private readonly ILogger _log;
    private readonly ZoneFrameResult _frame = new();
    private readonly List<DiscrepancyEvent> _events = [];
    private readonly List<DiscrepancyEvent> _healthEvents = [];
    // Recorded after the events, in the same transaction: evidence photos, then the count snapshot.
    private readonly List<ContractMessage> _messages = [];
    private readonly List<StoredZoneState> _changedZones = [];
    private readonly List<Detection> _zoneBoxes = [];

    public ZoneStateKeeper(AgentSettings settings, AgentStore store, string modelVersion, IReadOnlyDictionary<int, string> classNames, IReadOnlyList<CameraCapture> captures,
        ExpectedStockKeeper expected, LatestScannerCounts scans, EvidenceWriter evidence, ILogger<ZoneStateKeeper> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(captures);
        _settings = settings;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
        _evidence = evidence ?? throw new ArgumentNullException(nameof(evidence));
        _references = new ZoneReferences(expected, scans);
        ModelVersion = modelVersion;
        _reconciler = new StockReconciler(settings.Reconciler, settings.StoreId, settings.DeviceId, store.LoadOpenDiscrepancies());

        CountingSettings counting = settings.CountingFor(classNames);
        TimeSpan healthInertia = TimeSpan.FromSeconds(settings.Reconciliation.CameraHealthInertiaSeconds);
        var cameras = new List<CameraRuntime>();
        for (int i = 0; i < settings.Cameras.Count; i++)
        {
            CameraSettings camera = settings.Cameras[i];
            var pipeline = new ZonePipeline(camera.Id, camera.Zones, counting, settings.Smoothing, _reconciler, modelVersion);
            var runtime = new CameraRuntime(camera, captures[i], pipeline, healthInertia);
            cameras.Add(runtime);
            for (int z = 0; z < runtime.Zones.Count; z++)
            {
                _zonesByLocation[(runtime.Zones[z].LocationId, runtime.Zones[z].Sku)] = (runtime, z);
            }

            if (store.LoadReference(runtime.Id) is { } reference)
            {
                runtime.View = new ViewChangeDetector(ViewSignature.FromBytes(reference), settings.Reconciliation.ViewChangeThreshold, settings.Reconciliation.ViewChangeFrames);
            }
        }

        Cameras = cameras;
        foreach (StoredZoneState s in store.LoadZoneStates())
        {
            cameras.Find(c => c.Id == s.CameraId)?.Pipeline.Restore(s.ZoneId, s.State, s.Depth, s.Baseline);
        }

        LogResumed(_log, _reconciler.Open.Count, store.DatabasePath);
    }

    public IReadOnlyList<CameraRuntime> Cameras { get; }

    public string ModelVersion { get; }

    public AgentMetrics? Metrics { get; set; }

    /// <summary>Counts, smooths and reconciles one camera's frame and its detections, and commits what changed.</summary>
    public void ProcessFrame(CameraRuntime camera, CapturedFrame frame, List<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(detections);
        DateTimeOffset now = frame.CapturedAt;
        ZoneCountSnapshot? snapshot = null;
        _events.Clear();
        _messages.Clear();
        try
        {
            lock (_gate)
            {
                camera.FramesProcessed++;
                if (!ViewStillMatches(camera, frame, now))
                {
                    return;
                }

                ZonePipeline pipeline = camera.Pipeline;
                pipeline.Process(detections, frame.Image.Width, frame.Image.Height, now, _references, _frame, frame.Image);
                foreach (ZoneEvent e in _frame.Events)
                {
                    _events.Add(e.Event);
                    CollectZoneBoxes(pipeline, e.Zone, frame, detections);
                    _evidence.Crop(e.Event, frame.Image, camera.Zones[e.Zone].Polygon, _zoneBoxes);
                }

                if (camera.LastSnapshotAt is not { } last || now - last >= _settings.SnapshotInterval)
                {
                    snapshot = Snapshot(camera, camera.LastSnapshotAt ?? pipeline.FirstObservationAt ?? now, now);
                    if (snapshot is not null)
                    {
                        camera.LastSnapshotAt = now;
                    }
                }
            }

            // Off the lock: the JPEG of each crop, whose hash the event carries.
            _evidence.Encode(_events, _messages);
            if (snapshot is not null)
            {
                _messages.Add(snapshot);
            }

            if (_frame.ChangedZones.Count > 0 || _events.Count > 0 || _messages.Count > 0)
            {
                lock (_gate)
                {
                    // The zone's depth as it is now: a scanner count may have refined it while the crops were encoded.
                    _changedZones.Clear();
                    foreach (int z in _frame.ChangedZones)
                    {
                        _changedZones.Add(new StoredZoneState(camera.Id, camera.Zones[z].Id, camera.Pipeline.Smoother.Confirmed(z)!.Value, camera.Pipeline.Depths[z], camera.Pipeline.Baselines[z]));
                    }

                    _store.Record(_changedZones, _events, null, _messages);
                }

                CountEvents(_events);
            }

            _evidence.WriteFiles(now);
        }
        finally
        {
            _evidence.Discard();
        }
    }

    /// <summary>Raises or ends camera-health discrepancies (offline, stalled, view changed) from the cameras' status.</summary>
    public void CheckCameraHealth(CameraStatusBoard cameras, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        lock (_gate)
        {
            _healthEvents.Clear();
            for (int i = 0; i < Cameras.Count; i++)
            {
                CameraRuntime camera = Cameras[i];
                CameraStatus status = cameras.Read(i);
                string? detail = status.ViewChanged
                    ? $"the view matches the reference frame at {camera.View!.LastSimilarity:0.00} (threshold {camera.View.Threshold:0.00}): moved or blocked; zones no longer line up"
                    : camera.Capture.LastError;
                CameraConditions conditions = camera.Health.Evaluate(status.WireState, camera.Capture.LastFailure == CaptureFailure.Stalled, status.ViewChanged, detail, now);
                _reconciler.ReconcileCamera(camera.Id, conditions, ModelVersion, now, _healthEvents);
            }

            if (_healthEvents.Count > 0)
            {
                _store.Record([], _healthEvents);
                CountEvents(_healthEvents);
            }
        }
    }

    /// <summary>Whether a zone of this device has this location and SKU.</summary>
    public bool HasZone(string locationId, string sku) => _zonesByLocation.ContainsKey((locationId, sku));

    /// <summary>
    /// Stores an accepted scanner count; when it agrees with the camera's confirmed facings, the zone's depth is
    /// refined in the same transaction. Returns what it came to, for the reply and the log.
    /// </summary>
    public string RecordScannerCount(ScannerCountRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            var zones = new List<StoredZoneState>();
            string detail = "stored";
            if (_zonesByLocation.TryGetValue((record.LocationId, record.Sku), out var zone) && zone.Camera.Pipeline.Smoother.Confirmed(zone.Zone) is { } state)
            {
                ZoneDefinition z = zone.Camera.Zones[zone.Zone];
                string? disagreement = ScannerAgreement.Disagreement(record.Quantity, state.Facings, _settings.Reconciler.ScannerFacingTolerance);
                ExpectedStockEntry? expected = _references.Expected(z.LocationId, z.Sku);
                if (disagreement is null && ScannerAgreement.ImpliedDepth(record.Quantity, state.Facings, expected?.Capacity ?? z.Capacity, z.PlannedFacings) is double depth)
                {
                    // A count of the full expected stock that agrees with the camera: what the camera sees now is the zone full.
                    ZoneBaseline?[] baselines = zone.Camera.Pipeline.Baselines;
                    ZoneBaseline? before = baselines[zone.Zone];
                    int expectedUnits = expected?.ExpectedUnits ?? (int)Math.Round(z.PlannedFacings * z.Depth, MidpointRounding.AwayFromZero);
                    baselines[zone.Zone] = ZoneBaselineRules.AfterScannerCount(before, state, record.Quantity, expectedUnits, record.CountedAt);
                    zone.Camera.Pipeline.Depths[zone.Zone] = depth;
                    zones.Add(new StoredZoneState(zone.Camera.Id, z.Id, state, depth, baselines[zone.Zone]));
                    detail = $"depth of zone {z.Id} set to {depth:0.##} units per facing"
                        + (baselines[zone.Zone] != before ? $"; {state.Facings} facings is the zone full (its baseline)" : "");
                }
                else if (disagreement is not null)
                {
                    detail = disagreement;
                }
            }

            _store.Record(zones, [], record);
            return detail;
        }
    }

    /// <summary>Fills <c>values[camera][zone]</c> (in <see cref="Cameras"/>' and their zones' order) with each zone's confirmed values, null before its first confirmed state.</summary>
    public void ReadZoneGauges(ZoneGaugeValues?[][] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        lock (_gate)
        {
            for (int c = 0; c < Cameras.Count; c++)
            {
                for (int z = 0; z < Cameras[c].Zones.Count; z++)
                {
                    values[c][z] = ConfirmedValues(Cameras[c].Pipeline, z);
                }
            }
        }
    }

    public IReadOnlyDictionary<string, int> OpenDiscrepancyCounts()
    {
        lock (_gate)
        {
            var counts = Enum.GetValues<DiscrepancyKind>().ToDictionary(static k => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(k.ToString()), static _ => 0);
            foreach (DiscrepancyEvent e in _reconciler.Open)
            {
                counts[System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(e.Kind.ToString())]++;
            }

            return counts;
        }
    }

    public int OpenDiscrepancyTotal
    {
        get
        {
            lock (_gate)
            {
                return _reconciler.Open.Count;
            }
        }
    }

    /// <summary>False while the view no longer matches the camera's reference: the zones no longer line up with the shelves, and counting would invent shortages.</summary>
    private bool ViewStillMatches(CameraRuntime camera, CapturedFrame frame, DateTimeOffset now)
    {
        if (camera.View is null)
        {
            // The first frame a camera ever delivers is its reference view.
            var signature = ViewSignature.Of(frame.Image);
            _store.SaveReference(camera.Id, signature.Pixels, now);
            camera.View = new ViewChangeDetector(signature, _settings.Reconciliation.ViewChangeThreshold, _settings.Reconciliation.ViewChangeFrames);
            LogReferenceSet(_log, camera.Id, frame.Image.Width, frame.Image.Height);
        }

        return !camera.View.Observe(frame.Image);
    }

    private void CollectZoneBoxes(ZonePipeline pipeline, int zone, CapturedFrame frame, List<Detection> detections)
    {
        _zoneBoxes.Clear();
        foreach (Detection d in detections)
        {
            if (pipeline.Counter.ZoneOf(d, frame.Image.Width, frame.Image.Height) == zone)
            {
                _zoneBoxes.Add(d);
            }
        }
    }

    private static List<ZoneCount> ZoneCounts(ZonePipeline pipeline)
    {
        var zones = new List<ZoneCount>();
        for (int z = 0; z < pipeline.Zones.Count; z++)
        {
            if (ConfirmedValues(pipeline, z) is { } v)
            {
                ZoneDefinition zone = pipeline.Zones[z];
                zones.Add(new ZoneCount
                {
                    ZoneId = zone.Id,
                    LocationId = zone.LocationId,
                    Sku = zone.Sku,
                    Facings = v.Facings,
                    Units = v.Units,
                    EmptyFraction = v.EmptyFraction,
                    Occluded = pipeline.Smoother.IsOccluded(z),
                });
            }
        }

        return zones;
    }

    /// <summary>A zone's confirmed facings, units (facings × depth) and empty fraction (3 decimals), as snapshots and gauges report them.</summary>
    private static ZoneGaugeValues? ConfirmedValues(ZonePipeline pipeline, int z) =>
        pipeline.Smoother.Confirmed(z) is { } s
            ? new ZoneGaugeValues(s.Facings, (int)Math.Round(s.Facings * pipeline.Depths[z], MidpointRounding.AwayFromZero), Math.Round(s.EmptyFraction, 3))
            : null;

    private ZoneCountSnapshot? Snapshot(CameraRuntime camera, DateTimeOffset windowStart, DateTimeOffset now)
    {
        List<ZoneCount> zones = ZoneCounts(camera.Pipeline);
        if (zones.Count == 0)
        {
            return null;
        }

        return new ZoneCountSnapshot
        {
            EventId = EventIds.NewId(),
            OccurredAt = now,
            StoreId = _settings.StoreId,
            DeviceId = _settings.DeviceId,
            ModelVersion = ModelVersion,
            CameraId = camera.Id,
            WindowStart = windowStart <= now ? windowStart : now,
            WindowEnd = now,
            Zones = zones,
        };
    }

    private void CountEvents(List<DiscrepancyEvent> events)
    {
        foreach (DiscrepancyEvent e in events)
        {
            Metrics?.DiscrepancyRaised(e);
        }
    }

    /// <summary>What the pipelines compare a zone with: the expected-stock book and the latest scanner counts.</summary>
    private sealed class ZoneReferences(ExpectedStockKeeper expected, LatestScannerCounts scans) : IZoneReferences
    {
        private readonly ExpectedStockKeeper _expected = expected ?? throw new ArgumentNullException(nameof(expected));
        private readonly LatestScannerCounts _scans = scans ?? throw new ArgumentNullException(nameof(scans));

        public ExpectedStockEntry? Expected(string locationId, string sku) => _expected.Find(locationId, sku);

        public ScannerCountRecord? LatestScan(string locationId, string sku) => _scans.Find(locationId, sku);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "state resumed: {OpenCount} open discrepancies from {Database}")]
    private static partial void LogResumed(ILogger logger, int openCount, string database);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "camera {CameraId}: reference view set from its first frame ({Width}x{Height})")]
    private static partial void LogReferenceSet(ILogger logger, string cameraId, int width, int height);
}
