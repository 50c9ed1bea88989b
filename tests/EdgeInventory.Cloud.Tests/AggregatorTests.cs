using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Cloud.Tests;

/// <summary>The aggregator's behaviour, run once on SQLite and once on PostgreSQL (the derived classes).</summary>
public abstract class AggregatorTests
{
    /// <summary>The PostgreSQL server's connection string, or null for SQLite.</summary>
    protected abstract string? Postgres { get; }

    private Task<CloudTestSystem> StartAsync(IDictionary<string, string?>? extra = null) => CloudTestSystem.StartAsync(Postgres, extra);

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    protected static async Task<long> CountAsync(CloudTestSystem system, string sql)
    {
        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        using SqlSession s = await SqlSession.BeginReadAsync(db);
        return s.ScalarLong(sql) ?? 0;
    }

    private static async Task<ChannelReader<MqttMessage>> SubscribeAlertsAsync(CloudTestSystem system)
    {
        MqttConnection operators = await system.ClientAsync("operators");
        await operators.SubscribeAsync("edgeinv/alerts/#");
        return operators.Messages;
    }

    private static async Task<OperatorAlert> NextAlertAsync(ChannelReader<MqttMessage> reader)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        MqttMessage m = await reader.ReadAsync(cts.Token);
        ContractParseResult<OperatorAlert> parsed = ContractParser.Parse<OperatorAlert>(m.Payload);
        Assert.True(parsed.IsValid, parsed.Rejection?.ToString());
        return parsed.Message!;
    }

    [Fact]
    public async Task A_shortage_opens_one_alert_that_follows_its_updates_and_resolves_itself_when_the_discrepancy_ends()
    {
        await using CloudTestSystem system = await StartAsync();
        ChannelReader<MqttMessage> alerts = await SubscribeAlertsAsync(system);
        MqttConnection store = await system.ClientAsync("s001");
        using HttpClient http = system.Http(CloudTestSystem.HeadOfficeKey);
        Guid id = EventIds.NewId();

        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        OperatorAlert raised = await NextAlertAsync(alerts);
        Assert.Equal(AlertState.Raised, raised.State);
        Assert.Equal("s001", raised.StoreId);
        Assert.Equal(DiscrepancyKind.OutOfStock, raised.Kind);
        Assert.Equal([start.EventId], raised.SourceEventIds);

        for (int i = 0; i < 3; i++)
        {
            DiscrepancyEvent update = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Update, id, severity: Severity.Critical);
            await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(update), ContractParser.Serialize(update));
        }
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await GetJsonAsync(http, "/api/v1/alerts?state=open")).EnumerateArray().Any(a => a.GetProperty("severity").GetString() == "critical")));
        JsonElement open = await GetJsonAsync(http, "/api/v1/alerts?state=open&store=s001");
        Assert.Equal(1, open.GetArrayLength());
        JsonElement alert = open[0];
        Assert.Equal(raised.AlertId.ToString(), alert.GetProperty("id").GetString());
        foreach (string field in new[] { "id", "storeId", "zoneId", "locationId", "sku", "kind", "severity", "state", "openedAt", "acknowledgedAt", "acknowledgedBy", "resolvedAt", "resolvedBy", "discrepancyId" })
        {
            Assert.True(alert.TryGetProperty(field, out _), $"alert JSON lacks {field}");
        }

        DiscrepancyEvent end = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), ContractParser.Serialize(end));
        OperatorAlert resolved = await NextAlertAsync(alerts);
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(raised.AlertId, resolved.AlertId);
        Assert.StartsWith("edge:s001/edge-01", resolved.Operator, StringComparison.Ordinal);
        Assert.Equal([end.EventId], resolved.SourceEventIds); // the event that resolved it, not the start
        JsonElement after = await GetJsonAsync(http, $"/api/v1/alerts/{raised.AlertId}");
        Assert.Equal("resolved", after.GetProperty("state").GetString());
        Assert.Equal(0, (await GetJsonAsync(http, "/api/v1/alerts?state=open")).GetArrayLength());

        // The discrepancy keeps its whole history; a new shortage at the same place is a new alert.
        JsonElement discrepancy = await GetJsonAsync(http, $"/api/v1/discrepancies/{id}");
        Assert.Equal(5, discrepancy.GetProperty("events").GetArrayLength());
        Assert.True(await CountAsync(system, "SELECT COUNT(*) FROM alert_audit") >= 5);
        DiscrepancyEvent again = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId());
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(again), ContractParser.Serialize(again));
        OperatorAlert second = await NextAlertAsync(alerts);
        Assert.NotEqual(raised.AlertId, second.AlertId);
    }

    [Fact]
    public async Task Redeliveries_change_nothing_and_an_end_that_overtakes_its_start_opens_no_alert()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        Guid id = EventIds.NewId();
        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, id, at: DateTimeOffset.UtcNow.AddSeconds(-30));
        DiscrepancyEvent end = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, id);
        byte[] endBytes = ContractParser.Serialize(end);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), endBytes);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), endBytes);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));

        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM discrepancy_events") == 2));
        await Task.Delay(300); // the duplicates, if they were stored, would be by now
        Assert.Equal(2, await CountAsync(system, "SELECT COUNT(*) FROM discrepancy_events"));
        Assert.Equal(1, await CountAsync(system, "SELECT COUNT(*) FROM discrepancies WHERE state = 'ended'"));
        Assert.Equal(0, await CountAsync(system, "SELECT COUNT(*) FROM alerts"));
        using HttpClient http = system.Http(CloudTestSystem.HeadOfficeKey);
        JsonElement d = await GetJsonAsync(http, $"/api/v1/discrepancies/{id}");
        Assert.Equal("ended", d.GetProperty("state").GetString());
        Assert.Equal(start.StartedAt.ToUnixTimeMilliseconds(), d.GetProperty("startedAt").GetDateTimeOffset().ToUnixTimeMilliseconds()); // times are kept to the millisecond
    }

    [Fact]
    public async Task A_forged_store_an_unknown_schema_and_an_impossible_value_are_refused_counted_and_kept_as_dead_letters()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        // Store s001's credentials, its own topic, but the payload claims s002.
        DiscrepancyEvent forged = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId());
        await CloudTestSystem.PublishAsync(store, Topics.Discrepancy("s001", "edge-01"), ContractParser.Serialize(forged));
        await CloudTestSystem.PublishAsync(store, Topics.Discrepancy("s001", "edge-01"), """{"schema":"edgeinv.discrepancy/9","eventId":"x"}"""u8.ToArray());
        string negative = Encoding.UTF8.GetString(ContractParser.Serialize(CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId()))).Replace("\"observedUnits\":0", "\"observedUnits\":-5", StringComparison.Ordinal);
        await CloudTestSystem.PublishAsync(store, Topics.Discrepancy("s001", "edge-01"), Encoding.UTF8.GetBytes(negative));
        DiscrepancyEvent future = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), at: DateTimeOffset.UtcNow.AddHours(2));
        await CloudTestSystem.PublishAsync(store, Topics.Discrepancy("s001", "edge-01"), ContractParser.Serialize(future));

        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM dead_letters") == 4));
        Assert.Equal(0, await CountAsync(system, "SELECT COUNT(*) FROM discrepancies"));
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);
        string[] reasons = [.. (await GetJsonAsync(admin, "/api/v1/dead-letters")).EnumerateArray().Select(d => d.GetProperty("reason").GetString()!).Order()];
        Assert.Equal(["futureDated", "invalidValue", "storeMismatch", "unsupportedVersion"], reasons);
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await ho.GetAsync("/api/v1/dead-letters")).StatusCode);
        string metrics = await ho.GetStringAsync("/metrics");
        Assert.Contains("edgeinv_cloud_ingest_refused_total{reason=\"storeMismatch\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_s_credentials_cannot_publish_another_store_s_events()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        DiscrepancyEvent other = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId());
        MqttException refused = await Assert.ThrowsAsync<MqttException>(() => CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(other), ContractParser.Serialize(other)));
        Assert.Contains("135", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(system, "SELECT COUNT(*) FROM discrepancy_events"));
    }

    [Fact]
    public async Task A_store_scoped_key_sees_only_its_store_everywhere()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection s1 = await system.ClientAsync("s001");
        MqttConnection s2 = await system.ClientAsync("s002");
        var photo = Photo("s002", out EvidenceRef reference);
        DiscrepancyEvent a = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId());
        DiscrepancyEvent b = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId(), evidence: reference);
        await CloudTestSystem.PublishAsync(s1, CloudTestSystem.Topic(a), ContractParser.Serialize(a));
        await CloudTestSystem.PublishAsync(s2, CloudTestSystem.Topic(b), ContractParser.Serialize(b));
        await CloudTestSystem.PublishAsync(s2, Topics.Evidence("s002", "edge-01", reference.EvidenceId), ContractParser.Serialize(photo with { DiscrepancyId = b.DiscrepancyId, SourceEventId = b.EventId }));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM alerts") == 2 && await CountAsync(system, "SELECT COUNT(*) FROM evidence") == 1));

        using HttpClient op = system.Http(CloudTestSystem.OperatorKey);
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        string otherAlert = (await GetJsonAsync(ho, "/api/v1/alerts?store=s002"))[0].GetProperty("id").GetString()!;
        Assert.Equal(["s001"], (await GetJsonAsync(op, "/api/v1/stores")).EnumerateArray().Select(s => s.GetProperty("storeId").GetString()));
        Assert.Equal(2, (await GetJsonAsync(ho, "/api/v1/stores")).GetArrayLength());
        Assert.All((await GetJsonAsync(op, "/api/v1/alerts")).EnumerateArray(), x => Assert.Equal("s001", x.GetProperty("storeId").GetString()));
        Assert.All((await GetJsonAsync(op, "/api/v1/discrepancies")).EnumerateArray(), x => Assert.Equal("s001", x.GetProperty("storeId").GetString()));
        foreach (string path in new[]
        {
            "/api/v1/stores/s002", "/api/v1/stores/s002/zone-history?location=s002/A1/B1/S1", "/api/v1/alerts?store=s002", "/api/v1/discrepancies?store=s002",
            $"/api/v1/discrepancies/{b.DiscrepancyId}", $"/api/v1/alerts/{otherAlert}", $"/api/v1/evidence/{reference.EvidenceId}",
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await op.PostAsJsonAsync($"/api/v1/alerts/{otherAlert}/acknowledge", new { comment = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ho.GetAsync($"/api/v1/evidence/{reference.EvidenceId}")).StatusCode);
        Assert.Equal(photo.Jpeg, await ho.GetByteArrayAsync($"/api/v1/evidence/{reference.EvidenceId}"));
        using HttpClient none = system.Http(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/api/v1/stores")).StatusCode);
        using HttpClient wrong = system.Http("not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/alerts")).StatusCode);

        // The event stream: a new alert of s002 is not shown to the s001 key, one of s001 is.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using HttpResponseMessage stream = await op.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cts.Token));
        DiscrepancyEvent hidden = CloudTestSystem.Discrepancy("s002", DiscrepancyPhase.Start, EventIds.NewId(), location: "A9/B9/S9");
        DiscrepancyEvent shown = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: "A9/B9/S9");
        await CloudTestSystem.PublishAsync(s2, CloudTestSystem.Topic(hidden), ContractParser.Serialize(hidden));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM alerts") == 3));
        await CloudTestSystem.PublishAsync(s1, CloudTestSystem.Topic(shown), ContractParser.Serialize(shown));
        string? data = null;
        while (data is null)
        {
            string? line = await reader.ReadLineAsync(cts.Token);
            if (line is not null && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }
        JsonElement ev = JsonDocument.Parse(data).RootElement;
        Assert.Equal("opened", ev.GetProperty("action").GetString());
        Assert.Equal("s001/A9/B9/S9", ev.GetProperty("alert").GetProperty("locationId").GetString());
    }

    [Fact]
    public async Task Operators_acknowledge_snooze_and_resolve_their_alerts_and_head_office_only_reads()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId());
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        using HttpClient op = system.Http(CloudTestSystem.OperatorKey);
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await GetJsonAsync(op, "/api/v1/alerts?state=open")).GetArrayLength() == 1));
        string id = (await GetJsonAsync(op, "/api/v1/alerts?state=open"))[0].GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.Forbidden, (await ho.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "no" })).StatusCode);
        using HttpResponseMessage ack = await op.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "on my way" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        JsonElement acked = JsonDocument.Parse(await ack.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("acknowledged", acked.GetProperty("state").GetString());
        Assert.Equal("operator-s001", acked.GetProperty("acknowledgedBy").GetString());
        Assert.Equal("on my way", acked.GetProperty("acknowledgeComment").GetString());
        using HttpResponseMessage again = await op.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("problem+json", again.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await op.PostAsJsonAsync($"/api/v1/alerts/{id}/snooze", new { minutes = 0 })).StatusCode);
        using HttpResponseMessage snooze = await op.PostAsJsonAsync($"/api/v1/alerts/{id}/snooze", new { minutes = 30 });
        Assert.Equal(HttpStatusCode.OK, snooze.StatusCode);
        Assert.True(JsonDocument.Parse(await snooze.Content.ReadAsStringAsync()).RootElement.GetProperty("snoozedUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(29));

        using HttpResponseMessage resolve = await op.PostAsJsonAsync($"/api/v1/alerts/{id}/resolve", new { comment = "refilled" });
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        Assert.Equal("operator-s001", JsonDocument.Parse(await resolve.Content.ReadAsStringAsync()).RootElement.GetProperty("resolvedBy").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync($"/api/v1/alerts/{id}/resolve", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.PostAsJsonAsync($"/api/v1/alerts/{Guid.NewGuid()}/resolve", new { })).StatusCode);
        string[] actions = [.. (await AuditAsync(system, id))];
        Assert.Equal(["opened", "acknowledged", "snoozed", "resolved"], actions);
    }

    private static async Task<List<string>> AuditAsync(CloudTestSystem system, string alertId)
    {
        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        using SqlSession s = await SqlSession.BeginReadAsync(db);
        var list = new List<string>();
        using var r = s.Query("SELECT action FROM alert_audit WHERE alert_id = @a ORDER BY seq", ("@a", alertId));
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }
        return list;
    }

    [Fact]
    public async Task Shortages_from_a_camera_that_is_down_are_held_unverified_and_paged_once_it_is_back()
    {
        await using CloudTestSystem system = await StartAsync();
        ChannelReader<MqttMessage> alerts = await SubscribeAlertsAsync(system);
        MqttConnection store = await system.ClientAsync("s001");
        Guid offline = EventIds.NewId();
        DiscrepancyEvent down = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, offline, kind: DiscrepancyKind.CameraOffline);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(down), ContractParser.Serialize(down));
        DiscrepancyEvent shortage = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId());
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(shortage), ContractParser.Serialize(shortage));
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await GetJsonAsync(ho, "/api/v1/alerts")).GetArrayLength() == 1));
        JsonElement held = (await GetJsonAsync(ho, "/api/v1/alerts"))[0];
        Assert.True(held.GetProperty("unverified").GetBoolean());
        Assert.False(held.GetProperty("paged").GetBoolean());
        Assert.False(alerts.TryRead(out _), "a held shortage was paged");

        DiscrepancyEvent up = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, offline, kind: DiscrepancyKind.CameraOffline);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(up), ContractParser.Serialize(up));
        OperatorAlert paged = await NextAlertAsync(alerts);
        Assert.Equal(DiscrepancyKind.OutOfStock, paged.Kind);
        JsonElement released = (await GetJsonAsync(ho, "/api/v1/alerts"))[0];
        Assert.False(released.GetProperty("unverified").GetBoolean());
    }

    [Fact]
    public async Task An_evidence_photo_is_kept_only_when_its_hash_matches_the_event_in_either_order()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);

        // Photo first, then its event.
        EvidencePhoto photo = Photo("s001", out EvidenceRef reference);
        await CloudTestSystem.PublishAsync(store, Topics.Evidence("s001", "edge-01", reference.EvidenceId), ContractParser.Serialize(photo));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM evidence") == 1));
        Assert.Equal(HttpStatusCode.NotFound, (await ho.GetAsync($"/api/v1/evidence/{reference.EvidenceId}")).StatusCode);
        DiscrepancyEvent e = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, photo.DiscrepancyId, evidence: reference);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(e), ContractParser.Serialize(e));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await ho.GetAsync($"/api/v1/evidence/{reference.EvidenceId}")).StatusCode == HttpStatusCode.OK));
        using HttpResponseMessage image = await ho.GetAsync($"/api/v1/evidence/{reference.EvidenceId}");
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);

        // An event naming other bytes under a known evidence id is refused; so is a photo whose topic names another id.
        DiscrepancyEvent lying = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: "A2/B2/S2",
            evidence: reference with { Sha256 = new string('a', 64) });
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(lying), ContractParser.Serialize(lying));
        EvidencePhoto other = Photo("s001", out EvidenceRef otherRef);
        await CloudTestSystem.PublishAsync(store, Topics.Evidence("s001", "edge-01", "ev-not-this-one"), ContractParser.Serialize(other));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM dead_letters WHERE reason = 'evidenceMismatch'") == 2));
        Assert.Equal(HttpStatusCode.NotFound, (await ho.GetAsync($"/api/v1/evidence/{otherRef.EvidenceId}")).StatusCode);
    }

    [Fact]
    public async Task Zone_counts_build_the_store_map_and_an_older_snapshot_does_not_overwrite_a_newer_one()
    {
        await using CloudTestSystem system = await StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        ZoneCountSnapshot Snapshot(DateTimeOffset end, int units) => new()
        {
            EventId = EventIds.NewId(),
            OccurredAt = end,
            StoreId = "s001",
            DeviceId = "edge-01",
            ModelVersion = "shelf-test 1",
            CameraId = "cam-1",
            WindowStart = end.AddMinutes(-1),
            WindowEnd = end,
            Zones = [new ZoneCount { ZoneId = "z1", LocationId = "s001/A1/B1/S1", Sku = "111", Facings = units, Units = units, EmptyFraction = 0.1, Occluded = false }],
        };
        ZoneCountSnapshot newer = Snapshot(now.AddSeconds(-10), 9), older = Snapshot(now.AddSeconds(-70), 4);
        await CloudTestSystem.PublishAsync(store, Topics.ZoneCounts("s001", "edge-01"), ContractParser.Serialize(newer));
        await CloudTestSystem.PublishAsync(store, Topics.ZoneCounts("s001", "edge-01"), ContractParser.Serialize(older));
        using HttpClient ho = system.Http(CloudTestSystem.HeadOfficeKey);
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM count_history") == 2));
        JsonElement detail = await GetJsonAsync(ho, "/api/v1/stores/s001");
        JsonElement zone = detail.GetProperty("zones")[0];
        Assert.Equal(9, zone.GetProperty("units").GetInt32());
        Assert.Equal(JsonValueKind.Null, zone.GetProperty("expectedUnits").ValueKind);
        DiscrepancyEvent low = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), sku: "111", kind: DiscrepancyKind.BelowMinimum);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(low), ContractParser.Serialize(low));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () =>
            (await GetJsonAsync(ho, "/api/v1/stores/s001")).GetProperty("zones")[0].GetProperty("expectedUnits").ValueKind == JsonValueKind.Number),
            "the zone did not take the expected units its discrepancy event names");
        Assert.Equal(1.0, detail.GetProperty("summary").GetProperty("availabilityNow").GetDouble());
        JsonElement history = await GetJsonAsync(ho, "/api/v1/stores/s001/zone-history?location=s001/A1/B1/S1&sku=111");
        Assert.Equal([4, 9], history.EnumerateArray().Select(p => p.GetProperty("units").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await ho.GetAsync("/api/v1/stores/s001/zone-history")).StatusCode);
        JsonElement anySku = await GetJsonAsync(ho, "/api/v1/stores/s001/zone-history?location=s001/A1/B1/S1");
        Assert.Equal(["111", "111"], anySku.EnumerateArray().Select(p => p.GetProperty("sku").GetString())); // without sku: every SKU at the location
    }

    internal static EvidencePhoto Photo(string store, out EvidenceRef reference)
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, .. Guid.NewGuid().ToByteArray(), 0xFF, 0xD9];
        string sha = EvidencePhoto.HashOf(jpeg);
        string id = "ev-" + Guid.NewGuid().ToString("N")[..16];
        reference = new EvidenceRef { EvidenceId = id, Sha256 = sha, Width = 32, Height = 16 };
        Guid discrepancy = EventIds.NewId();
        return new EvidencePhoto
        {
            EventId = EventIds.NewId(),
            OccurredAt = DateTimeOffset.UtcNow,
            StoreId = store,
            DeviceId = "edge-01",
            ModelVersion = "shelf-test 1",
            EvidenceId = id,
            DiscrepancyId = discrepancy,
            SourceEventId = EventIds.NewId(),
            CameraId = "cam-1",
            ZoneId = "z1",
            ContentType = "image/jpeg",
            Width = 32,
            Height = 16,
            Sha256 = sha,
            Jpeg = jpeg,
        };
    }
}

