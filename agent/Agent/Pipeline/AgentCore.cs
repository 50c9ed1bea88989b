using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;
using EdgeInventory.Vision.Yolo;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>A zone's confirmed values, as its snapshot and its gauges report them.</summary>
public readonly record struct ZoneGaugeValues(int Facings, int Units, double EmptyFraction);

/// <summary>What a scanner post came to.</summary>
public enum ScannerCountOutcome
{
    Accepted,
    Duplicate,
    Rejected,

    /// <summary>Its <c>countedAt</c> lies beyond the clock-skew allowance ahead of this agent's clock: refused, nothing stored.</summary>
    FutureDated,
}

/// <summary>
/// The agent's state and the one place it changes: frames (after detection) go through counting,
/// smoothing and reconciliation here; scanner counts and camera health are applied here; every change is
/// persisted with its events in one SQLite transaction. All of it runs under one lock, so the detector
/// loop and the HTTP endpoint never see half a change.
/// </summary>
public sealed partial class AgentCore : IDisposable
{
    private readonly Lock _gate = new();
    private readonly AgentSettings _settings;
    private readonly AgentStore _store;
    private readonly StockReconciler _reconciler;
    private readonly ExpectedStockBook _expected = new();
    private readonly Dictionary<(string Location, string Sku), ScannerCountRecord> _latestScans = [];
    private readonly Dictionary<(string Location, string Sku), (CameraRuntime Camera, int Zone)> _zonesByLocation = [];
    private readonly EvidenceStore _evidence;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly List<DiscrepancyEvent> _events = [];
    // Recorded after the events, in the same transaction: evidence photos, then the count snapshot.
    private readonly List<ContractMessage> _messages = [];
    private readonly List<StoredZoneState> _changedZones = [];
    private readonly List<Detection> _zoneBoxes = [];
    private DateTimeOffset _lastPrune;

    public AgentCore(AgentSettings settings, AgentStore store, string modelVersion, IReadOnlyDictionary<int, string> classNames, IReadOnlyList<CameraCapture> captures, ILogger<AgentCore> logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(captures);
        _settings = settings;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
        _clock = clock ?? TimeProvider.System;
        ModelVersion = modelVersion;
        _expected.ReplaceAll(settings.ExpectedStock);
        RestoreExpectedStock(settings, store);
        _evidence = new EvidenceStore(Path.Combine(settings.StateDirectory, "evidence"), settings.Evidence, _clock);
        _reconciler = new StockReconciler(settings.Reconciler, settings.StoreId, settings.DeviceId, store.LoadOpenDiscrepancies());

        CountingSettings counting = CountingSettings.FromClassNames(classNames, settings.Model.ClassesAreSkus);
        TimeSpan healthInertia = TimeSpan.FromSeconds(settings.Reconciliation.CameraHealthInertiaSeconds);
        var cameras = new List<CameraRuntime>();
        for (int i = 0; i < settings.Cameras.Count; i++)
        {
            var runtime = new CameraRuntime(settings.Cameras[i], captures[i], counting, settings.Smoothing, healthInertia);
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
            CameraRuntime? cam = cameras.Find(c => c.Id == s.CameraId);
            int z = cam is null ? -1 : IndexOfZone(cam, s.ZoneId);
            if (cam is not null && z >= 0)
            {
                cam.Smoother.Restore(z, s.State);
                cam.Depths[z] = s.Depth;
                cam.LastConfirmed[z] = s.State;
                cam.Baselines[z] = s.Baseline;
            }
        }

        foreach (ScannerCountRecord scan in store.LoadLatestScannerCounts())
        {
            _latestScans[(scan.LocationId, scan.Sku)] = scan;
        }

        // The loop gets the same grace as a stalled one (30 s) to go round for the first time.
        LastLoopAt = _clock.GetUtcNow();
        LogResumed(_log, _reconciler.Open.Count, store.DatabasePath);
    }

    public IReadOnlyList<CameraRuntime> Cameras { get; }

    public string ModelVersion { get; }

    public AgentMetrics? Metrics { get; set; }

    public AgentStore Store => _store;

