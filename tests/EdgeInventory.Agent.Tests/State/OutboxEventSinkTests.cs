using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Agent.Tests.State;

/// <summary>
/// The agent's state store writing through agent/Messaging's outbox, with a real relay and a real mosquitto
/// (deployment ACL): the store's own connection is the one that enqueues, and its commits wake the relay.
/// </summary>
public sealed class OutboxEventSinkTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_recorded_discrepancy_is_published_after_the_commit_without_waiting_for_the_relay_s_poll()
    {
        using MosquittoBroker broker = MosquittoBroker.Start(new Dictionary<string, string> { ["s042"] = "store-pw", ["cloud"] = "cloud-pw" });
        using var cloud = new MqttConnection(Options(broker.Port, "cloud", "cloud-pw"));
        await cloud.WaitConnectedAsync().WaitAsync(Patience);
        await cloud.SubscribeAsync("edgeinv/s042/#");

        string database = _dir.File("agent.db");
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using var store = new AgentStore(database, new OutboxEventSink(outbox, NullLogger<OutboxEventSink>.Instance));
        using var device = new MqttConnection(Options(broker.Port, "s042", "store-pw"));
        await device.WaitConnectedAsync().WaitAsync(Patience);
        // A poll far longer than the test waits: only the wake-up after the store's commit can deliver in time.
        var relay = new OutboxRelay(outbox, device, new OutboxRelayOptions { PollInterval = TimeSpan.FromHours(1) });
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.WaitingForWork = () => waiting.TrySetResult();
        using var stop = new CancellationTokenSource();
        Task relaying = relay.RunAsync(stop.Token);
        // Its first read (of the empty outbox) is done and it waits: from here only a wake-up can deliver.
        await waiting.Task.WaitAsync(Patience);

        for (int i = 1; i <= 3; i++)
        {
            DiscrepancyEvent sent = TestMessages.Discrepancy("z" + i);
            store.Record([], [sent]);
            using var wait = new CancellationTokenSource(Patience);
            MqttMessage received = await cloud.Messages.ReadAsync(wait.Token);
            Assert.Equal("edgeinv/s042/edge-01/discrepancy", received.Topic);
            Assert.Equal(sent.EventId, ContractParser.Parse<DiscrepancyEvent>(received.Payload).Message!.EventId);
        }

        // Deleted once acknowledged (the PUBACK may come after the cloud's copy, so wait for it).
        Assert.True(await TestSupport.WaitFor(() => outbox.Stats().Count == 0, Patience), "acknowledged events were not deleted");
        await stop.CancelAsync();
        await relaying;
    }

    [Fact]
    public void The_store_s_connection_must_be_on_the_outbox_s_database_and_shares_its_transactions()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = _dir.File("outbox-elsewhere.db") });
        var refused = Assert.Throws<ArgumentException>(() => new AgentStore(_dir.File("agent.db"), new OutboxEventSink(outbox, NullLogger<OutboxEventSink>.Instance)));
        Assert.Contains("must share one database", refused.Message, StringComparison.Ordinal);

        string database = _dir.File("shared.db");
        var shared = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using var store = new AgentStore(database, new OutboxEventSink(shared, NullLogger<OutboxEventSink>.Instance));
        DiscrepancyEvent e = TestMessages.Discrepancy("z1");
        store.Record([], [e]);
        Assert.Equal("wal", store.JournalMode);

        // The event and its state change were committed together.
        using var check = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        check.Open();
        using SqliteCommand cmd = check.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM outbox WHERE event_id = $id), (SELECT COUNT(*) FROM open_discrepancy WHERE discrepancy_id = $d)";
        cmd.Parameters.AddWithValue("$id", e.EventId.ToString());
        cmd.Parameters.AddWithValue("$d", e.DiscrepancyId.ToString());
        using SqliteDataReader r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal((1L, 1L), (r.GetInt64(0), r.GetInt64(1)));
    }

    private static MqttConnectionOptions Options(int port, string user, string password) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = $"{user}-{Guid.NewGuid():N}"[..20],
        Username = user,
        Password = password,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromSeconds(1),
    };
}