public sealed class SqliteAggregatorTests : AggregatorTests
{
    protected override string? Postgres => null;
}

/// <summary>One PostgreSQL server for the class; each test gets a database of its own.</summary>
public sealed class PostgresAggregatorTests : AggregatorTests, IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;

    public PostgresAggregatorTests(PostgresFixture fixture)
    {
        _fixture = fixture;
    }

    protected override string? Postgres => _fixture.Server.ConnectionString;

    [Fact]
    public async Task Two_replicas_on_one_shared_subscription_store_every_event_exactly_once()
    {
        // Only on PostgreSQL: SQLite serves one process, replicas share a PostgreSQL database (cloud/Aggregator/README.md).
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        await system.StartAggregatorAsync();
        MqttConnection store = await system.ClientAsync("s001");
        const int Events = 10_000;
        var pending = new List<Task>(256);
        for (int i = 0; i < Events; i++)
        {
            // Distinct discrepancies whose kind pages no one: this test is about ingest, not alerts.
            DiscrepancyEvent e = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: $"A{i % 50}/B{i % 7}/S{i}", kind: DiscrepancyKind.OverCapacity);
            pending.Add(CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(e), ContractParser.Serialize(e)));
            if (pending.Count == 256)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await CountAsync(system, "SELECT COUNT(*) FROM discrepancy_events") >= Events, TimeSpan.FromMinutes(3)));
        await Task.Delay(500);
        Assert.Equal(Events, await CountAsync(system, "SELECT COUNT(*) FROM discrepancy_events"));
        Assert.Equal(Events, await CountAsync(system, "SELECT COUNT(DISTINCT discrepancy_id) FROM discrepancies"));
    }
}

public sealed class PostgresFixture : IDisposable
{
    public PostgresServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}
