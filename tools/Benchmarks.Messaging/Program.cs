using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using EdgeInventory.Tools;
using Microsoft.Data.Sqlite;

// bench outbox [--events N] [--batch B] [--zones Z] [--latency-events N] [--latency-rate R]
// 1. Throughput: a producer enqueues N discrepancy events in transactions of B (synchronous=FULL) while
//    the relay publishes them (QoS 1) to a local mosquitto and a cloud subscriber reads them; the rate is
//    N / (first enqueue → last PUBACK and delete).
// 2. Latency at a light load: one event per transaction at R events/s; latency is from just before the
//    state-change transaction begins to the relay seeing its PUBACK; the part after the commit is shown apart.
var eventsOption = ToolCommandLine.Number("--events", 1, int.MaxValue, 50_000, "events enqueued for the throughput run");
var batchOption = ToolCommandLine.Number("--batch", 1, int.MaxValue, 100, "events per enqueue transaction");
var zonesOption = ToolCommandLine.Number("--zones", 1, int.MaxValue, 64, "distinct zones the events come from");
var latencyEventsOption = ToolCommandLine.Number("--latency-events", 1, int.MaxValue, 1_000, "events of the latency run, one per transaction");
var latencyRateOption = ToolCommandLine.Number("--latency-rate", 1, int.MaxValue, 100, "events per second of the latency run");
var root = new RootCommand("tools/edgeinv bench outbox: outbox -> broker throughput (synchronous=FULL) and state change -> PUBACK latency against a real mosquitto.")
{
    eventsOption, batchOption, zonesOption, latencyEventsOption, latencyRateOption,
};
ParseResult? parsed = ToolCommandLine.Parse(root, "bench outbox", args, Console.Error);
if (parsed is null)
{
    return ToolCommandLine.UsageError;
}

if (parsed.Action is not null)
{
    return ToolCommandLine.Invoke(parsed, Console.Out, Console.Error); // --help or --version
}

int events = parsed.GetValue(eventsOption);
int batch = parsed.GetValue(batchOption);
int zones = parsed.GetValue(zonesOption);
int latencyEvents = parsed.GetValue(latencyEventsOption);
int latencyRate = parsed.GetValue(latencyRateOption);

var users = new Dictionary<string, string> { ["s042"] = "bench-s042", ["cloud"] = "bench-cloud" };
using MosquittoBroker broker = MosquittoBroker.Start(users);
string dir = Path.Combine(Path.GetTempPath(), "edgeinv-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
Console.WriteLine($"MQTTnet {typeof(MQTTnet.MqttClientFactory).Assembly.GetName().Version}, mosquitto on 127.0.0.1:{broker.Port}, SQLite in {dir} (WAL, synchronous=FULL), {Environment.ProcessorCount} cores");

try
{
    await Throughput(Path.Combine(dir, "throughput.db"));
    await Latency(Path.Combine(dir, "latency.db"));
    await RoundTrip();
}
finally
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}
return 0;

