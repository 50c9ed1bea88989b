using System.Diagnostics;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Messaging.Tests;

public sealed class OutboxRelayTests : IDisposable
{
    private readonly string database = Fixtures.TempDatabase();
    private readonly MosquittoBroker broker = Fixtures.StartBroker();

    public void Dispose()
    {
        broker.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (string f in new[] { database, database + "-wal", database + "-shm" })
        {
            File.Delete(f);
        }
    }

    [Fact]
    public async Task A_commit_wakes_the_relay_without_waiting_for_its_poll()
    {
        using var collector = new Collector(broker.Port);
        await collector.SubscribeAsync();
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        await client.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        // A poll far longer than the test may wait: only the post-commit wake-up can deliver these in time.
        var relay = new OutboxRelay(outbox, client, new OutboxRelayOptions { PollInterval = TimeSpan.FromHours(1) });
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.WaitingForWork = () => waiting.TrySetResult();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task running = relay.RunAsync(stop.Token);
        // Its first read (of the empty outbox) is done and it waits: from here only a wake-up can deliver.
        await waiting.Task.WaitAsync(Fixtures.Patience);

        using SqliteConnection connection = outbox.OpenConnection();
        for (int i = 1; i <= 3; i++)
        {
            using SqliteTransaction transaction = connection.BeginTransaction();
            outbox.Enqueue(transaction, OutboxMessage.For(TestMessages.Discrepancy("zone-1")));
            outbox.Commit(transaction);
            await collector.WaitForDistinctAsync(i, Fixtures.Patience);
        }

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Ten_thousand_events_all_arrive_across_two_broker_restarts()
    {
        using var collector = new Collector(broker.Port);
        await collector.SubscribeAsync();
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        for (int batch = 0; batch < 20; batch++)
        {
            outbox.EnqueueBatch(Enumerable.Range(0, 500).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % 50}"))));
        }

        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var relay = new OutboxRelay(outbox, client);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task running = relay.RunAsync(stop.Token);

        foreach (int threshold in new[] { 2_000, 6_000 })
        {
            await collector.WaitForDistinctAsync(threshold, TimeSpan.FromSeconds(20));
            broker.Stop();
            // The client saw the broker go, so the restart below is a reconnect with events still to send.
            var down = Stopwatch.StartNew();
            while (client.State == MqttConnectionState.Connected && down.Elapsed < Fixtures.Patience)
            {
                await Task.Delay(20);
            }
            Assert.NotEqual(MqttConnectionState.Connected, client.State);
            Assert.True(outbox.Stats().Count > 0, "the outbox drained before the broker was stopped; the test proves nothing");
            broker.StartProcess();
        }

        await collector.WaitForDistinctAsync(10_000, TimeSpan.FromSeconds(25));
        Assert.Equal(10_000, collector.Copies.Count);
        collector.AssertDuplicatesIdenticalAndZonesInOrder();
        var deadline = Stopwatch.StartNew();
        while (outbox.Stats().Count > 0 && deadline.Elapsed < Fixtures.Patience)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, outbox.Stats().Count);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_refused_event_stays_in_the_outbox_and_is_retried_while_other_zones_flow()
    {
        using var collector = new Collector(broker.Port);
        await collector.SubscribeAsync();
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        OutboxMessage forged = OutboxMessage.For(TestMessages.Discrepancy("zone-x", store: "s043"));
        outbox.EnqueueBatch([forged]);
        outbox.EnqueueBatch(Enumerable.Range(0, 50).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % 5}"))));

        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var relay = new OutboxRelay(outbox, client, new OutboxRelayOptions { RetryDelayMin = TimeSpan.FromMilliseconds(100) });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task running = relay.RunAsync(stop.Token);

        await collector.WaitForDistinctAsync(50, Fixtures.Patience);
        var deadline = Stopwatch.StartNew();
        (long attempts, string? error) = (0, null);
        while (attempts < 2 && deadline.Elapsed < Fixtures.Patience)
        {
            await Task.Delay(50);
            (attempts, error) = FailureOf(forged.EventId);
        }
        Assert.True(attempts >= 2, $"the refused event was tried {attempts} times");
        Assert.Contains("reason code 135", error, StringComparison.Ordinal);

        // The collector can see a message before the relay has its PUBACK and the deleter has removed the row.
        while (outbox.Stats().Count > 1 && deadline.Elapsed < Fixtures.Patience)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, outbox.Stats().Count);
        Assert.False(collector.Copies.ContainsKey(forged.EventId));
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Events_no_one_subscribed_to_are_counted_as_unrouted_and_routed_ones_are_not()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var relay = new OutboxRelay(outbox, client);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task running = relay.RunAsync(stop.Token);

        // No subscriber yet: the broker acknowledges with reason 16 and drops them.
        outbox.EnqueueBatch(Enumerable.Range(0, 5).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i}"))));
        var deadline = Stopwatch.StartNew();
        while (relay.DeliveredCount < 5 && deadline.Elapsed < Fixtures.Patience)
        {
            await Task.Delay(20);
        }

        Assert.Equal(5, relay.DeliveredCount);
        Assert.Equal(5, relay.UnroutedCount);

        using var collector = new Collector(broker.Port);
        await collector.SubscribeAsync();
        outbox.EnqueueBatch(Enumerable.Range(0, 3).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i}"))));
        await collector.WaitForDistinctAsync(3, Fixtures.Patience);
        while (relay.DeliveredCount < 8 && deadline.Elapsed < Fixtures.Patience)
        {
            await Task.Delay(20);
        }

        Assert.Equal(8, relay.DeliveredCount);
        Assert.Equal(5, relay.UnroutedCount);
        await stop.CancelAsync();
        await running;
    }

    private (long Attempts, string? Error) FailureOf(Guid eventId)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT attempts, last_error FROM outbox WHERE event_id = $id";
        command.Parameters.AddWithValue("$id", eventId.ToString());
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (0, null);
    }

    [Fact]
    public async Task After_kill_9_of_the_publishing_process_a_restart_delivers_the_rest()
    {
        using var collector = new Collector(broker.Port);
        await collector.SubscribeAsync();
        const int total = 5_000;

        using (Process first = StartHost(total))
        {
            await collector.WaitForDistinctAsync(500, TimeSpan.FromSeconds(20));
            first.Kill(entireProcessTree: true); // SIGKILL: no flush, no clean disconnect
            await first.WaitForExitAsync();
        }
        long left = new SqliteOutbox(new OutboxOptions { DatabasePath = database }).Stats().Count;
        Assert.True(left > 0, "the host finished before it was killed; the test proves nothing");

        using (Process second = StartHost(0))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(25));
            await second.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, second.ExitCode);
        }
        await collector.WaitForDistinctAsync(total, Fixtures.Patience);
        Assert.Equal(total, collector.Copies.Count);
        collector.AssertDuplicatesIdenticalAndZonesInOrder();
    }

    private Process StartHost(int enqueue) =>
        Fixtures.StartTestHost(database, broker.Port, ["--enqueue", enqueue.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
}
