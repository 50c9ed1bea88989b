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
