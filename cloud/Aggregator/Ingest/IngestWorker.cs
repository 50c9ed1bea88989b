using System.Data.Common;
using System.Diagnostics;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Ingest;

/// <summary>
/// Reads every store's messages from the broker and commits them in batches: whatever has arrived when the last
/// commit ends (up to <c>Cloud:Ingest:BatchSize</c>) goes into the next transaction, so a quiet system commits each
/// message at once and a busy one amortises the fsync. A message is acknowledged to the broker only after the
/// transaction holding it (or its dead letter) committed: killed at any point, the broker delivers again what was not
/// acknowledged, and the event id makes that redelivery change nothing.
/// Replicas split the stream through a shared subscription; the retained status topic is read by every replica with a
/// plain subscription, because brokers send no retained messages to shared ones (MQTT 5 §4.8.2).
/// </summary>
public sealed partial class IngestWorker : BackgroundService
{
    private readonly CloudBroker _broker;
    private readonly CloudDatabase _database;
    private readonly IngestProcessor _processor;
    private readonly CloudOptions _options;
    private readonly CloudMetrics _metrics;
    private readonly ChangeSignal _changes;
    private readonly ILogger<IngestWorker> _log;
    private readonly Dictionary<string, Prometheus.Counter.Child> _results;

    public IngestWorker(CloudBroker broker, CloudDatabase database, IngestProcessor processor, CloudOptions options, CloudMetrics metrics, ChangeSignal changes, ILogger<IngestWorker> log)
    {
        _broker = broker;
        _database = database;
        _processor = processor;
        _options = options;
        _metrics = metrics;
        _changes = changes;
        _log = log;
        _results = new Dictionary<string, Prometheus.Counter.Child>
        {
            ["stored"] = metrics.IngestMessages.WithLabels("stored"),
            ["duplicate"] = metrics.IngestMessages.WithLabels("duplicate"),
            ["refused"] = metrics.IngestMessages.WithLabels("refused"),
        };
    }

    /// <summary>Filters the aggregator subscribes to; shared ones carry <c>$share/&lt;group&gt;/</c> when a group is set.</summary>
    public static IReadOnlyList<string> Filters(string sharedGroup)
    {
        string Shared(string filter) => string.IsNullOrEmpty(sharedGroup) ? filter : $"$share/{sharedGroup}/{filter}";
        return
        [
            Shared(Topics.AllDevices(Topics.DiscrepancyLeaf)),
            Shared(Topics.AllDevices(Topics.CountsLeaf)),
            Shared(Topics.AllDevices(Topics.HeartbeatLeaf)),
            Shared(Topics.AllEvidence),
            Topics.AllDevices(Topics.StatusLeaf),
        ];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's start path: a worker's first synchronous stretch (a database wait, a backlog of messages that are
        // all ready at once) would otherwise hold up the start of everything registered after it.
        await Task.Yield();
        var batch = new List<MqttMessage>(_options.Ingest.BatchSize);
        var inbound = new List<InboundMessage>(_options.Ingest.BatchSize);
        var reader = _broker.Connection.Messages;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                inbound.Clear();
                while (batch.Count < _options.Ingest.BatchSize && reader.TryRead(out MqttMessage? m))
                {
                    batch.Add(m);
                    inbound.Add(new InboundMessage(m.Topic, m.Payload, m.Retain));
                }
                await CommitAsync(inbound, stoppingToken).ConfigureAwait(false);
                // All of the batch is durable: its PUBACKs go out together (in arrival order, agent/Mqtt keeps it).
                var acknowledgements = new Task[batch.Count];
                for (int i = 0; i < batch.Count; i++)
                {
                    acknowledgements[i] = batch[i].AcknowledgeAsync(stoppingToken);
                }
                await Task.WhenAll(acknowledgements).ConfigureAwait(false);
                _changes.Pulse();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not acknowledged is delivered again to the next reader.
        }
    }

