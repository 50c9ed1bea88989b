using System.Collections.Frozen;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using Prometheus;

namespace EdgeInventory.Agent.Metrics;

/// <summary>
/// The agent's metrics (prometheus-net), served at <c>/metrics</c> by <see cref="WriteAsync"/>. They live in a
/// registry of this agent's own, so agents in one process (the tests) neither share series nor keep each
/// other's scrape callbacks alive; agent/Messaging's counters are in prometheus-net's default registry, which
/// <see cref="WriteAsync"/> serves after them. Recorded metrics have their label children made here once, so
/// recording allocates nothing; per-camera capture counters, camera states and the zone and discrepancy
/// gauges are read from the cameras' status and the zone state just before each scrape.
/// </summary>
public sealed class AgentMetrics
{
    /// <summary>Buckets for the inference duration: a GPU run takes milliseconds, a CPU YOLO run a tenth of a second (batch 1 at 832) to seconds (a batch on a busy device).</summary>
    public static readonly double[] InferenceBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The <c>result</c> of a scanner count post refused before it reaches the scanner intake.</summary>
    public const string Unauthorized = "unauthorized", Invalid = "invalid", Forbidden = "forbidden";

    private static readonly CaptureState[] CameraStates = Enum.GetValues<CaptureState>();

    private readonly ZoneStateKeeper _zones;
    private readonly CameraStatusBoard _cameraStatus;
    private readonly Lock _observe = new();
    private readonly Histogram _inferenceDuration;
    private readonly FrozenDictionary<string, Counter.Child> _framesProcessed;
    private readonly Counter.Child[,] _discrepancyEvents;
    private readonly FrozenDictionary<string, Counter.Child> _scannerCountsRefused;
    private readonly Counter.Child[] _scannerCountsHandled;
    private readonly Counter _evidenceOversized;
    private readonly CameraSeries[] _cameras;
    private readonly FrozenDictionary<string, Gauge.Child> _openDiscrepancies;
    private readonly ZoneGaugeValues?[][] _zoneValues;

    static AgentMetrics()
    {
        // prometheus-net's default registry serves agent/Messaging's counters and nothing of what it would add by itself:
        // its process and .NET runtime metrics cost about 3 ms of CPU per scrape on the device (they walk /proc for
        // threads and handles; the agent's own 16 cameras take a tenth of that), its adapters of event counters and
        // System.Diagnostics.Metrics export ASP.NET Core's and the runtime's meters as gauges without `_total`, and its
        // debug metrics describe prometheus-net. This has effect only before the registry's first scrape.
        Prometheus.Metrics.SuppressDefaultMetrics();
    }