    public string EvidenceFolder => _evidence.Folder;

    /// <summary>When the detection loop last went round (for /healthz).</summary>
    public DateTimeOffset LastLoopAt { get; set; }

    /// <summary>Counts, smooths and reconciles one camera's frame and its detections.</summary>
    public void ProcessFrame(CameraRuntime camera, CapturedFrame frame, List<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(detections);
        DateTimeOffset now = frame.CapturedAt;
        lock (_gate)
        {
            camera.FramesProcessed++;
            if (camera.View is null)
            {
                // The first frame a camera ever delivers is its reference view.
                var signature = ViewSignature.Of(frame.Image);
                _store.SaveReference(camera.Id, signature.Pixels, now);
                camera.View = new ViewChangeDetector(signature, _settings.Reconciliation.ViewChangeThreshold, _settings.Reconciliation.ViewChangeFrames);
                LogReferenceSet(_log, camera.Id, frame.Image.Width, frame.Image.Height);
            }

            if (camera.View.Observe(frame.Image))
            {
                // The zones no longer line up with the shelves: counting would invent shortages.
                return;
            }

            camera.FirstObservationAt ??= now;
            camera.Counter.Observe(detections, frame.Image.Width, frame.Image.Height, camera.Observations);
            camera.Smoother.Update(camera.Observations, now, camera.Changed);

            _events.Clear();
            _changedZones.Clear();
            _messages.Clear();
            for (int z = 0; z < camera.Zones.Count; z++)
            {
                if (camera.Smoother.Confirmed(z) is not { } state)
                {
                    continue;
                }

                if (camera.Changed[z])
                {
                    camera.Baselines[z] = ZoneBaselineRules.AfterConfirmed(camera.Baselines[z], camera.LastConfirmed[z], state, _settings.Reconciler.Baseline, now);
                    camera.LastConfirmed[z] = state;
                    _changedZones.Add(new StoredZoneState(camera.Id, camera.Zones[z].Id, state, camera.Depths[z], camera.Baselines[z]));
                }

                int before = _events.Count;
                _reconciler.ReconcileZone(ZoneInput(camera, z, state), now, _events);
                for (int i = before; i < _events.Count; i++)
                {
                    _events[i] = WithEvidence(_events[i], camera, z, frame, detections);
                }
            }

            if (camera.LastSnapshotAt is not { } last || now - last >= _settings.SnapshotInterval)
            {
                if (Snapshot(camera, camera.LastSnapshotAt ?? camera.FirstObservationAt ?? now, now) is { } s)
                {
                    _messages.Add(s);
                    camera.LastSnapshotAt = now;
                }
            }

            if (_changedZones.Count > 0 || _events.Count > 0 || _messages.Count > 0)
            {
                _store.Record(_changedZones, _events, null, _messages);
                CountEvents(_events);
            }

            PruneEvidence(now);
        }
    }

    /// <summary>Raises or ends camera-health discrepancies (offline, stalled, view changed) from the captures' states.</summary>
    public void CheckCameraHealth(DateTimeOffset now)
    {
        lock (_gate)
        {
            _events.Clear();
            foreach (CameraRuntime camera in Cameras)
            {
                CameraCapture capture = camera.Capture;
                bool viewChanged = camera.View?.Changed ?? false;
                string? detail = viewChanged
                    ? $"the view matches the reference frame at {camera.View!.LastSimilarity:0.00} (threshold {camera.View.Threshold:0.00}): moved or blocked; zones no longer line up"
                    : capture.LastError;
                CameraConditions conditions = camera.Health.Evaluate(capture.State, capture.LastFailure == CaptureFailure.Stalled, viewChanged, detail, now);
                _reconciler.ReconcileCamera(camera.Id, conditions, ModelVersion, now, _events);
            }

            if (_events.Count > 0)
            {
                _store.Record([], _events);
                CountEvents(_events);
            }
        }
    }

