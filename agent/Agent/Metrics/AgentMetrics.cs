using System.Diagnostics.Metrics;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Contracts;

namespace EdgeInventory.Agent.Metrics;

/// <summary>
/// The agent's instruments (System.Diagnostics.Metrics), exposed at <c>/metrics</c> by
/// <see cref="PrometheusExporter"/>. Per-camera counters and gauges are observed from the running
/// captures and pipelines at scrape time, so the hot path only records the inference histogram.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "EdgeInventory.Agent";

    /// <summary>agent/Messaging's meters (<c>EdgeInventory.Messaging</c> and its <c>.Relay</c>, <c>.Intake</c>, <c>.Heartbeat</c>).</summary>
    public const string MessagingMeterName = "EdgeInventory.Messaging";

    /// <summary>Buckets for the inference duration: CPU YOLO runs take tens of milliseconds to seconds.</summary>
    public static readonly double[] InferenceBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter = new(MeterName);

    public AgentMetrics(AgentCore core)
    {
        ArgumentNullException.ThrowIfNull(core);
        InferenceDuration = _meter.CreateHistogram<double>("edgeinv_inference_duration_seconds", "s", "Time of one detector run (a batch of frames), pre- and post-processing included");
        DiscrepancyEvents = _meter.CreateCounter<long>("edgeinv_discrepancy_events_total", null, "Discrepancy events raised, by kind and phase");
        ScannerCounts = _meter.CreateCounter<long>("edgeinv_scanner_counts_total", null, "Scanner count posts, by result");
        FramesProcessed = _meter.CreateCounter<long>("edgeinv_frames_processed_total", null, "Frames that went through detection, per camera");
        _meter.CreateObservableCounter("edgeinv_frames_captured_total", () => core.Cameras.Select(c => new Measurement<long>(c.Capture.FramesCaptured, Camera(c))), null, "Frames delivered by ffmpeg, per camera");
        _meter.CreateObservableCounter("edgeinv_frames_skipped_total", () => core.Cameras.Select(c => new Measurement<long>(c.Capture.FramesDropped, Camera(c))), null, "Frames dropped because a newer one arrived before detection, per camera");
        _meter.CreateObservableCounter("edgeinv_capture_restarts_total", () => core.Cameras.Select(c => new Measurement<long>(c.Capture.Restarts, Camera(c))), null, "ffmpeg restarts, per camera");
        _meter.CreateObservableGauge("edgeinv_camera_state", () => core.Cameras.SelectMany(c => Enum.GetValues<CameraState>().Select(s =>
            new Measurement<int>(c.Capture.State == s ? 1 : 0, new KeyValuePair<string, object?>("camera", c.Id), new KeyValuePair<string, object?>("state", s.ToString().ToLowerInvariant())))), null, "1 for the camera's current state (up, stalled, restarting, offline)");
        _meter.CreateObservableGauge("edgeinv_zone_facings", () => core.ZoneGauges(static z => z.Facings), null, "Confirmed facings per zone");
        _meter.CreateObservableGauge("edgeinv_zone_units", () => core.ZoneGauges(static z => z.Units), null, "Confirmed units (facings x depth) per zone");
        _meter.CreateObservableGauge("edgeinv_zone_empty_fraction", () => core.ZoneGauges(static z => z.EmptyFraction), null, "Confirmed share of empty shelf width per zone");
        _meter.CreateObservableGauge("edgeinv_open_discrepancies", () => core.OpenDiscrepancyCounts().Select(kv =>
            new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))), null, "Open discrepancies, by kind");
        // agent/Messaging's meters too (outbox drops and deliveries, refused commands, heartbeats): idle without MQTT.
        Exporter = new PrometheusExporter([MeterName, MessagingMeterName], new Dictionary<string, double[]> { ["edgeinv_inference_duration_seconds"] = InferenceBuckets });
    }

    public Histogram<double> InferenceDuration { get; }

    public Counter<long> DiscrepancyEvents { get; }

    public Counter<long> ScannerCounts { get; }

    public Counter<long> FramesProcessed { get; }

    public PrometheusExporter Exporter { get; }

    public void Dispose()
    {
        Exporter.Dispose();
        _meter.Dispose();
    }

    private static KeyValuePair<string, object?> Camera(CameraRuntime c) => new("camera", c.Id);
}
