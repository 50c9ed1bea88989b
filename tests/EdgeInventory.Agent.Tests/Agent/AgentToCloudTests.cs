extern alias cloud;

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeInventory.Imaging;
using cloud::EdgeInventory.Cloud.Hosting;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// Issue 11, end to end with every part real: the agent (default model, ffmpeg, SQLite outbox) watches a video of the
/// sample shelf whose lower row empties and is restocked; it publishes through mosquitto with the deployment ACL as
/// its store user; the cloud aggregator in this process (SQLite) ingests, opens one shortage alert with the event's
/// evidence photo, pages operators on <c>edgeinv/alerts/&lt;store&gt;</c> and resolves the alert when the agent ends
/// the discrepancy. What the agent must report is what the model counts on the unmodified photo, measured here.
/// </summary>
public sealed class AgentToCloudTests : IDisposable
{
    private const string Store = "s042";
    private const string HeadOfficeKey = "ho-key-agent-to-cloud-0123";
    private const string RowC = "row-c";
    private const string RowCLocation = Store + "/A1/B1/" + RowC;

    private static readonly Dictionary<string, string> Users = new()
    {
        ["cloud"] = "cloud-pass",
        ["operators"] = "operators-pass",
        [Store] = "store-pass",
    };

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    [NeedsDefaultModelFact]
    public async Task A_bay_that_empties_opens_one_alert_with_its_evidence_on_the_cloud_and_the_restock_resolves_it()
    {
        BgrImage photo = SamplePhotos.Load(EndToEndTests.Photo);
        EndToEndTests.Baseline baseline = EndToEndTests.Measure(photo);
        int rowCBaseline = baseline.Facings[Array.FindIndex(EndToEndTests.Rows, r => r.Id == RowC)];
        // Full 4 s, row C empty 8 s, then full for longer than the test runs (the camera loops the file).
        string video = TestSupport.MakeVideo(_dir.Path, "shelf",
            [.. EndToEndTests.Seconds(photo, 4), .. EndToEndTests.Seconds(EndToEndTests.RowCEmpty(photo), 8), .. EndToEndTests.Seconds(photo, 60)], secondsPerFrame: 1);

        using MosquittoBroker broker = MosquittoBroker.Start(Users);
        await using TopicListener operatorTopic = await TopicListener.StartAsync(broker.Port, "operators", Users["operators"], Topics.OperatorAlerts(Store));
        // What the agent put on the wire (its outbox deletes what the broker acknowledged): a plain subscription as
        // the cloud user, beside the aggregator's shared one, gets its own copy.
        await using TopicListener wireTopic = await TopicListener.StartAsync(broker.Port, "cloud", Users["cloud"], $"{Topics.Root}/{Store}/+/{Topics.DiscrepancyLeaf}");
        WebApplication aggregator = await StartAggregatorAsync(broker.Port);
        try
        {
            using HttpClient api = Api(aggregator);
            Assert.True(await WaitForAsync(async () => (await api.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode, TimeSpan.FromSeconds(20)),
                "the aggregator never became ready\n" + broker.ReadLog());

            JsonObject config = EndToEndTests.Config(_dir, video, baseline, TestSupport.FreePort());
            config["Messaging"] = new JsonObject
            {
                // The broker user defaults to the store id: the deployment ACL lets it write only under edgeinv/s042/.
                ["Broker"] = new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = broker.Port, ["Password"] = Users[Store], ["ReconnectDelayMin"] = "00:00:00.1" },
                ["Heartbeat"] = new JsonObject { ["Enabled"] = false },
            };
            await using AgentRun agent = await AgentRun.StartAsync(_dir, config);
            string Story() => "agent events:\n" + string.Join("\n", wireTopic.Parsed<DiscrepancyEvent>().Select(e => $"  {e.Phase} {e.Kind} {e.ZoneId} {e.Detail}"))
                + "\nbaseline " + string.Join(", ", baseline.Facings)
                + "\noperator alerts: " + string.Join(", ", operatorTopic.Parsed<OperatorAlert>().Select(a => $"{a.State} {a.Kind} {a.LocationId}"))
                + "\nbroker log tail:\n" + string.Join("\n", broker.ReadLog().Split('\n').TakeLast(15));

            // The bay empties: one open alert for the store, and it is row C's out-of-stock.
            JsonArray open = [];
            Assert.True(await WaitForAsync(async () => (open = await GetArrayAsync(api, $"/api/v1/alerts?state=open&store={Store}")).Count > 0, Generous),
                "no alert opened on the cloud\n" + Story());
            Assert.True(await WaitForAsync(() => Task.FromResult(wireTopic.Parsed<DiscrepancyEvent>().Count > 0), Generous), "the alert opened but its event was not seen on the wire\n" + Story());
            List<DiscrepancyEvent> starts = wireTopic.Parsed<DiscrepancyEvent>().Where(e => e.Phase == DiscrepancyPhase.Start).ToList();
            Assert.True(starts is [{ ZoneId: RowC }], $"the agent should have raised one discrepancy, for row C; the cloud opened {open.ToJsonString()}\n" + Story());
            DiscrepancyEvent start = starts[0];
            Assert.Equal((DiscrepancyKind.OutOfStock, Severity.Critical, 0, rowCBaseline), (start.Kind, start.Severity, start.ObservedFacings, start.PlannedFacings));
            JsonNode alert = Assert.Single(open)!;
            string alertId = (string)alert["id"]!;
            Assert.Equal((Store, RowCLocation, "sku-" + RowC, RowC, "cam-shelf", "edge-test"),
                ((string)alert["storeId"]!, (string?)alert["locationId"], (string?)alert["sku"], (string?)alert["zoneId"], (string)alert["cameraId"]!, (string)alert["deviceId"]!));
            Assert.Equal(("outOfStock", "critical", "open"), ((string)alert["kind"]!, (string)alert["severity"]!, (string)alert["state"]!));
            Assert.Equal(start.DiscrepancyId.ToString(), (string)alert["discrepancyId"]!, ignoreCase: true);
            Assert.False((bool)alert["unverified"]!, "the alert was held unverified: the cloud thinks the camera or the device is down");

            // Its evidence: the agent's crop of row C, served once the photo arrived with the event's hash.
            EvidenceRef evidence = start.Evidence!;
            Assert.Equal(evidence.EvidenceId, (string?)alert["evidenceId"]);
            byte[] jpeg = [];
            Assert.True(await WaitForAsync(async () =>
            {
                using HttpResponseMessage r = await api.GetAsync(new Uri($"/api/v1/evidence/{evidence.EvidenceId}", UriKind.Relative));
                if (r.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
                Assert.Equal("image/jpeg", r.Content.Headers.ContentType?.MediaType);
                jpeg = await r.Content.ReadAsByteArrayAsync();
                return true;
            }, Generous), "the evidence photo was never served\n" + Story());
            Assert.True(jpeg is [0xFF, 0xD8, ..], "the evidence is not a JPEG");
            Assert.Equal(evidence.Sha256, Convert.ToHexStringLower(SHA256.HashData(jpeg)));
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(agent.StateDirectory, "evidence", evidence.EvidenceId + ".jpg")), jpeg);

            // The bay is restocked: the agent ends the discrepancy and the cloud resolves the alert on the edge's word.
            JsonNode? resolved = null;
            Assert.True(await WaitForAsync(async () => (string?)(resolved = await GetNodeAsync(api, $"/api/v1/alerts/{alertId}"))?["state"] == "resolved", Generous),
                $"the alert was not resolved; it is {resolved?.ToJsonString()}\n" + Story());
            Assert.Equal($"edge:{Store}/edge-test", (string?)resolved!["resolvedBy"]);
            Assert.True(await WaitForAsync(() => Task.FromResult(wireTopic.Parsed<DiscrepancyEvent>().Any(e => e.Phase == DiscrepancyPhase.End)), Generous), Story());
            List<DiscrepancyEvent> events = wireTopic.Parsed<DiscrepancyEvent>();
            Assert.True(events is [{ Phase: DiscrepancyPhase.Start }, { Phase: DiscrepancyPhase.End, ZoneId: RowC }] && events[1].DiscrepancyId == start.DiscrepancyId,
                "the agent should have started and ended row C's discrepancy and raised nothing else\n" + Story());

            // Operators were paged on their topic: raised, then resolved, for this alert and its events.
            Guid id = Guid.Parse(alertId);
            Assert.True(await WaitForAsync(() => Task.FromResult(operatorTopic.Parsed<OperatorAlert>().Any(a => a.AlertId == id && a.State == AlertState.Resolved)), Generous),
                "no resolved OperatorAlert reached the operators\n" + Story());
            List<OperatorAlert> paged = operatorTopic.Parsed<OperatorAlert>().Where(a => a.AlertId == id).ToList();
            Assert.Equal([AlertState.Raised, AlertState.Resolved], paged.Select(a => a.State));
            Assert.All(paged, a => Assert.Equal((Store, DiscrepancyKind.OutOfStock, Severity.Critical, RowCLocation), (a.StoreId, a.Kind, a.Severity, a.LocationId)));
            Assert.Contains(start.EventId, paged[0].SourceEventIds);
            // The resolve traces back to this discrepancy's events (the aggregator names the one that last moved the alert).
            Assert.All(paged[1].SourceEventIds, e => Assert.Contains(e, events.Select(x => x.EventId)));
            Assert.Equal($"edge:{Store}/edge-test", paged[1].Operator);
            Assert.All(operatorTopic.Parsed<OperatorAlert>(), a => Assert.Equal(id, a.AlertId));

            // The cloud's count history of row C: near zero while empty, back to the model's count of the full row after.
            int tolerance = EndToEndTests.Tolerance(rowCBaseline);
            JsonArray history = [];
            Assert.True(await WaitForAsync(async () =>
            {
                history = await GetArrayAsync(api, $"/api/v1/stores/{Store}/zone-history?location={Uri.EscapeDataString(RowCLocation)}&sku=sku-{RowC}");
                int emptiedAt = history.ToList().FindIndex(p => (int)p!["facings"]! <= 1);
                return emptiedAt >= 0 && history.Skip(emptiedAt).Any(p => Math.Abs((int)p!["facings"]! - rowCBaseline) <= tolerance);
            }, Generous), $"row C's history on the cloud does not show it emptied and restocked to {rowCBaseline} ± {tolerance}: "
                + string.Join(" ", history.Select(p => (int)p!["facings"]!)));

            // Exactly one alert ever for the store; none open now.
            Assert.Single(await GetArrayAsync(api, $"/api/v1/alerts?store={Store}"));
            Assert.Empty(await GetArrayAsync(api, $"/api/v1/alerts?state=open&store={Store}"));
        }
        finally
        {
            await aggregator.StopAsync();
            await aggregator.DisposeAsync();
        }
    }

    /// <summary>The aggregator as tests/EdgeInventory.Cloud.Tests/CloudTestSystem.cs starts it: SQLite in a temp folder, a head-office key.</summary>
    private async Task<WebApplication> StartAggregatorAsync(int brokerPort)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:StateDirectory"] = _dir.File("cloud"),
            ["Cloud:Broker:Host"] = "127.0.0.1",
            ["Cloud:Broker:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Broker:Password"] = Users["cloud"],
            ["Cloud:Broker:ClientId"] = "cloud-agent-e2e",
            ["Cloud:Broker:ReconnectDelayMin"] = "00:00:00.200",
            ["Cloud:Broker:ReconnectDelayMax"] = "00:00:01",
            ["Cloud:Http:Port"] = "0",
            ["Cloud:ApiKeys:0:Name"] = "head-office",
            ["Cloud:ApiKeys:0:Role"] = "headoffice",
            ["Cloud:ApiKeys:0:KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(HeadOfficeKey))),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        WebApplication app = await CloudHost.BuildAsync(null, c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        return app;
    }

    private static HttpClient Api(WebApplication app)
    {
        var client = new HttpClient { BaseAddress = CloudHost.Address(app), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadOfficeKey);
        return client;
    }

    private static async Task<JsonNode?> GetNodeAsync(HttpClient api, string path)
    {
        using HttpResponseMessage r = await api.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(r.IsSuccessStatusCode, $"GET {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await r.Content.ReadAsStringAsync());
    }

    private static async Task<JsonArray> GetArrayAsync(HttpClient api, string path) => (await GetNodeAsync(api, path))!.AsArray();

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(200);
        }
        return await condition();
    }
}