    /// <summary>Applies an authoritative handheld count: stored, the zone's depth refined when the count agrees with the camera.</summary>
    public (ScannerCountOutcome Outcome, string Detail) AcceptScannerCount(ScannerCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        lock (_gate)
        {
            if (count.StoreId != _settings.StoreId)
            {
                return (ScannerCountOutcome.Rejected, $"storeId '{count.StoreId}' is not this agent's store '{_settings.StoreId}'");
            }

            // A count from the future would stay the location's newest for years and jam its reconciliation (issue 15).
            DateTimeOffset now = _clock.GetUtcNow();
            TimeSpan allowance = TimeSpan.FromSeconds(_settings.Reconciliation.ScannerClockSkewSeconds);
            if (count.CountedAt - now > allowance)
            {
                return (ScannerCountOutcome.FutureDated,
                    $"countedAt {count.CountedAt:O} is {(count.CountedAt - now).TotalSeconds:0} s ahead of this agent's clock ({now:O}); at most {allowance.TotalSeconds:0} s (Reconciliation:ScannerClockSkewSeconds) is allowed");
            }

            bool hasZone = _zonesByLocation.TryGetValue((count.LocationId, count.Sku), out var zone);
            if (!hasZone && _expected.Find(count.LocationId, count.Sku) is null)
            {
                return (ScannerCountOutcome.Rejected, $"unknown location '{count.LocationId}' with SKU '{count.Sku}': no zone or expected stock names it");
            }

            if (_store.HasScannerCount(count.EventId))
            {
                return (ScannerCountOutcome.Duplicate, $"event {count.EventId} was already accepted");
            }

            var record = new ScannerCountRecord(count.LocationId, count.Sku, count.Quantity, count.CountedAt, count.DeviceId, count.EventId);
            var zones = new List<StoredZoneState>();
            string detail = "stored";
            if (hasZone && zone.Camera.Smoother.Confirmed(zone.Zone) is { } state)
            {
                ZoneDefinition z = zone.Camera.Zones[zone.Zone];
                string? disagreement = ScannerAgreement.Disagreement(count.Quantity, state.Facings, _settings.Reconciler.ScannerFacingTolerance);
                ExpectedStockEntry? expected = _expected.Find(z.LocationId, z.Sku);
                if (disagreement is null && ScannerAgreement.ImpliedDepth(count.Quantity, state.Facings, expected?.Capacity ?? z.Capacity, z.PlannedFacings) is double depth)
                {
                    // A count of the full expected stock that agrees with the camera: what the camera sees now is the zone full.
                    int expectedUnits = expected?.ExpectedUnits ?? (int)Math.Round(z.PlannedFacings * z.Depth, MidpointRounding.AwayFromZero);
                    ZoneBaseline? before = zone.Camera.Baselines[zone.Zone];
                    zone.Camera.Baselines[zone.Zone] = ZoneBaselineRules.AfterScannerCount(before, state, count.Quantity, expectedUnits, now);
                    zone.Camera.Depths[zone.Zone] = depth;
                    zones.Add(new StoredZoneState(zone.Camera.Id, z.Id, state, depth, zone.Camera.Baselines[zone.Zone]));
                    detail = $"depth of zone {z.Id} set to {depth:0.##} units per facing"
                        + (zone.Camera.Baselines[zone.Zone] != before ? $"; {state.Facings} facings is the zone full (baseline)" : "");
                }
                else if (disagreement is not null)
                {
                    detail = disagreement;
                }
            }

            _store.Record(zones, [], record);
            // The latest accepted count is the one reconciled, whatever its timestamp: the store reloads it by accept order too.
            _latestScans[(count.LocationId, count.Sku)] = record;

            return (ScannerCountOutcome.Accepted, detail);
        }
    }

    /// <summary>The scanner count of this location and SKU accepted last (the one reconciled), or null before the first.</summary>
    public ScannerCountRecord? LatestScannerCount(string locationId, string sku)
    {
        lock (_gate)
        {
            return _latestScans.GetValueOrDefault((locationId, sku));
        }
    }

