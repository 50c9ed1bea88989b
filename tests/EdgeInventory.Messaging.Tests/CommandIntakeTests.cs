using System.Text;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;

namespace EdgeInventory.Messaging.Tests;

public sealed class CommandIntakeTests : IDisposable
{
    private readonly MosquittoBroker broker = Fixtures.StartBroker();

    public void Dispose() => broker.Dispose();

    [Fact]
    public async Task Malformed_inbound_messages_are_refused_counted_by_reason_and_change_nothing()
    {
        using var device = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var intake = new CommandIntake(device, "s042");
        await device.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        await intake.SubscribeAsync().WaitAsync(Fixtures.Patience);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Task running = intake.RunAsync(stop.Token);

        using var cloud = new MqttConnection(Fixtures.Client(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        string scannerTopic = Topics.ScannerCount("s042");
        ScannerCount valid = Scanner("s042");
        string validJson = Encoding.UTF8.GetString(ContractParser.Serialize(valid));
        string[] bad =
        [
            "{not json",
            validJson.Replace("edgeinv.scanner-count/1", "edgeinv.scanner-count/2", StringComparison.Ordinal),
            validJson.Replace("\"sku\"", "\"padding\":\"" + new string('x', 5000) + "\",\"sku\"", StringComparison.Ordinal),
            validJson.Replace("\"quantity\":7", "\"quantity\":-7", StringComparison.Ordinal),
            Encoding.UTF8.GetString(ContractParser.Serialize(Scanner("s043"))),
        ];
        foreach (string payload in bad)
        {
            await cloud.PublishAsync(scannerTopic, Encoding.UTF8.GetBytes(payload)).WaitAsync(Fixtures.Patience);
        }
        await cloud.PublishAsync("edgeinv/cmd/s042/reboot", "{}"u8).WaitAsync(Fixtures.Patience);
        await cloud.PublishAsync(scannerTopic, Encoding.UTF8.GetBytes(validJson)).WaitAsync(Fixtures.Patience);

        // Same publisher, same order: when the valid one is through, every bad one has been judged.
        using var wait = new CancellationTokenSource(Fixtures.Patience);
        ScannerCount accepted = (await intake.ScannerCounts.ReadAsync(wait.Token)).Message;
        Assert.Equal(valid.EventId, accepted.EventId);
        Assert.False(intake.ScannerCounts.TryRead(out _));
        Assert.Equal(1, intake.Rejected[nameof(ContractRejectionReason.NotJson)]);
        Assert.Equal(1, intake.Rejected[nameof(ContractRejectionReason.UnsupportedVersion)]);
        Assert.Equal(1, intake.Rejected[nameof(ContractRejectionReason.Oversized)]);
        Assert.Equal(1, intake.Rejected[nameof(ContractRejectionReason.InvalidValue)]);
        Assert.Equal(1, intake.Rejected[CommandIntake.WrongStore]);
        Assert.Equal(1, intake.Rejected[CommandIntake.UnknownTopic]);

        // The same counts on the process's Prometheus registry (the agent's /metrics), under the names the README lists.
        using var exposition = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(exposition);
        string metrics = Encoding.UTF8.GetString(exposition.ToArray());
        Assert.Contains("# TYPE edgeinv_inbound_rejected_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("edgeinv_inbound_rejected_total{reason=\"WrongStore\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE edgeinv_mqtt_connected gauge", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("_total_total", metrics, StringComparison.Ordinal);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task Fuzzed_messages_of_each_inbound_type_are_each_refused_with_a_reason_and_the_intake_keeps_taking_commands()
    {
        using var device = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var intake = new CommandIntake(device, "s042");
        await device.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        await intake.SubscribeAsync().WaitAsync(Fixtures.Patience);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task running = intake.RunAsync(stop.Token);
        using var cloud = new MqttConnection(Fixtures.Client(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Fixtures.Patience);

        ExpectedStockUpdate update = new()
        {
            EventId = EventIds.NewId(), OccurredAt = DateTimeOffset.UtcNow, StoreId = "s042", DeviceId = "erp", ModelVersion = null, Mode = ExpectedStockMode.Merge, EffectiveAt = DateTimeOffset.UtcNow,
            Items = [new ExpectedStockItem { LocationId = "s042/A3/B2/S4", Sku = "7310865004703", ExpectedUnits = 12, MinFacings = 2, Capacity = 24 }],
        };
        (string Topic, List<byte[]> Cases)[] inputs =
        [
            (Topics.ScannerCount("s042"), MalformedPayloads.For(Scanner("s042"), 300, seed: 15)),
            (Topics.ExpectedStock("s042"), MalformedPayloads.For(update, 300, seed: 16)),
        ];
        foreach ((string topic, List<byte[]> cases) in inputs)
        {
            foreach (byte[] payload in cases)
            {
                await cloud.PublishAsync(topic, payload).WaitAsync(Fixtures.Patience);
            }
        }

        // Same publisher, same order: when the valid ones are through, every fuzzed one has been judged.
        ScannerCount valid = Scanner("s042");
        await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(valid)).WaitAsync(Fixtures.Patience);
        await cloud.PublishAsync(Topics.ExpectedStock("s042"), ContractParser.Serialize(update)).WaitAsync(Fixtures.Patience);
        using var wait = new CancellationTokenSource(Fixtures.Patience);
        Assert.Equal(valid.EventId, (await intake.ScannerCounts.ReadAsync(wait.Token)).Message.EventId);
        Assert.Equal(update.EventId, (await intake.ExpectedStock.ReadAsync(wait.Token)).Message.EventId);
        Assert.False(intake.ScannerCounts.TryRead(out _));
        Assert.False(intake.ExpectedStock.TryRead(out _));
        Assert.Equal(inputs.Sum(i => i.Cases.Count), intake.Rejected.Values.Sum());
        Assert.All(intake.Rejected.Keys, reason => Assert.True(Enum.IsDefined(typeof(ContractRejectionReason), reason) || reason == CommandIntake.WrongStore, reason));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    internal static ScannerCount Scanner(string store) => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = DateTimeOffset.UtcNow,
        StoreId = store,
        DeviceId = "scanner-17",
        ModelVersion = null,
        LocationId = $"{store}/A3/B2/S4",
        Sku = "7310865004703",
        Quantity = 7,
        CountedAt = DateTimeOffset.UtcNow,
    };
}

/// <summary>Commands the agent received but had not stored when it died are delivered again (persistent session, acknowledgement after storing).</summary>
public sealed class CommandDeliveryTests : IDisposable
{
    private readonly string database = Fixtures.TempDatabase();
    private readonly MosquittoBroker broker = Fixtures.StartBroker();

    public void Dispose()
    {
        broker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (string f in new[] { database, database + "-wal", database + "-shm" })
        {
            File.Delete(f);
        }
    }

    [Fact]
    public async Task Commands_received_but_not_stored_when_the_agent_is_killed_are_applied_once_after_its_restart()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        bool subscribed = false;
        using var cloud = new MqttConnection(Fixtures.Client(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        ScannerCount[] counts = [.. Enumerable.Range(0, 5).Select(_ => CommandIntakeTests.Scanner("s042"))];

        using (System.Diagnostics.Process holding = Fixtures.StartTestHost(database, broker.Port, ["--commands", "hold"], line =>
        {
            if (line == "subscribed")
            {
                Volatile.Write(ref subscribed, true);
            }
            else if (line.StartsWith("received ", StringComparison.Ordinal))
            {
                received.Enqueue(line["received ".Length..]);
            }
        }))
        {
            Assert.True(await WaitFor(() => Volatile.Read(ref subscribed)), "the first host never subscribed");
            foreach (ScannerCount count in counts)
            {
                await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(count)).WaitAsync(Fixtures.Patience);
            }
            // Every command reached the agent, which had not stored any of them when it died.
            Assert.True(await WaitFor(() => received.Count == counts.Length), $"the first host received {received.Count} of {counts.Length}");
            holding.Kill(entireProcessTree: true);
            await holding.WaitForExitAsync();
        }
        Assert.Equal(counts.Select(c => c.EventId.ToString()).Order(), received.Order());

        using (System.Diagnostics.Process storing = Fixtures.StartTestHost(database, broker.Port, ["--commands", "store", "--expect", counts.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(25));
            await storing.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, storing.ExitCode);
        }
        Assert.Equal(counts.Select(c => c.EventId.ToString()).Order(), Applied().Order());
    }

    private static async Task<bool> WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Fixtures.Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    private List<string> Applied()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using Microsoft.Data.Sqlite.SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT event_id FROM applied";
        using Microsoft.Data.Sqlite.SqliteDataReader reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
