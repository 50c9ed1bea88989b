using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeInventory.Mqtt;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace EdgeInventory.Messaging;

public sealed class OutboxRelayOptions
{
    /// <summary>Publishes awaiting PUBACK at once, over all ordering keys (each key has at most one).</summary>
    public int MaxInFlight { get; set; } = 512;

    /// <summary>Events read ahead from SQLite into memory.</summary>
    public int ReadAhead { get; set; } = 4096;

    /// <summary>Retry backoff after a failed or refused publish: doubles per attempt of that event, up to the max.</summary>
    public TimeSpan RetryDelayMin { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryDelayMax { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>With no PUBACK after this long the event is published again (same event id).</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Fallback poll for events committed without <see cref="SqliteOutbox.NotifyCommitted"/> (another process, a forgetful writer).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public void Validate(string section = "Outbox:Relay")
    {
        if (MaxInFlight < 1) throw new ArgumentException($"{section}:MaxInFlight must be at least 1");
        if (ReadAhead < MaxInFlight) throw new ArgumentException($"{section}:ReadAhead must be at least MaxInFlight");
        if (RetryDelayMin <= TimeSpan.Zero || RetryDelayMax < RetryDelayMin) throw new ArgumentException($"{section}:RetryDelayMin/RetryDelayMax are not a positive, ordered pair");
        if (AckTimeout <= TimeSpan.Zero) throw new ArgumentException($"{section}:AckTimeout must be positive");
        if (PollInterval <= TimeSpan.Zero) throw new ArgumentException($"{section}:PollInterval must be positive");
    }
}

/// <summary>
/// Publishes the outbox over MQTT with QoS 1 and deletes an event only when its PUBACK arrives.
/// Order: events of one ordering key (zone) go out one at a time, in enqueue order — the next is published
/// only after the previous one's PUBACK — so neither a retry nor a reconnect can reorder a zone's events;
/// different zones are pipelined. A failed or refused publish is retried with backoff (its zone waits); a
/// refusal (e.g. reason 135) is logged as an error because only a configuration change can fix it.
/// Delivery is at least once: after a crash or an ack timeout an event may be published again, always with
/// its original event id, which the cloud uses to drop duplicates.
/// </summary>
public sealed partial class OutboxRelay
{
    private const int MaxDeleteBatch = 4096;
    private static readonly Counter DeliveredCounter = Metrics.CreateCounter("edgeinv_outbox_delivered_total", "outbox events the broker acknowledged (PUBACK)");
    private static readonly Counter FailedCounter = Metrics.CreateCounter("edgeinv_outbox_publish_failures_total", "outbox publishes refused by the broker, unacknowledged in time or cut off; each is retried");
    private static readonly Counter UnroutedCounter = Metrics.CreateCounter("edgeinv_outbox_unrouted_total",
        "outbox events the broker acknowledged with reason 16 (no matching subscribers): accepted, counted as delivered, and dropped by the broker");

    /// <summary>MQTT 5 PUBACK reason 16: the broker accepted the message and had no subscriber to give it to.</summary>
    private const int NoMatchingSubscribers = 0x10;

    /// <summary>At most one warning about unrouted events per this many milliseconds; the counter has every one.</summary>
    private const long UnroutedLogIntervalMs = 60_000;

    private readonly SqliteOutbox outbox;
    private readonly MqttConnection client;
    private readonly OutboxRelayOptions options;
    private readonly ILogger logger;
    private readonly Channel<Completion> completions = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, Queue<Entry>> zones = [];
    private readonly Queue<string> ready = new();
    private readonly List<Entry> waitingRetry = [];
    // Acknowledged events go to a deleter with its own connection, so that the relay never waits on SQLite's
    // write lock (held by the agent's own transactions) and deletes are batched into few fsyncs.
    private BlockingCollection<long>? acked;
    private long cursor;
    private int buffered;
    private int inFlight;
    private long delivered;
    private long unrouted;
    private long unroutedSinceLog;
    private long unroutedLoggedAt = long.MinValue;

    public OutboxRelay(SqliteOutbox outbox, MqttConnection client, OutboxRelayOptions? options = null, ILogger<OutboxRelay>? logger = null)
    {
        this.outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.options = options ?? new OutboxRelayOptions();
        this.options.Validate();
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Called on the relay's loop (never on the network thread) for each acknowledged event.</summary>
    public Action<OutboxDelivery>? Delivered { get; set; }

    public long DeliveredCount => Interlocked.Read(ref delivered);

    /// <summary>
    /// Delivered events the broker acknowledged with reason 16, no matching subscribers: nobody (the cloud's
    /// aggregator included) had subscribed to their topic, so the broker dropped them. Counted, not retried: the
    /// broker accepted them, and holding a zone back until someone subscribes would stop its events for good on a
    /// broker the cloud does not read. A persistent cloud session (subscribed once) makes the broker keep them instead.
    /// </summary>
    public long UnroutedCount => Interlocked.Read(ref unrouted);

    /// <summary>
    /// Called each time the relay has read what was committed, dispatched what it could and starts to wait (for a
    /// commit, a PUBACK, a retry or the poll): a test waits for it rather than sleeping and hoping the relay got there.
    /// </summary>
    public Action? WaitingForWork { get; set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled. Events in flight then stay in the outbox.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Action onCommitted = () => wake.Writer.TryWrite(true);
        outbox.Committed += onCommitted;
        using var acknowledged = new BlockingCollection<long>();
        acked = acknowledged;
        var deleterDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deleter = new Thread(() => DeleteAcknowledged(acknowledged, deleterDone)) { IsBackground = true, Name = "outbox-deleter" };
        deleter.Start();
        try
        {
            await RelayAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            outbox.Committed -= onCommitted;
            acknowledged.CompleteAdding();
            await deleterDone.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes acknowledged events on a thread of its own: each delete is a transaction with an fsync that also
    /// takes SQLite's write lock, and blocking a thread-pool thread on it delayed the relay's own continuations
    /// (on 2 cores the pool has two threads). Acks that arrive during one delete go into the next: under load the
    /// batches grow by themselves, at a light load each event is deleted right after its PUBACK. Drains on stop.
    /// </summary>
    private void DeleteAcknowledged(BlockingCollection<long> acknowledged, TaskCompletionSource done)
    {
        try
        {
            using SqliteConnection connection = outbox.OpenConnection();
            using var store = new RelayStore(connection);
            var batch = new List<long>();
            while (acknowledged.TryTake(out long first, Timeout.Infinite))
            {
                batch.Add(first);
                while (batch.Count < MaxDeleteBatch && acknowledged.TryTake(out long seq))
                {
                    batch.Add(seq);
                }
                try
                {
                    store.Delete(batch);
                }
                catch (SqliteException e)
                {
                    // The events stay and are sent again after a restart (same ids): a duplicate, not a loss.
                    LogDeleteFailed(logger, batch.Count, e.Message);
                }
                batch.Clear();
            }
            done.SetResult();
        }
        catch (Exception e)
        {
            LogDeleterFailed(logger, e.Message);
            done.SetResult();
        }
    }

    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        using SqliteConnection connection = outbox.OpenConnection();
        using var store = new RelayStore(connection);
        bool wantLoad = true;
        // The last read filled the read-ahead: more rows are committed than are buffered, read again once there is room.
        bool moreStored = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            while (completions.Reader.TryRead(out Completion done))
            {
                Complete(done, store);
            }

            if ((wantLoad || moreStored) && buffered <= options.ReadAhead / 2)
            {
                int room = options.ReadAhead - buffered;
                moreStored = Load(store, room) == room;
                wantLoad = false;
            }

            long now = Environment.TickCount64;
            ReleaseDueRetries(now);
            if (client.State == MqttConnectionState.Connected)
            {
                Dispatch();
            }

            if (completions.Reader.TryPeek(out _) || (moreStored && buffered <= options.ReadAhead / 2))
            {
                continue;
            }
            // Committed events arrive with a wake-up (SqliteOutbox.Committed, raised after the commit); the poll is
            // only the fallback for a writer that commits without one.
            TimeSpan wait = options.PollInterval;
            if (waitingRetry.Count > 0)
            {
                long nextDue = waitingRetry.Min(e => e.DueAt);
                wait = TimeSpan.FromMilliseconds(Math.Clamp(nextDue - now, 1, wait.TotalMilliseconds));
            }
            if (client.State != MqttConnectionState.Connected && ready.Count > 0)
            {
                wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds, 50));
            }
            WaitingForWork?.Invoke();
            switch (await WaitForWorkAsync(wait, cancellationToken).ConfigureAwait(false))
            {
                case Wake.Committed:
                case Wake.Timeout:
                    wantLoad = true; // a cheap indexed read past the cursor
                    break;
                default:
                    break;
            }
        }
    }

    private enum Wake
    {
        Completion,
        Committed,
        Timeout,
    }

    /// <summary>Waits for a publish completion, a commit wake-up, or the timeout.</summary>
    private async Task<Wake> WaitForWorkAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wake.Reader.TryRead(out _))
        {
            return Wake.Committed;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        Task<bool> completion = completions.Reader.WaitToReadAsync(timeout.Token).AsTask();
        Task<bool> woken = wake.Reader.WaitToReadAsync(timeout.Token).AsTask();
        try
        {
            await Task.WhenAny(completion, woken).ConfigureAwait(false);
        }
        finally
        {
            await timeout.CancelAsync().ConfigureAwait(false);
        }
        if (wake.Reader.TryRead(out _))
        {
            return Wake.Committed;
        }
        return completion.IsCompletedSuccessfully ? Wake.Completion : Wake.Timeout;
    }