    /// <summary>
    /// Applies a cloud expected-stock update (merge or replace), stored first so that a restart replays it on top
    /// of the planogram file; false, changing nothing, when its event id was applied before (a redelivery).
    /// </summary>
    public bool ApplyExpectedStock(ExpectedStockUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            // Committed before the book changes, under the same lock: an update the book shows is always stored,
            // and one whose commit failed (the exception goes to the caller) was never applied.
            if (!_store.RecordExpectedStock(update, _clock.GetUtcNow()))
            {
                return false;
            }

            _expected.Apply(update);
            return true;
        }
    }

    /// <summary>The expected stock now: the planogram file with the cloud's updates applied.</summary>
    public IReadOnlyList<ExpectedStockEntry> ExpectedStockSnapshot() => _expected.Snapshot();

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
                    values[c][z] = ConfirmedValues(Cameras[c], z);
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

    public void Dispose()
    {
        _evidence.Dispose();
    }

    /// <summary>
    /// Replays the stored cloud updates on top of the planogram file, unless the file's content changed since they
    /// were stored: a newly deployed planogram replaces what the cloud said about the old one (until the cloud's
    /// next update), and replaying a merge onto it would mix the two.
    /// </summary>
    private void RestoreExpectedStock(AgentSettings settings, AgentStore store)
    {
        var planogram = new ExpectedStockBase(settings.ExpectedStockFile, settings.ExpectedStockSha256);
        ExpectedStockBase? stored = store.LoadExpectedStockBase();
        if (stored is not null && stored.Sha256 != planogram.Sha256)
        {
            int discarded = store.DiscardExpectedStockUpdates(planogram);
            if (discarded > 0)
            {
                LogPlanogramChanged(_log, planogram.File ?? "(none)", stored.File ?? "(none)", discarded);
            }

            return;
        }

        if (stored != planogram)
        {
            // The first start with this table, or the same content under another path: nothing to discard.
            store.SaveExpectedStockBase(planogram);
        }

        IReadOnlyList<ExpectedStockUpdate> updates = store.LoadExpectedStockUpdates();
        foreach (ExpectedStockUpdate update in updates)
        {
            _expected.Apply(update);
        }

        if (updates.Count > 0)
        {
            LogExpectedStockReplayed(_log, updates.Count, planogram.File ?? "(none)");
        }
    }

    private ZoneReconcileInput ZoneInput(CameraRuntime camera, int z, ConfirmedZoneState state)
    {
        ZoneDefinition zone = camera.Zones[z];
        return new ZoneReconcileInput
        {
            CameraId = camera.Id,
            Zone = zone,
            State = state,
            Depth = camera.Depths[z],
            Expected = _expected.Find(zone.LocationId, zone.Sku),
            LatestScan = _latestScans.GetValueOrDefault((zone.LocationId, zone.Sku)),
            Baseline = camera.Baselines[z],
            ModelVersion = ModelVersion,
        };
    }

    private DiscrepancyEvent WithEvidence(DiscrepancyEvent e, CameraRuntime camera, int z, CapturedFrame frame, List<Detection> detections)
    {
        _zoneBoxes.Clear();
        foreach (Detection d in detections)
        {
            if (camera.Counter.ZoneOf(d, frame.Image.Width, frame.Image.Height) == z)
            {
                _zoneBoxes.Add(d);
            }
        }

        SavedEvidence saved;
        try
        {
            saved = _evidence.Save("ev-" + e.EventId.ToString("N"), frame.Image, camera.Zones[z].Polygon, _zoneBoxes);
        }
        catch (IOException ex)
        {
            // An event without its picture is still an event: a full disk must not hide a shortage.
            LogEvidenceFailed(_log, e.EventId, ex.Message);
            return e;
        }

        DiscrepancyEvent withEvidence = e with { Evidence = saved.Reference };
        if (_settings.SendEvidence)
        {
            QueuePhoto(withEvidence, saved);
        }

        return withEvidence;
    }

    /// <summary>
    /// Adds the photo of <paramref name="e"/>'s evidence to the messages recorded after the events (so it is
    /// published after its event), with the bytes already written to the file. A crop over the contract's limit
    /// stays on the device only.
    /// </summary>
    private void QueuePhoto(DiscrepancyEvent e, SavedEvidence saved)
    {
        EvidenceRef evidence = saved.Reference;
        if (saved.Jpeg.Length > EvidencePhoto.MaxJpegBytes)
        {
            LogEvidenceOversized(_log, evidence.EvidenceId, saved.Jpeg.Length, EvidencePhoto.MaxJpegBytes, e.EventId);
            Metrics?.EvidenceOversized();
            return;
        }

        _messages.Add(new EvidencePhoto
        {
            EventId = EventIds.NewId(),
            OccurredAt = e.OccurredAt,
            StoreId = e.StoreId,
            DeviceId = e.DeviceId,
            ModelVersion = e.ModelVersion,
            EvidenceId = evidence.EvidenceId,
            DiscrepancyId = e.DiscrepancyId,
            SourceEventId = e.EventId,
            CameraId = e.CameraId,
            ZoneId = e.ZoneId,
            ContentType = "image/jpeg",
            Width = evidence.Width,
            Height = evidence.Height,
            Sha256 = evidence.Sha256,
            Jpeg = saved.Jpeg,
        });
    }

    private static List<ZoneCount> ZoneCounts(CameraRuntime camera)
    {
        var zones = new List<ZoneCount>();
        for (int z = 0; z < camera.Zones.Count; z++)
        {
            if (ConfirmedValues(camera, z) is { } v)
            {
                ZoneDefinition zone = camera.Zones[z];
                zones.Add(new ZoneCount
                {
                    ZoneId = zone.Id,
                    LocationId = zone.LocationId,
                    Sku = zone.Sku,
                    Facings = v.Facings,
                    Units = v.Units,
                    EmptyFraction = v.EmptyFraction,
                    Occluded = camera.Smoother.IsOccluded(z),
                });
            }
        }

        return zones;
    }

    /// <summary>A zone's confirmed facings, units (facings × depth) and empty fraction (3 decimals), as snapshots and gauges report them.</summary>
    private static ZoneGaugeValues? ConfirmedValues(CameraRuntime camera, int z) =>
        camera.Smoother.Confirmed(z) is { } s
            ? new ZoneGaugeValues(s.Facings, (int)Math.Round(s.Facings * camera.Depths[z], MidpointRounding.AwayFromZero), Math.Round(s.EmptyFraction, 3))
            : null;

    private ZoneCountSnapshot? Snapshot(CameraRuntime camera, DateTimeOffset windowStart, DateTimeOffset now)
    {
        List<ZoneCount> zones = ZoneCounts(camera);
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

    private void PruneEvidence(DateTimeOffset now)
    {
        if (now - _lastPrune < TimeSpan.FromMinutes(10))
        {
            return;
        }

        _lastPrune = now;
        _evidence.Prune();
    }

    private static int IndexOfZone(CameraRuntime camera, string zoneId)
    {
        for (int z = 0; z < camera.Zones.Count; z++)
        {
            if (camera.Zones[z].Id == zoneId)
            {
                return z;
            }
        }

        return -1;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "state resumed: {OpenCount} open discrepancies from {Database}")]
    private static partial void LogResumed(ILogger logger, int openCount, string database);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "camera {CameraId}: reference view set from its first frame ({Width}x{Height})")]
    private static partial void LogReferenceSet(ILogger logger, string cameraId, int width, int height);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "evidence for event {EventId} could not be written: {Reason}")]
    private static partial void LogEvidenceFailed(ILogger logger, Guid eventId, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "evidence {EvidenceId} is {Bytes} bytes, over the {MaxBytes} an evidence photo may carry: kept on the device, not sent [event {EventId}]")]
    private static partial void LogEvidenceOversized(ILogger logger, string evidenceId, int bytes, int maxBytes, Guid eventId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "expected stock: the planogram file {File} is not the content the stored cloud updates were applied to (then {StoredFile}): a new planogram was deployed, so {Discarded} stored cloud updates are discarded and the book is the file's until the cloud's next update")]
    private static partial void LogPlanogramChanged(ILogger logger, string file, string storedFile, int discarded);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "expected stock: {Count} stored cloud updates replayed on top of the planogram file {File}")]
    private static partial void LogExpectedStockReplayed(ILogger logger, int count, string file);
}
