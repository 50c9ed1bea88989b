using System.Text.Json.Nodes;
using EdgeInventory.Contracts;
using EdgeInventory.Imaging;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// The agent with MQTT delivery (its <c>Messaging</c> section, agent/Messaging's hosting) against a real
/// mosquitto using the deployment ACL: discrepancies reach the cloud's subscription through the outbox, woken
/// by the agent's commits; the device's status is retained online; a heartbeat reports the agent's cameras;
/// and a scanner count the cloud publishes is applied by the agent.
/// </summary>
public sealed class MqttDeliveryTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// These tests need a discrepancy to deliver: the tiny fixture model finds no product on the stocked sample photo,
    /// which the detector alone reads as out of stock. With the zone's pixels read (the default) the agent rightly sees
    /// the shelf stocked and raises nothing, so they judge by the detector alone.
    /// </summary>
    private static void DetectorAlone(JsonObject config) =>
        config["Agent"]!["Reconciliation"] = new JsonObject { ["ReadShelfPixels"] = false };

    [Fact]
    public async Task Events_go_out_through_the_outbox_and_commands_come_in()
    {
        using MosquittoBroker broker = MosquittoBroker.Start(new Dictionary<string, string> { ["s042"] = "store-pw", ["cloud"] = "cloud-pw" });
        using var cloud = new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1", Port = broker.Port, ClientId = "cloud-test", Username = "cloud", Password = "cloud-pw",
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50), ReconnectDelayMax = TimeSpan.FromSeconds(1),
        });
        await cloud.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await cloud.SubscribeAsync("edgeinv/s042/#");
        var received = new List<MqttMessage>();
        using var stop = new CancellationTokenSource();
        Task reader = Task.Run(async () =>
        {
            try
            {
                await foreach (MqttMessage m in cloud.Messages.ReadAllAsync(stop.Token))
                {
                    lock (received)
                    {
                        received.Add(m);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // The tiny fixture model finds no product in the zone: an out-of-stock discrepancy follows within seconds.
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 0.5, 8, 3)), TestSupport.FreePort());
        DetectorAlone(config);
        config["Messaging"] = new JsonObject
        {
            // The user defaults to the store id; ids, database and versions come from the Agent section.
            ["Broker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = broker.Port, ["Password"] = "store-pw", ["ReconnectDelayMin"] = "00:00:00.1" },
            // A poll far longer than the test: events arrive only because the agent's commits wake the relay.
            ["Relay"] = new JsonObject { ["PollInterval"] = "01:00:00" },
            ["Heartbeat"] = new JsonObject { ["Interval"] = "00:00:05" },
        };
        await using (AgentRun run = await AgentRun.StartAsync(_dir, config))
        {
            bool Has(string leaf, Func<MqttMessage, bool>? also = null)
            {
                lock (received)
                {
                    return received.Any(m => m.Topic == $"edgeinv/s042/edge-test/{leaf}" && (also?.Invoke(m) ?? true));
                }
            }

            Assert.True(await TestSupport.WaitFor(() => Has("discrepancy"), TimeSpan.FromSeconds(30)), "no discrepancy reached the cloud\n" + broker.ReadLog());
            Assert.True(await TestSupport.WaitFor(() => Has("status", m => ContractParser.Parse<DeviceStatus>(m.Payload).Message?.State == DeviceState.Online), TimeSpan.FromSeconds(10)));
            Assert.True(await TestSupport.WaitFor(() => Has("counts"), TimeSpan.FromSeconds(10)));
            Assert.True(await TestSupport.WaitFor(() => Has("heartbeat"), TimeSpan.FromSeconds(15)));
            Heartbeat heartbeat;
            lock (received)
            {
                heartbeat = ContractParser.Parse<Heartbeat>(received.First(m => m.Topic.EndsWith("/heartbeat", StringComparison.Ordinal)).Payload).Message!;
            }

            // The agent's health source, not the library's configured fallback: its model and its camera.
            Assert.Equal("cam-shelf", Assert.Single(heartbeat.Cameras).CameraId);
            Assert.False(string.IsNullOrEmpty(heartbeat.ModelVersion));

            // agent/Messaging's counters are on the agent's /metrics beside its own.
            using var http = new HttpClient { BaseAddress = run.BaseUri };
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("edgeinv_heartbeats_sent_total", metrics, StringComparison.Ordinal);
            Assert.Contains("edgeinv_outbox_delivered_total", metrics, StringComparison.Ordinal);
            MqttMessage discrepancy;
            lock (received)
            {
                discrepancy = received.First(m => m.Topic.EndsWith("/discrepancy", StringComparison.Ordinal));
            }

            DiscrepancyEvent e = ContractParser.Parse<DiscrepancyEvent>(discrepancy.Payload).Message!;
            Assert.Equal(("z1", DiscrepancyKind.OutOfStock, DiscrepancyPhase.Start), (e.ZoneId, e.Kind, e.Phase));

            // A schema string that is not UTF-8 used to throw out of the parser and stop the intake (and the host with it).
            await cloud.PublishAsync(Topics.ScannerCount("s042"), [.. "{\"schema\":\"edgeinv.scanner-count/1"u8, 0xC3, 0x28, .. "\"}"u8], qos: 1);
            // A count dated in the far future is refused (issue 15) and acknowledged: the next one still comes in.
            ScannerCount future = Count(4) with { CountedAt = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero) };
            await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(future), qos: 1);

            // The cloud publishes an authoritative count for the zone; the agent stores it.
            ScannerCount count = Count(5);
            await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(count), qos: 1);
            Assert.True(await TestSupport.WaitFor(() => ScannerCountStored(run.StateDirectory, count.EventId), TimeSpan.FromSeconds(10)), "the scanner count from the cloud was not stored");
            Assert.Equal(0, Rows(run.StateDirectory, "scanner_count", future.EventId));
            metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("edgeinv_scanner_counts_total{result=\"futuredated\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("edgeinv_inbound_rejected_total{reason=\"NotJson\"} 1", metrics, StringComparison.Ordinal);
        }

        // A clean stop says so on the retained status topic.
        Assert.True(await TestSupport.WaitFor(() =>
        {
            lock (received)
            {
                return received.Any(m => m.Topic.EndsWith("/status", StringComparison.Ordinal) && ContractParser.Parse<DeviceStatus>(m.Payload).Message is { State: DeviceState.Offline, Reason: "shutdown" });
            }
        }, TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        await reader;
    }

    [Fact]
    public async Task Commands_published_while_the_agent_is_down_are_applied_once_when_it_is_back()
    {
        using MosquittoBroker broker = MosquittoBroker.Start(new Dictionary<string, string> { ["s042"] = "store-pw", ["cloud"] = "cloud-pw" });
        using var cloud = new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1", Port = broker.Port, ClientId = "cloud-test", Username = "cloud", Password = "cloud-pw",
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50), ReconnectDelayMax = TimeSpan.FromSeconds(1),
        });
        await cloud.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(10));
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 0.5, 8, 3)), TestSupport.FreePort());
        DetectorAlone(config);
        config["Messaging"] = new JsonObject
        {
            ["Broker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = broker.Port, ["Password"] = "store-pw", ["ReconnectDelayMin"] = "00:00:00.1" },
            ["Heartbeat"] = new JsonObject { ["Enabled"] = false },
        };
        string state = _dir.File("state");

        // A first run makes the device's session with the broker: its command subscription, under its stable client id.
        ScannerCount before = Count(5);
        await using (AgentRun first = await AgentRun.StartAsync(_dir, config))
        {
            // Sent until stored: one published before the agent's first SUBSCRIBE reaches nobody. Copies are duplicates.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!ScannerCountStored(state, before.EventId))
            {
                Assert.True(DateTime.UtcNow < deadline, "the first run never took a command");
                await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(before));
                await TestSupport.WaitFor(() => ScannerCountStored(state, before.EventId), TimeSpan.FromMilliseconds(500));
            }
        }

        // The agent is down (a clean stop keeps the session): the cloud sends its commands anyway.
        ScannerCount[] whileDown = [Count(6), Count(7), Count(8)];
        foreach (ScannerCount count in whileDown)
        {
            await cloud.PublishAsync(Topics.ScannerCount("s042"), ContractParser.Serialize(count));
        }
        ExpectedStockUpdate update = TestMessages.ExpectedStock(ExpectedStockMode.Merge, [new ExpectedStockItem { LocationId = "s042/A1/B1/z1", Sku = "sku-z1", ExpectedUnits = 9 }]);
        await cloud.PublishAsync(Topics.ExpectedStock("s042"), ContractParser.Serialize(update));

        await using (AgentRun second = await AgentRun.StartAsync(_dir, config))
        {
            Assert.True(await TestSupport.WaitFor(() => whileDown.All(c => ScannerCountStored(state, c.EventId)) && Rows(state, "expected_stock_update", update.EventId) == 1, TimeSpan.FromSeconds(15)),
                "the commands sent while the agent was down did not all arrive\n" + broker.ReadLog());
        }
        // Each applied once: the one from before the outage was not delivered again, none twice.
        Assert.All(whileDown.Append(before), c => Assert.Equal(1, Rows(state, "scanner_count", c.EventId)));
        Assert.Equal(1, Rows(state, "expected_stock_update", update.EventId));
    }

    [Fact]
    public async Task A_discrepancy_s_evidence_photo_reaches_the_cloud_after_its_event()
    {
        using MosquittoBroker broker = MosquittoBroker.Start(new Dictionary<string, string> { ["s042"] = "store-pw", ["cloud"] = "cloud-pw" });
        await using TopicListener cloud = await TopicListener.StartAsync(broker.Port, "cloud", "cloud-pw", "edgeinv/s042/#", clientId: "cloud-test");
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        await using (AgentRun run = await AgentRun.StartAsync(_dir, EvidenceConfig(broker.Port, video)))
        {
            Assert.True(await TestSupport.WaitFor(() => cloud.Any(m => m.Topic.Contains("/evidence/", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                "no evidence photo reached the cloud\n" + broker.ReadLog());
            List<MqttMessage> received = cloud.Snapshot();
            int photoAt = received.FindIndex(m => m.Topic.Contains("/evidence/", StringComparison.Ordinal));
            ContractParseResult<EvidencePhoto> parsed = ContractParser.Parse<EvidencePhoto>(received[photoAt].Payload);
            Assert.True(parsed.IsValid, $"the photo does not parse: {parsed.Rejection}");
            EvidencePhoto photo = parsed.Message!;

            // Its event came first, and names the same evidence with the same hash.
            int eventAt = received.FindIndex(m => m.Topic == "edgeinv/s042/edge-test/discrepancy"
                && ContractParser.Parse<DiscrepancyEvent>(m.Payload).Message?.EventId == photo.SourceEventId);
            Assert.InRange(eventAt, 0, photoAt - 1);
            DiscrepancyEvent e = ContractParser.Parse<DiscrepancyEvent>(received[eventAt].Payload).Message!;
            Assert.NotNull(e.Evidence);
            Assert.Equal(Topics.Evidence("s042", "edge-test", e.Evidence.EvidenceId), received[photoAt].Topic);
            Assert.Equal((e.Evidence.EvidenceId, e.Evidence.Sha256, e.Evidence.Width, e.Evidence.Height), (photo.EvidenceId, photo.Sha256, photo.Width, photo.Height));
            Assert.Equal((e.DiscrepancyId, e.CameraId, e.ZoneId), (photo.DiscrepancyId, photo.CameraId, photo.ZoneId));
            Assert.Equal(photo.Sha256, EvidencePhoto.HashOf(photo.Jpeg));
            // The very bytes of the file kept on the device: encoded once.
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(run.StateDirectory, "evidence", photo.EvidenceId + ".jpg")), photo.Jpeg);
        }
    }

    [Fact]
    public async Task An_evidence_crop_too_large_to_send_stays_on_the_device_and_its_event_still_goes_out()
    {
        using MosquittoBroker broker = MosquittoBroker.Start(new Dictionary<string, string> { ["s042"] = "store-pw", ["cloud"] = "cloud-pw" });
        await using TopicListener cloud = await TopicListener.StartAsync(broker.Port, "cloud", "cloud-pw", "edgeinv/s042/#", clientId: "cloud-test");
        // Noise does not compress: the zone's crop of this frame is well over 512 KiB as a JPEG.
        var noise = new BgrImage(2000, 1500);
        new Random(11).NextBytes(noise.Pixels);
        string video = TestSupport.MakeVideo(_dir.Path, "noise", [noise], secondsPerFrame: 2);
        string state = _dir.File("state");
        await using (AgentRun run = await AgentRun.StartAsync(_dir, EvidenceConfig(broker.Port, video)))
        {
            Assert.True(await TestSupport.WaitFor(() => cloud.Any(m => m.Topic == "edgeinv/s042/edge-test/discrepancy"), TimeSpan.FromSeconds(30)),
                "no discrepancy reached the cloud\n" + broker.ReadLog());
            using var http = new HttpClient { BaseAddress = run.BaseUri };
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Matches(@"edgeinv_evidence_oversized_total [1-9]", metrics);
        }

        // After a clean stop: the relay published everything before the device's shutdown status (the broker keeps
        // one client's order) or left it in the outbox. Neither holds a photo.
        Assert.True(await TestSupport.WaitFor(() => cloud.Any(m => m.Topic == "edgeinv/s042/edge-test/status"
            && ContractParser.Parse<DeviceStatus>(m.Payload).Message is { State: DeviceState.Offline, Reason: "shutdown" }), TimeSpan.FromSeconds(10)));
        Assert.False(cloud.Any(m => m.Topic.Contains("/evidence/", StringComparison.Ordinal)), "an oversized photo was sent");
        Assert.Equal(0L, OutboxRows(state, "evidence"));
        DiscrepancyEvent e = ContractParser.Parse<DiscrepancyEvent>(cloud.Snapshot().First(m => m.Topic.EndsWith("/discrepancy", StringComparison.Ordinal)).Payload).Message!;
        Assert.NotNull(e.Evidence);
        var kept = new FileInfo(Path.Combine(state, "evidence", e.Evidence.EvidenceId + ".jpg"));
        Assert.True(kept.Exists, "the oversized crop was not kept on the device");
        Assert.True(kept.Length > EvidencePhoto.MaxJpegBytes, $"the crop is {kept.Length} bytes: the test's frame no longer makes one too large to send");
    }

    /// <summary>One camera over <paramref name="video"/>, one zone the fixture model finds empty (an out-of-stock with evidence), MQTT to the test broker.</summary>
    private JsonObject EvidenceConfig(int port, string video)
    {
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 0.5, 8, 3)), TestSupport.FreePort());
        DetectorAlone(config);
        config["Messaging"] = new JsonObject
        {
            ["Broker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = port, ["Password"] = "store-pw", ["ReconnectDelayMin"] = "00:00:00.1" },
            ["Heartbeat"] = new JsonObject { ["Enabled"] = false },
        };
        return config;
    }

    private static long OutboxRows(string stateDirectory, string leaf)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(stateDirectory, "agent.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using SqliteCommand cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM outbox WHERE topic LIKE $pattern";
        cmd.Parameters.AddWithValue("$pattern", $"%/{leaf}/%");
        return (long)cmd.ExecuteScalar()!;
    }

    private static ScannerCount Count(int quantity) => new()
    {
        EventId = EventIds.NewId(), OccurredAt = DateTimeOffset.UtcNow, StoreId = "s042", DeviceId = "scanner-17", ModelVersion = null,
        LocationId = "s042/A1/B1/z1", Sku = "sku-z1", Quantity = quantity, CountedAt = DateTimeOffset.UtcNow,
    };

    private static long Rows(string stateDirectory, string table, Guid eventId)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(stateDirectory, "agent.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using SqliteCommand cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table} WHERE event_id = $id";
        cmd.Parameters.AddWithValue("$id", eventId.ToString());
        return (long)cmd.ExecuteScalar()!;
    }

    private static bool ScannerCountStored(string stateDirectory, Guid eventId) => Rows(stateDirectory, "scanner_count", eventId) == 1;
}