    public AgentMetrics(ZoneStateKeeper zones, CameraStatusBoard cameras)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(cameras);
        _zones = zones;
        _cameraStatus = cameras;
        IReadOnlyList<CameraRuntime> runtimes = zones.Cameras;
        MetricFactory metrics = Prometheus.Metrics.WithCustomRegistry(Registry);
        metrics.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = static (_, _) => Exemplar.None };

        _inferenceDuration = metrics.CreateHistogram("edgeinv_inference_duration_seconds", "Time of one detector run (a batch of frames), pre- and post-processing included", new HistogramConfiguration { Buckets = InferenceBuckets });

        Counter framesProcessed = metrics.CreateCounter("edgeinv_frames_processed_total", "Frames that went through detection, per camera", ["camera"]);
        _framesProcessed = runtimes.ToFrozenDictionary(static c => c.Id, c => framesProcessed.WithLabels(c.Id), StringComparer.Ordinal);

        Counter discrepancyEvents = metrics.CreateCounter("edgeinv_discrepancy_events_total", "Discrepancy events raised, by kind and phase", ["kind", "phase"]);
        DiscrepancyKind[] kinds = Enum.GetValues<DiscrepancyKind>();
        DiscrepancyPhase[] phases = Enum.GetValues<DiscrepancyPhase>();
        _discrepancyEvents = new Counter.Child[kinds.Length, phases.Length];
        foreach (DiscrepancyKind kind in kinds)
        {
            foreach (DiscrepancyPhase phase in phases)
            {
                _discrepancyEvents[(int)kind, (int)phase] = discrepancyEvents.WithLabels(kind.ToString(), phase.ToString().ToLowerInvariant());
            }
        }

        Counter scannerCounts = metrics.CreateCounter("edgeinv_scanner_counts_total", "Scanner count posts, by result", ["result"]);
        _scannerCountsRefused = new[] { Unauthorized, Invalid, Forbidden }.ToFrozenDictionary(static r => r, r => scannerCounts.WithLabels(r), StringComparer.Ordinal);
        _scannerCountsHandled = [.. Enum.GetValues<ScannerCountOutcome>().Select(o => scannerCounts.WithLabels(o.ToString().ToLowerInvariant()))];

        _evidenceOversized = metrics.CreateCounter("edgeinv_evidence_oversized_total", "Evidence crops over the 512 KiB an evidence photo may carry: kept on the device, not sent");

        Counter framesCaptured = metrics.CreateCounter("edgeinv_frames_captured_total", "Frames delivered by ffmpeg, per camera", ["camera"]);
        Counter framesSkipped = metrics.CreateCounter("edgeinv_frames_skipped_total", "Frames dropped because a newer one arrived before detection, per camera", ["camera"]);
        Counter captureRestarts = metrics.CreateCounter("edgeinv_capture_restarts_total", "ffmpeg restarts, per camera", ["camera"]);
        Gauge cameraState = metrics.CreateGauge("edgeinv_camera_state", "1 for the camera's current state (up, stalled, restarting, offline)", ["camera", "state"]);
        // A zone's gauges appear with its first confirmed state, as they did before (no made-up 0 facings).
        var zoneGauge = new GaugeConfiguration { SuppressInitialValue = true };
        Gauge zoneFacings = metrics.CreateGauge("edgeinv_zone_facings", "Confirmed facings per zone", ["camera", "zone"], zoneGauge);
        Gauge zoneUnits = metrics.CreateGauge("edgeinv_zone_units", "Confirmed units (facings x depth) per zone", ["camera", "zone"], zoneGauge);
        Gauge zoneEmpty = metrics.CreateGauge("edgeinv_zone_empty_fraction", "Confirmed share of empty shelf width per zone", ["camera", "zone"], zoneGauge);
        _cameras = [.. runtimes.Select(c => new CameraSeries(
            framesCaptured.WithLabels(c.Id),
            framesSkipped.WithLabels(c.Id),
            captureRestarts.WithLabels(c.Id),
            [.. CameraStates.Select(s => cameraState.WithLabels(c.Id, s.ToString().ToLowerInvariant()))],
            [.. c.Zones.Select(z => new ZoneSeries(zoneFacings.WithLabels(c.Id, z.Id), zoneUnits.WithLabels(c.Id, z.Id), zoneEmpty.WithLabels(c.Id, z.Id)))]))];
        _zoneValues = [.. runtimes.Select(static c => new ZoneGaugeValues?[c.Zones.Count])];

        Gauge openDiscrepancies = metrics.CreateGauge("edgeinv_open_discrepancies", "Open discrepancies, by kind", ["kind"]);
        // The kinds as the zone state names them (it reports every kind, 0 where none is open), so the two cannot drift apart.
        _openDiscrepancies = zones.OpenDiscrepancyCounts().Keys
            .ToFrozenDictionary(static k => k, k => openDiscrepancies.WithLabels(k), StringComparer.Ordinal);

        Registry.AddBeforeCollectCallback(Observe);
    }

    /// <summary>This agent's metrics (not agent/Messaging's: those are in prometheus-net's default registry).</summary>
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>One detector run (a batch of frames) took <paramref name="seconds"/>.</summary>
    public void InferenceRan(double seconds) => _inferenceDuration.Observe(seconds);

    /// <summary>A frame of <paramref name="camera"/> went through detection.</summary>
    public void FrameProcessed(CameraRuntime camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        _framesProcessed[camera.Id].Inc();
    }

    public void DiscrepancyRaised(DiscrepancyEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _discrepancyEvents[(int)e.Kind, (int)e.Phase].Inc();
    }

    /// <summary>A scanner count post was refused before it reached the scanner intake: <see cref="Unauthorized"/>, <see cref="Invalid"/> or <see cref="Forbidden"/>.</summary>
    public void ScannerCountRefused(string result) => _scannerCountsRefused[result].Inc();

    /// <summary>A scanner count (posted or from the cloud) went to the scanner intake and came to <paramref name="outcome"/>.</summary>
    public void ScannerCountHandled(ScannerCountOutcome outcome) => _scannerCountsHandled[(int)outcome].Inc();

    /// <summary>An evidence crop was too large to send; it stays on the device.</summary>
    public void EvidenceOversized() => _evidenceOversized.Inc();

    /// <summary>Writes this agent's metrics and then the default registry's (agent/Messaging's, the process's) as Prometheus text 0.0.4.</summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellation)
    {
        await Registry.CollectAndExportAsTextAsync(destination, cancellation).ConfigureAwait(false);
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(destination, cancellation).ConfigureAwait(false);
    }

    /// <summary>Reads the observed values into their series; runs before each scrape of <see cref="Registry"/>.</summary>
    private void Observe()
    {
        lock (_observe)
        {
            _zones.ReadZoneGauges(_zoneValues);
            for (int c = 0; c < _cameras.Length; c++)
            {
                CameraSeries series = _cameras[c];
                CameraStatus status = _cameraStatus.Read(c);
                series.FramesCaptured.IncTo(status.FramesCaptured);
                series.FramesSkipped.IncTo(status.FramesDropped);
                series.Restarts.IncTo(status.Restarts);
                CaptureState state = status.State;
                for (int s = 0; s < CameraStates.Length; s++)
                {
                    series.States[s].Set(CameraStates[s] == state ? 1 : 0);
                }

                for (int z = 0; z < series.Zones.Length; z++)
                {
                    ZoneSeries zone = series.Zones[z];
                    if (_zoneValues[c][z] is { } v)
                    {
                        zone.Facings.Set(v.Facings);
                        zone.Units.Set(v.Units);
                        zone.EmptyFraction.Set(v.EmptyFraction);
                    }
                    else
                    {
                        zone.Facings.Unpublish();
                        zone.Units.Unpublish();
                        zone.EmptyFraction.Unpublish();
                    }
                }
            }

            foreach ((string kind, int count) in _zones.OpenDiscrepancyCounts())
            {
                _openDiscrepancies[kind].Set(count);
            }
        }
    }

    private sealed record CameraSeries(Counter.Child FramesCaptured, Counter.Child FramesSkipped, Counter.Child Restarts, Gauge.Child[] States, ZoneSeries[] Zones);

    private sealed record ZoneSeries(Gauge.Child Facings, Gauge.Child Units, Gauge.Child EmptyFraction);
}