    /// <summary>
    /// Commits the batch; if it fails, each message alone. A database error that may pass (busy, I/O, connection) is
    /// waited out with nothing acknowledged meanwhile; one that fails the same way every time (a constraint, a type) and
    /// any other exception make that one message an <c>internalError</c> dead letter, so it cannot stall every store.
    /// </summary>
    private async Task CommitAsync(List<InboundMessage> inbound, CancellationToken cancellationToken)
    {
        if (await TryCommitAsync(inbound, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        foreach (InboundMessage message in inbound)
        {
            TimeSpan wait = TimeSpan.FromMilliseconds(200);
            while (true)
            {
                Exception? failure = await TryCommitOneAsync(message, cancellationToken).ConfigureAwait(false);
                if (failure is null)
                {
                    break;
                }
                if (failure is not DbException db || !SqlSession.IsTransient(db))
                {
                    await StoreInternalErrorAsync(message, failure, cancellationToken).ConfigureAwait(false);
                    break;
                }
                LogDatabaseUnavailable(_log, _database.Describe(), failure.Message, wait.TotalSeconds);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task<bool> TryCommitAsync(List<InboundMessage> inbound, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
            IngestOutcome[] outcomes = _processor.Apply(s, inbound);
            s.Commit();
            Count(outcomes, inbound);
            _metrics.BatchDuration.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
            _metrics.BatchSize.Observe(inbound.Count);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _metrics.IngestFailures.Inc();
            LogBatchFailed(_log, inbound.Count, e.Message);
            return false;
        }
    }

    private async Task<Exception?> TryCommitOneAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        try
        {
            using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
            IngestOutcome[] outcomes = _processor.Apply(s, [message]);
            s.Commit();
            Count(outcomes, [message]);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e;
        }
    }

    private async Task StoreInternalErrorAsync(InboundMessage message, Exception failure, CancellationToken cancellationToken)
    {
        LogMessageFailed(_log, message.Topic, failure);
        using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
        s.Execute("INSERT INTO dead_letters (received_at, topic, store_id, reason, detail, payload, payload_bytes) VALUES (@t, @topic, NULL, 'internalError', @d, @p, @n)",
            ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("@topic", message.Topic), ("@d", failure.GetType().Name + ": " + failure.Message),
            ("@p", message.Payload.Length <= 65536 ? message.Payload : message.Payload[..65536]), ("@n", message.Payload.Length));
        s.Commit();
        _results["refused"].Inc();
        _metrics.IngestRefused.WithLabels("internalError").Inc();
    }

    private void Count(IngestOutcome[] outcomes, List<InboundMessage> inbound)
    {
        for (int i = 0; i < outcomes.Length; i++)
        {
            IngestOutcome o = outcomes[i];
            switch (o.Result)
            {
                case IngestResult.Stored:
                    _results["stored"].Inc();
                    break;
                case IngestResult.Duplicate:
                    _results["duplicate"].Inc();
                    break;
                default:
                    _results["refused"].Inc();
                    _metrics.IngestRefused.WithLabels(o.Reason ?? "unknown").Inc();
                    LogRefusedThrottled(inbound[i].Topic, o.Reason ?? "unknown", o.Detail ?? "");
                    break;
            }
        }
    }

    /// <summary>
    /// One log line per refusal reason every 10 s at most, with how many were not logged since: a misconfigured device
    /// sending bad messages all day fills the dead-letter table (bounded) and the counters, not the log.
    /// </summary>
    private void LogRefusedThrottled(string topic, string reason, string detail)
    {
        long now = Environment.TickCount64;
        (long last, int quiet) = _refusalLog.GetValueOrDefault(reason, (long.MinValue, 0));
        if (now - last < 10_000)
        {
            _refusalLog[reason] = (last, quiet + 1);
            return;
        }
        _refusalLog[reason] = (now, 0);
        LogRefused(_log, topic, reason, detail, quiet);
    }

    private readonly Dictionary<string, (long LastLogged, int NotLogged)> _refusalLog = new(StringComparer.Ordinal);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "refused a message on {Topic}: {Reason}: {Detail} ({NotLogged} more of this reason since the last line)")]
    private static partial void LogRefused(ILogger logger, string topic, string reason, string detail, int notLogged);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "a batch of {Count} messages failed to commit ({Reason}); retrying them one at a time")]
    private static partial void LogBatchFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "database {Database} unavailable ({Reason}); nothing is acknowledged, retrying in {Seconds} s")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string database, string reason, double seconds);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "a message on {Topic} failed by itself; kept as a dead letter (internalError)")]
    private static partial void LogMessageFailed(ILogger logger, string topic, Exception exception);
}