async Task Throughput(string database)
{
    var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database, MaxEvents = events * 2 });
    var prepared = Enumerable.Range(0, events).Select(i => OutboxMessage.For(Discrepancy($"zone-{i % zones}"))).ToArray();
    using var cloud = Client("cloud", users["cloud"]);
    await cloud.WaitConnectedAsync();
    await cloud.SubscribeAsync("edgeinv/+/+/discrepancy");
    long received = 0;
    using var stopReading = new CancellationTokenSource();
    Task reading = Task.Run(async () =>
    {
        try
        {
            await foreach (MqttMessage _ in cloud.Messages.ReadAllAsync(stopReading.Token))
            {
                Interlocked.Increment(ref received);
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    using var device = Client("s042", users["s042"]);
    await device.WaitConnectedAsync();
    var relay = new OutboxRelay(outbox, device);
    using var stop = new CancellationTokenSource();
    Task relaying = relay.RunAsync(stop.Token);

    var clock = Stopwatch.StartNew();
    TimeSpan enqueueTime = await Task.Run(() =>
    {
        using SqliteConnection connection = outbox.OpenConnection();
        for (int i = 0; i < prepared.Length; i += batch)
        {
            using SqliteTransaction tx = connection.BeginTransaction();
            for (int j = i; j < Math.Min(i + batch, prepared.Length); j++)
            {
                outbox.Enqueue(tx, prepared[j]);
            }
            outbox.Commit(tx);
        }
        return clock.Elapsed;
    });
    while (relay.DeliveredCount < events || outbox.Stats().Count > 0)
    {
        await Task.Delay(5);
    }
    TimeSpan total = clock.Elapsed;
    await stop.CancelAsync();
    await relaying;
    var deadline = Stopwatch.StartNew();
    while (Interlocked.Read(ref received) < events && deadline.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(10);
    }
    await stopReading.CancelAsync();
    await reading;

    Console.WriteLine();
    Console.WriteLine($"throughput: {events:N0} events, {zones} zones, transactions of {batch}");
    Console.WriteLine($"  enqueue only      {events / enqueueTime.TotalSeconds,10:N0} events/s ({enqueueTime.TotalSeconds:0.00} s)");
    Console.WriteLine($"  outbox → PUBACK   {events / total.TotalSeconds,10:N0} events/s ({total.TotalSeconds:0.00} s, acknowledged rows deleted)");
    Console.WriteLine($"  subscriber got    {Interlocked.Read(ref received):N0} (duplicates count twice)");
}

async Task Latency(string database)
{
    var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
    using var device = Client("s042", users["s042"]);
    await device.WaitConnectedAsync();
    var relay = new OutboxRelay(outbox, device);
    var started = new Dictionary<Guid, long>();
    var committedAt = new Dictionary<Guid, long>();
    var latencies = new List<double>(latencyEvents);
    var afterCommit = new List<double>(latencyEvents);
    var commits = new List<double>(latencyEvents);
    var gate = new Lock();
    relay.Delivered = d =>
    {
        long now = Stopwatch.GetTimestamp();
        lock (gate)
        {
            if (started.Remove(d.EventId, out long t0))
            {
                latencies.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
            }
            if (committedAt.Remove(d.EventId, out long t1))
            {
                afterCommit.Add(Stopwatch.GetElapsedTime(t1, now).TotalMilliseconds);
            }
        }
    };
    using var stop = new CancellationTokenSource();
    Task relaying = relay.RunAsync(stop.Token);

    using SqliteConnection connection = outbox.OpenConnection();
    using (SqliteCommand create = connection.CreateCommand())
    {
        create.CommandText = "CREATE TABLE IF NOT EXISTS zone_state (zone TEXT PRIMARY KEY, state TEXT, at INTEGER)";
        create.ExecuteNonQuery();
    }
    var interval = TimeSpan.FromSeconds(1.0 / latencyRate);
    var pace = Stopwatch.StartNew();
    for (int i = 0; i < latencyEvents; i++)
    {
        TimeSpan due = interval * i;
        if (pace.Elapsed < due)
        {
            await Task.Delay(due - pace.Elapsed);
        }
        DiscrepancyEvent e = Discrepancy($"zone-{i % zones}");
        long t0 = Stopwatch.GetTimestamp();
        lock (gate)
        {
            started[e.EventId] = t0;
        }
        using SqliteTransaction tx = connection.BeginTransaction();
        using (SqliteCommand state = connection.CreateCommand())
        {
            state.Transaction = tx;
            state.CommandText = "INSERT OR REPLACE INTO zone_state VALUES ($z, 'empty', $t)";
            state.Parameters.AddWithValue("$z", e.ZoneId);
            state.Parameters.AddWithValue("$t", i);
            state.ExecuteNonQuery();
        }
        outbox.Enqueue(tx, OutboxMessage.For(e));
        tx.Commit();
        long t1 = Stopwatch.GetTimestamp();
        lock (gate)
        {
            committedAt[e.EventId] = t1;
        }
        outbox.NotifyCommitted();
        commits.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
    }
    var deadline = Stopwatch.StartNew();
    while (relay.DeliveredCount < latencyEvents && deadline.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(5);
    }
    await stop.CancelAsync();
    await relaying;

    double[] sorted;
    double[] afterCommitSorted;
    lock (gate)
    {
        sorted = [.. latencies.Order()];
        afterCommitSorted = [.. afterCommit.Order()];
    }
    Console.WriteLine();
    Console.WriteLine($"latency: {sorted.Length:N0} events at {latencyRate}/s, one state change + event per transaction (fsync each)");
    Console.WriteLine($"  state change → PUBACK  p50 {Percentile(sorted, 0.50):0.00} ms   p99 {Percentile(sorted, 0.99):0.00} ms   max {sorted[^1]:0.00} ms");
    double[] commitSorted = [.. commits.Order()];
    Console.WriteLine($"  of which the commit    p50 {Percentile(commitSorted, 0.50):0.00} ms   p99 {Percentile(commitSorted, 0.99):0.00} ms   (serialize + insert + fsync)");
    Console.WriteLine($"  commit → PUBACK        p50 {Percentile(afterCommitSorted, 0.50):0.00} ms   p99 {Percentile(afterCommitSorted, 0.99):0.00} ms   (wake-up, read, publish, PUBACK)");
}

async Task RoundTrip()
{
    using var device = Client("s042", users["s042"]);
    await device.WaitConnectedAsync();
    byte[] payload = ContractParser.Serialize(Discrepancy("zone-rt"));
    var times = new double[1000];
    for (int i = 0; i < times.Length; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        await device.PublishAsync("edgeinv/s042/edge-01/discrepancy", payload);
        times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    Array.Sort(times);
    Console.WriteLine();
    Console.WriteLine($"client alone: {times.Length} sequential QoS 1 publishes, PublishAsync → PUBACK");
    Console.WriteLine($"  p50 {Percentile(times, 0.50):0.000} ms   p99 {Percentile(times, 0.99):0.000} ms");
}

static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

MqttConnection Client(string user, string password) => new(new MqttConnectionOptions
{
    Host = "127.0.0.1",
    Port = broker.Port,
    ClientId = $"bench-{user}-{Guid.NewGuid():N}"[..23],
    Username = user,
    Password = password,
    ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
    InboundCapacity = 100_000,
});

static DiscrepancyEvent Discrepancy(string zone) => new()
{
    EventId = EventIds.NewId(),
    OccurredAt = DateTimeOffset.UtcNow,
    StoreId = "s042",
    DeviceId = "edge-01",
    ModelVersion = "shelf-yolo11n 2025.06.1",
    DiscrepancyId = EventIds.NewId(),
    Phase = DiscrepancyPhase.Start,
    Kind = DiscrepancyKind.BelowMinimum,
    Severity = Severity.Warning,
    CameraId = "cam-1",
    ZoneId = zone,
    LocationId = $"s042/A1/{zone}",
    Sku = "7310865004703",
    ObservedUnits = 2,
    ExpectedUnits = 12,
    StartedAt = DateTimeOffset.UtcNow,
};