    private int Load(RelayStore store, int limit)
    {
        int loaded = 0;
        foreach (Entry entry in store.ReadAfter(cursor, limit))
        {
            cursor = entry.Sequence;
            loaded++;
            buffered++;
            if (!zones.TryGetValue(entry.OrderingKey, out Queue<Entry>? queue))
            {
                queue = new Queue<Entry>();
                zones[entry.OrderingKey] = queue;
            }
            queue.Enqueue(entry);
            if (queue.Count == 1)
            {
                ready.Enqueue(entry.OrderingKey);
            }
        }
        return loaded;
    }

    private void Dispatch()
    {
        while (inFlight < options.MaxInFlight && ready.TryDequeue(out string? key))
        {
            Entry head = zones[key].Peek();
            inFlight++;
            head.Attempts++;
            Task<MqttPublishAck> publish;
            try
            {
                var timeout = new CancellationTokenSource(options.AckTimeout);
                publish = client.PublishAsync(head.Topic, head.Payload, qos: 1, retain: false, timeout.Token);
                publish.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), timeout, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            catch (Exception e) when (e is MqttException or ObjectDisposedException)
            {
                publish = Task.FromException<MqttPublishAck>(e);
            }
            publish.ContinueWith(static (task, state) =>
            {
                var (relay, entry) = ((OutboxRelay, Entry))state!;
                relay.completions.Writer.TryWrite(task.IsCompletedSuccessfully
                    ? new Completion(entry, null, task.Result.ReasonCode)
                    : new Completion(entry, task.Exception?.InnerException ?? new OperationCanceledException("no PUBACK in time"), 0));
            }, (this, head), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Complete(Completion done, RelayStore store)
    {
        inFlight--;
        Entry entry = done.Entry;
        Queue<Entry> queue = zones[entry.OrderingKey];
        if (done.Error is null)
        {
            queue.Dequeue();
            buffered--;
            acked!.Add(entry.Sequence);
            Interlocked.Increment(ref delivered);
            DeliveredCounter.Inc();
            if (done.ReasonCode == NoMatchingSubscribers)
            {
                CountUnrouted(entry);
            }

            if (entry.Attempts > 1)
            {
                LogDeliveredAfterRetry(logger, entry.EventId, entry.Attempts);
            }
            Delivered?.Invoke(new OutboxDelivery(entry.Sequence, entry.EventId, entry.OrderingKey, entry.EnqueuedAtUnixMs, entry.Attempts));
            if (queue.Count > 0)
            {
                ready.Enqueue(entry.OrderingKey);
            }
            else
            {
                zones.Remove(entry.OrderingKey);
            }
            return;
        }

        FailedCounter.Inc();
        double delayMs = Math.Min(options.RetryDelayMin.TotalMilliseconds * Math.Pow(2, Math.Min(entry.Attempts - 1, 20)), options.RetryDelayMax.TotalMilliseconds);
        entry.DueAt = Environment.TickCount64 + (long)delayMs;
        waitingRetry.Add(entry);
        string reason = done.Error.Message;
        store.RecordFailure(entry.Sequence, reason);
        if (done.Error is MqttException { ReasonCode: >= 0x80 })
        {
            LogRefused(logger, entry.EventId, entry.Topic, reason, entry.Attempts, delayMs / 1000);
        }
        else
        {
            LogRetrying(logger, entry.EventId, reason, entry.Attempts, delayMs / 1000);
        }
    }

    private void CountUnrouted(Entry entry)
    {
        Interlocked.Increment(ref unrouted);
        UnroutedCounter.Inc();
        unroutedSinceLog++;
        long now = Environment.TickCount64;
        if (unroutedLoggedAt == long.MinValue || now - unroutedLoggedAt >= UnroutedLogIntervalMs)
        {
            LogUnrouted(logger, unroutedSinceLog, entry.Topic);
            unroutedSinceLog = 0;
            unroutedLoggedAt = now;
        }
    }

    private void ReleaseDueRetries(long now)
    {
        for (int i = waitingRetry.Count - 1; i >= 0; i--)
        {
            if (waitingRetry[i].DueAt <= now)
            {
                ready.Enqueue(waitingRetry[i].OrderingKey);
                waitingRetry.RemoveAt(i);
            }
        }
    }

    private sealed class Entry(long sequence, Guid eventId, string topic, string orderingKey, byte[] payload, long enqueuedAtUnixMs, int attempts)
    {
        public long Sequence { get; } = sequence;

        public Guid EventId { get; } = eventId;

        public string Topic { get; } = topic;

        public string OrderingKey { get; } = orderingKey;

        public byte[] Payload { get; } = payload;

        public long EnqueuedAtUnixMs { get; } = enqueuedAtUnixMs;

        public int Attempts { get; set; } = attempts;

        public long DueAt { get; set; }
    }

    private readonly record struct Completion(Entry Entry, Exception? Error, int ReasonCode);

    /// <summary>The relay's prepared statements on its own connection.</summary>
    private sealed class RelayStore : IDisposable
    {
        private readonly SqliteConnection connection;
        private readonly SqliteCommand read;
        private readonly SqliteCommand delete;
        private readonly SqliteCommand fail;

        public RelayStore(SqliteConnection connection)
        {
            this.connection = connection;
            read = connection.CreateCommand();
            read.CommandText = "SELECT seq, event_id, topic, ordering_key, payload, created_at, attempts FROM outbox WHERE seq > $after ORDER BY seq LIMIT $limit";
            read.Parameters.Add("$after", SqliteType.Integer);
            read.Parameters.Add("$limit", SqliteType.Integer);
            delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM outbox WHERE seq = $seq";
            delete.Parameters.Add("$seq", SqliteType.Integer);
            fail = connection.CreateCommand();
            fail.CommandText = "UPDATE outbox SET attempts = attempts + 1, last_error = $error WHERE seq = $seq";
            fail.Parameters.Add("$seq", SqliteType.Integer);
            fail.Parameters.Add("$error", SqliteType.Text);
        }

        public List<Entry> ReadAfter(long after, int limit)
        {
            var rows = new List<Entry>();
            if (limit <= 0)
            {
                return rows;
            }
            read.Parameters["$after"].Value = after;
            read.Parameters["$limit"].Value = limit;
            using SqliteDataReader reader = read.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new Entry(reader.GetInt64(0), Guid.Parse(reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                    (byte[])reader.GetValue(4), reader.GetInt64(5), reader.GetInt32(6)));
            }
            return rows;
        }

        /// <summary>One transaction, one fsync, for a batch of acknowledged events.</summary>
        public void Delete(List<long> sequences)
        {
            using SqliteTransaction transaction = connection.BeginTransaction();
            delete.Transaction = transaction;
            foreach (long seq in sequences)
            {
                delete.Parameters["$seq"].Value = seq;
                delete.ExecuteNonQuery();
            }
            transaction.Commit();
            delete.Transaction = null;
        }

        public void RecordFailure(long seq, string error)
        {
            fail.Parameters["$seq"].Value = seq;
            fail.Parameters["$error"].Value = error.Length > 500 ? error[..500] : error;
            fail.ExecuteNonQuery();
        }

        public void Dispose()
        {
            read.Dispose();
            delete.Dispose();
            fail.Dispose();
        }
    }

    [LoggerMessage(EventId = 5211, Level = LogLevel.Error, Message = "the broker refused event {EventId} on '{Topic}': {Reason}; attempt {Attempts}, retrying in {DelaySeconds:0.0} s (check the store's credentials and ACL)")]
    private static partial void LogRefused(ILogger logger, Guid eventId, string topic, string reason, int attempts, double delaySeconds);

    [LoggerMessage(EventId = 5212, Level = LogLevel.Warning, Message = "publishing event {EventId} failed: {Reason}; attempt {Attempts}, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogRetrying(ILogger logger, Guid eventId, string reason, int attempts, double delaySeconds);

    [LoggerMessage(EventId = 5214, Level = LogLevel.Error, Message = "deleting {Count} acknowledged events failed: {Reason}; they will be sent again after a restart")]
    private static partial void LogDeleteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 5215, Level = LogLevel.Critical, Message = "the outbox deleter stopped: {Reason}; acknowledged events are no longer deleted and will be sent again after a restart")]
    private static partial void LogDeleterFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5216, Level = LogLevel.Warning, Message = "{Count} event(s), the latest on '{Topic}', were acknowledged with no matching subscribers: the broker dropped them (is the cloud's aggregator subscribed to this broker?)")]
    private static partial void LogUnrouted(ILogger logger, long count, string topic);

    [LoggerMessage(EventId = 5213, Level = LogLevel.Information, Message = "event {EventId} delivered after {Attempts} attempts")]
    private static partial void LogDeliveredAfterRetry(ILogger logger, Guid eventId, int attempts);
}
