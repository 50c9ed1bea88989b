using System.Collections.Concurrent;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging.Hosting;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Messaging.Tests;

/// <summary>AddEdgeMessaging in a real generic host against a real broker: configuration, start, run, stop.</summary>
public sealed class MessagingHostTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "edgeinv-host-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly MosquittoBroker broker = Fixtures.StartBroker();

    public MessagingHostTests()
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(PasswordFile, Fixtures.Users["s042"] + "\n");
    }

    private string PasswordFile => Path.Combine(directory, "mqtt-password");

    private string Database => Path.Combine(directory, "agent.db");

    public void Dispose()
    {
        broker.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private Dictionary<string, string?> ValidSettings() => new()
    {
        ["Messaging:StoreId"] = "s042",
        ["Messaging:DeviceId"] = "edge-01",
        ["Messaging:AgentVersion"] = "0.1.0-test",
        ["Messaging:Broker:Host"] = "127.0.0.1",
        ["Messaging:Broker:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Messaging:Broker:Username"] = "s042",
        ["Messaging:Broker:PasswordFile"] = PasswordFile,
        ["Messaging:Broker:ReconnectDelayMin"] = "00:00:00.05",
        ["Messaging:Broker:ReconnectDelayMax"] = "00:00:00.5",
        ["Messaging:Outbox:DatabasePath"] = Database,
        ["Messaging:Heartbeat:Interval"] = "00:00:01",
    };

    private static IHost BuildHost(Dictionary<string, string?> settings, IDeviceHealthSource? health = null, Action<EdgeMessagingOptions>? configure = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (health is not null)
        {
            builder.Services.AddSingleton(health);
        }
        builder.Services.AddLogging();
        builder.Services.AddEdgeMessaging(builder.Configuration, configure);
        return builder.Build();
    }

    [Fact]
    public async Task Bad_configuration_stops_the_host_at_start_naming_every_bad_key()
    {
        Dictionary<string, string?> settings = ValidSettings();
        settings["Messaging:StoreId"] = "cmd";
        settings["Messaging:DeviceId"] = "edge 01";
        settings["Messaging:Broker:Password"] = "also-set";
        settings["Messaging:Broker:Tls:CaFile"] = Path.Combine(directory, "missing-ca.crt");
        settings["Messaging:Outbox:MaxEvents"] = "5";
        settings["Messaging:Relay:MaxInFlight"] = "0";
        settings["Messaging:Heartbeat:Interval"] = "00:00:00";
        // The broker's settings are checked by MqttConnectionOptions.Validate, which names the first bad one only.
        using IHost host = BuildHost(settings, new FakeHealth());

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Fixtures.Patience));
        foreach (string key in new[]
        {
            "Messaging:StoreId", "Messaging:DeviceId", "Messaging:Broker:Password and Messaging:Broker:PasswordFile",
            "Messaging:Broker:Tls:CaFile", "Messaging:Outbox:MaxEvents", "Messaging:Relay:MaxInFlight",
            "Messaging:Heartbeat:Interval",
        })
        {
            Assert.Contains(key, refused.Message, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Database), "nothing may be created before the configuration is accepted");
    }

    [Fact]
    public async Task An_unknown_or_unconvertible_key_stops_the_host_naming_it()
    {
        Dictionary<string, string?> settings = ValidSettings();
        settings["Messaging:Broker:Hots"] = "broker.example";
        using (IHost host = BuildHost(settings, new FakeHealth()))
        {
            var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Fixtures.Patience));
            Assert.Contains("Messaging:Broker:Hots: unknown key", refused.Message, StringComparison.Ordinal);
        }

        settings = ValidSettings();
        settings["Messaging:Broker:Protocol"] = "V4";
        using (IHost host = BuildHost(settings, new FakeHealth()))
        {
            var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Fixtures.Patience));
            Assert.Contains("Messaging:Broker:Protocol", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_health_source_the_model_version_must_be_configured()
    {
        using (IHost host = BuildHost(ValidSettings()))
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().WaitAsync(Fixtures.Patience));
            Assert.Contains("Messaging:ModelVersion", refused.Message, StringComparison.Ordinal);
        }

        Dictionary<string, string?> settings = ValidSettings();
        settings["Messaging:ModelVersion"] = "shelf-yolo11n 2025.06.1";
        using (IHost host = BuildHost(settings))
        {
            await host.StartAsync().WaitAsync(Fixtures.Patience);
            await host.StopAsync().WaitAsync(Fixtures.Patience);
        }
    }

    [Fact]
    public async Task The_hosted_services_deliver_events_report_presence_and_heartbeats_and_take_commands()
    {
        using var cloud = new MqttConnection(Fixtures.Client(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        await cloud.SubscribeAsync("edgeinv/s042/edge-01/#").WaitAsync(Fixtures.Patience);
        var received = new ConcurrentQueue<MqttMessage>();
        using var stopReading = new CancellationTokenSource();
        Task reading = Task.Run(async () =>
        {
            try
            {
                await foreach (MqttMessage m in cloud.Messages.ReadAllAsync(stopReading.Token))
                {
                    received.Enqueue(m);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var health = new FakeHealth();
        // The host's own ids and database path win over the file (how the agent passes what it already knows).
        Dictionary<string, string?> settings = ValidSettings();
        settings["Messaging:DeviceId"] = "edge-99";
        using IHost host = BuildHost(settings, health, o => o.DeviceId = "edge-01");
        await host.StartAsync().WaitAsync(Fixtures.Patience);

        DeviceStatus online = await Next<DeviceStatus>(received, Topics.DeviceStatus("s042", "edge-01"), s => s.State == DeviceState.Online);
        Assert.Equal("0.1.0-test", online.AgentVersion);
        Assert.Equal(FakeHealth.ModelVersion, online.ModelVersion);

        Heartbeat beat = await Next<Heartbeat>(received, Topics.Heartbeat("s042", "edge-01"), _ => true);
        Assert.Equal("cam-aisle-3", Assert.Single(beat.Cameras).CameraId);
        Assert.Equal(3, beat.OpenDiscrepancies);
        // Seconds since this process started, by the time the heartbeat carries (stored to the millisecond).
        long sinceStart = (long)(beat.OccurredAt - ProcessStartedAt()).TotalSeconds;
        Assert.InRange(beat.UptimeSeconds, sinceStart - 1, sinceStart);

        // An event enqueued with the agent's state change is delivered by the hosted relay.
        var outbox = host.Services.GetRequiredService<SqliteOutbox>();
        DiscrepancyEvent discrepancy = TestMessages.Discrepancy("zone-7");
        using (SqliteConnection connection = outbox.OpenConnection())
        using (SqliteTransaction transaction = connection.BeginTransaction())
        {
            outbox.Enqueue(transaction, OutboxMessage.From(discrepancy));
            outbox.Commit(transaction);
        }
        DiscrepancyEvent delivered = await Next<DiscrepancyEvent>(received, Topics.Discrepancy("s042", "edge-01"), e => e.EventId == discrepancy.EventId);
        Assert.Equal("zone-7", delivered.ZoneId);

        // Commands from the cloud reach the intake's channel.
        ScannerCount count = CommandIntakeTests.Scanner("s042");
        var intake = host.Services.GetRequiredService<CommandIntake>();
        await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(count)).WaitAsync(Fixtures.Patience);
        InboundCommand<ScannerCount> taken = await intake.ScannerCounts.ReadAsync().AsTask().WaitAsync(Fixtures.Patience);
        Assert.Equal(count.EventId, taken.Message.EventId);
        await taken.AcknowledgeAsync();

        // A later heartbeat sees the outbox drained.
        Heartbeat later = await Next<Heartbeat>(received, Topics.Heartbeat("s042", "edge-01"), h => h.EventId != beat.EventId && h.OutboxPending == 0);
        Assert.Null(later.OutboxOldestAgeSeconds);

        await host.StopAsync().WaitAsync(Fixtures.Patience);
        DeviceStatus offline = await Next<DeviceStatus>(received, Topics.DeviceStatus("s042", "edge-01"), s => s.State == DeviceState.Offline);
        Assert.Equal("shutdown", offline.Reason);

        await stopReading.CancelAsync();
        await reading;
    }

    [Fact]
    public async Task A_heartbeat_is_skipped_not_queued_while_the_broker_is_unreachable()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = Database });
        broker.Stop();
        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        var heartbeat = new HeartbeatPublisher(client, outbox, new FakeHealth(), "s042", "edge-01", TimeSpan.FromSeconds(1));
        Assert.False(await heartbeat.PublishOnceAsync());
        Assert.Equal(1, heartbeat.Skipped);
        Assert.Equal(0, heartbeat.Sent);

        broker.StartProcess();
        await client.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        Assert.True(await heartbeat.PublishOnceAsync());
        Assert.Equal(1, heartbeat.Sent);
    }

    [Fact]
    public async Task A_heartbeat_reports_the_time_since_the_process_started_by_the_clock_it_is_given()
    {
        using var cloud = new MqttConnection(Fixtures.Client(broker.Port, "cloud"));
        await cloud.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        await cloud.SubscribeAsync(Topics.Heartbeat("s042", "edge-01")).WaitAsync(Fixtures.Patience);
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = Database });
        using var client = new MqttConnection(Fixtures.Client(broker.Port, "s042"));
        await client.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        DateTimeOffset now = ProcessStartedAt() + TimeSpan.FromHours(2) + TimeSpan.FromSeconds(3.5);
        var heartbeat = new HeartbeatPublisher(client, outbox, new FakeHealth(), "s042", "edge-01", TimeSpan.FromSeconds(1), clock: new FixedClock(now));

        Assert.True(await heartbeat.PublishOnceAsync());
        using var wait = new CancellationTokenSource(Fixtures.Patience);
        Heartbeat beat = ContractParser.Parse<Heartbeat>((await cloud.Messages.ReadAsync(wait.Token)).Payload).Message!;
        Assert.Equal(7203, beat.UptimeSeconds);
        Assert.Equal(now.ToUnixTimeMilliseconds(), beat.OccurredAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Device_status_is_dated_by_the_clock_presence_is_given()
    {
        var at = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
        var presence = new DevicePresence("s042", "edge-01", "1.0", "model-1", new FixedClock(at));
        DeviceStatus will = ContractParser.Parse<DeviceStatus>(presence.Will().Payload).Message!;
        Assert.Equal((DeviceState.Offline, at.ToUnixTimeMilliseconds()), (will.State, will.OccurredAt.ToUnixTimeMilliseconds()));
    }

    private static DateTimeOffset ProcessStartedAt()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }


    /// <summary>Waits for the first message on <paramref name="topic"/> that parses and matches; removes nothing.</summary>
    private static async Task<T> Next<T>(ConcurrentQueue<MqttMessage> received, string topic, Func<T, bool> match)
        where T : ContractMessage, IContractMessage<T>
    {
        var deadline = DateTime.UtcNow + Fixtures.Patience;
        while (DateTime.UtcNow < deadline)
        {
            foreach (MqttMessage m in received)
            {
                if (m.Topic == topic && ContractParser.Parse<T>(m.Payload).Message is { } parsed && match(parsed))
                {
                    return parsed;
                }
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no matching {T.SchemaName} on '{topic}' within {Fixtures.Patience}; got {received.Count} messages");
    }

    private sealed class FakeHealth : IDeviceHealthSource
    {
        public const string ModelVersion = "shelf-yolo11n 2025.06.1";

        public DeviceHealth Current() => new(ModelVersion, [new CameraHealth { CameraId = "cam-aisle-3", State = CameraState.Up, FramesCaptured = 12, FramesSkipped = 1 }], 3);
    }
}
