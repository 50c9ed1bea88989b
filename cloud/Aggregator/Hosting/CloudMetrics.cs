using Prometheus;

namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// The aggregator's metrics (prometheus-net) in a registry of its own, served at <c>/metrics</c>; two aggregators in
/// one process (the tests) keep separate series. agent/Mqtt's client counters are in the default registry, served after.
/// </summary>
public sealed class CloudMetrics
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public CloudMetrics()
    {
        MetricFactory f = Prometheus.Metrics.WithCustomRegistry(Registry);
        IngestMessages = f.CreateCounter("edgeinv_cloud_ingest_messages_total", "Messages read from the broker, by result (stored, duplicate, refused)", ["result"]);
        IngestRefused = f.CreateCounter("edgeinv_cloud_ingest_refused_total", "Messages refused and kept as dead letters, by reason", ["reason"]);
        BatchDuration = f.CreateHistogram("edgeinv_cloud_ingest_batch_seconds", "Time to apply and commit one batch of messages",
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        BatchSize = f.CreateHistogram("edgeinv_cloud_ingest_batch_size", "Messages per committed batch",
            new HistogramConfiguration { Buckets = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000] });
        IngestFailures = f.CreateCounter("edgeinv_cloud_ingest_failures_total", "Batches that failed to commit (retried; nothing acknowledged)");
        Deliveries = f.CreateCounter("edgeinv_cloud_alert_deliveries_total", "Alert deliveries, by channel (mqtt, webhook) and result (delivered, retry, failed)", ["channel", "result"]);
        DeliveryLag = f.CreateHistogram("edgeinv_cloud_alert_delivery_lag_seconds", "From an alert transition's commit to its delivery",
            new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
        StreamClients = f.CreateGauge("edgeinv_cloud_event_stream_clients", "Open server-sent-event streams");
        Refusals = f.CreateCounter("edgeinv_cloud_http_refused_total", "API requests refused, by status", ["status"]);
        BrokerConnected = f.CreateGauge("edgeinv_cloud_broker_connected", "1 while the ingest connection to the broker is up");
    }

    public Counter IngestMessages { get; }

    public Counter IngestRefused { get; }

    public Histogram BatchDuration { get; }

    public Histogram BatchSize { get; }

    public Counter IngestFailures { get; }

    public Counter Deliveries { get; }

    public Histogram DeliveryLag { get; }

    public Gauge StreamClients { get; }

    public Counter Refusals { get; }

    public Gauge BrokerConnected { get; }
}
