using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeInventory.Contracts;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>One real agent (tiny fixture model, a looped video of a shelf photo) shared by the endpoint tests.</summary>
public sealed class RunningAgentFixture : IAsyncLifetime
{
    internal TempFolder Dir { get; } = RepoPaths.NewTempFolder();

    internal AgentRun Run { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async Task InitializeAsync()
    {
        string video = TestSupport.MakeVideo(Dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        JsonObject config = AgentRun.Config(Dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri,
            new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 0.5, 8, 3), AgentRun.Zone("z2", 0, 0.5, 1, 1, 8, 3)), TestSupport.FreePort());
        Run = await AgentRun.StartAsync(Dir, config);
        Http.BaseAddress = Run.BaseUri;
    }

    public async Task DisposeAsync()
    {
        await Run.DisposeAsync();
        Http.Dispose();
        Dir.Dispose();
    }
}

public sealed class ScannerEndpointTests(RunningAgentFixture agent) : IClassFixture<RunningAgentFixture>
{
    /// <summary>A counter in prometheus-net's default registry, where agent/Messaging keeps its own.</summary>
    private static readonly Prometheus.Counter DefaultRegistryProbe = Prometheus.Metrics.CreateCounter("edgeinv_test_default_registry_probe_total", "Proves /metrics serves the default registry");

    private static JsonObject Count(string location = "s042/A1/B1/z1", string sku = "sku-z1", int quantity = 7, string device = "scanner-17", Guid? id = null) => new()
    {
        ["schema"] = ScannerCount.SchemaId,
        ["eventId"] = (id ?? EventIds.NewId()).ToString(),
        ["occurredAt"] = "2025-06-12T09:41:07.25Z",
        ["storeId"] = "s042",
        ["deviceId"] = device,
        ["modelVersion"] = null,
        ["locationId"] = location,
        ["sku"] = sku,
        ["quantity"] = quantity,
        ["countedAt"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("O"),
    };

    private async Task<(HttpStatusCode Status, JsonObject Body)> Post(string body, string? key = AgentRun.ScannerKey, bool bearer = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scanner-counts") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            if (bearer)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else
            {
                request.Headers.Add("X-Api-Key", key);
            }
        }

        using HttpResponseMessage response = await agent.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private long StoredCounts()
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(agent.Run.StateDirectory, "agent.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using SqliteCommand cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM scanner_count";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task A_valid_count_is_accepted_once_and_a_redelivery_is_a_duplicate()
    {
        Guid id = EventIds.NewId();
        long before = StoredCounts();
        (HttpStatusCode status, JsonObject body) = await Post(Count(id: id).ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("accepted", body["status"]!.GetValue<string>());
        Assert.Equal(before + 1, StoredCounts());

        (status, body) = await Post(Count(id: id).ToJsonString(), bearer: false);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("duplicate", body["status"]!.GetValue<string>());
        Assert.Equal(before + 1, StoredCounts());
    }

    [Fact]
    public async Task Requests_without_a_valid_key_or_for_another_device_are_refused()
    {
        long before = StoredCounts();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(Count().ToJsonString(), key: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(Count().ToJsonString(), key: "guessed")).Status);
        (HttpStatusCode status, JsonObject body) = await Post(Count(device: "scanner-99").ToJsonString());
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("scanner-17", body["detail"]!.GetValue<string>());
        Assert.Equal(before, StoredCounts());
    }

    [Theory]
    [InlineData("{\"schema\": ", "notJson", "")]
    [InlineData("NEGATIVE", "invalidValue", "quantity is negative (-3)")]
    [InlineData("UNKNOWN", "rejected", "unknown location 's042/Z9/B9/S9'")]
    [InlineData("OTHERSTORE", "invalidValue", "store id 'cmd' is reserved")]
    [InlineData("EXTRA", "invalidShape", "colour")]
    public async Task Bad_posts_get_a_400_with_the_reason_and_change_nothing(string body, string error, string detail)
    {
        JsonObject count = Count();
        string payload = body switch
        {
            "NEGATIVE" => Count(quantity: -3).ToJsonString(),
            "UNKNOWN" => Count(location: "s042/Z9/B9/S9").ToJsonString(),
            "OTHERSTORE" => Mutate(count, c => c["storeId"] = "cmd"),
            "EXTRA" => Mutate(count, c => c["colour"] = "red"),
            _ => body,
        };
        long before = StoredCounts();
        (HttpStatusCode status, JsonObject reply) = await Post(payload);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, reply["error"]!.GetValue<string>());
        Assert.Contains(detail, reply["detail"]!.GetValue<string>());
        Assert.Equal(before, StoredCounts());
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("+01:00:00")]
    public async Task A_count_dated_beyond_the_clock_skew_allowance_is_refused_and_changes_nothing(string countedAt)
    {
        JsonObject count = Count();
        count["countedAt"] = countedAt.StartsWith('+') ? DateTimeOffset.UtcNow.Add(TimeSpan.Parse(countedAt[1..], System.Globalization.CultureInfo.InvariantCulture)).UtcDateTime.ToString("O") : countedAt;
        long before = StoredCounts();
        (HttpStatusCode status, JsonObject reply) = await Post(count.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("futureDated", reply["error"]!.GetValue<string>());
        Assert.Contains("ahead of this agent's clock", reply["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, StoredCounts());
        Assert.Matches(@"edgeinv_scanner_counts_total\{result=""futuredated""\} [1-9]", Scrape());
    }

    [Fact]
    public async Task Fuzzed_posts_are_each_refused_with_a_reason_change_nothing_and_the_endpoint_keeps_serving()
    {
        JsonObject template = Count();
        ScannerCount valid = ContractParser.Parse<ScannerCount>(System.Text.Encoding.UTF8.GetBytes(template.ToJsonString())).Message!;
        List<byte[]> cases = MalformedPayloads.For(valid, 300, seed: 15);
        // Valid by the contract, refused by the agent: another store, an unknown location, another device, from the future.
        var random = new Random(15);
        for (int i = 0; i < 60; i++)
        {
            JsonObject c = Count(id: EventIds.NewId());
            switch (i % 4)
            {
                case 0: c["storeId"] = "s" + random.Next(100, 999); break;
                case 1: c["locationId"] = $"s042/Z{random.Next(100)}/B1/S1"; break;
                case 2: c["deviceId"] = "scanner-" + random.Next(18, 999); break;
                default: c["countedAt"] = DateTimeOffset.UtcNow.AddMinutes(random.Next(6, 10_000_000)).UtcDateTime.ToString("O"); break;
            }

            cases.Add(System.Text.Encoding.UTF8.GetBytes(c.ToJsonString()));
        }

        // Not UTF-8 in the schema string: the contract parser used to throw (a 500) instead of refusing it.
        cases.Add([.. "{\"schema\":\"edgeinv.scanner-count/1"u8, 0xC3, 0x28, .. "\"}"u8]);
        long before = StoredCounts();
        foreach (byte[] payload in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scanner-counts") { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentRun.ScannerKey);
            using HttpResponseMessage response = await agent.Http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} for {System.Text.Encoding.UTF8.GetString(payload)}");
            JsonObject reply = JsonNode.Parse(text)!.AsObject();
            Assert.False(string.IsNullOrEmpty(reply["error"]?.GetValue<string>()), text);
            Assert.False(string.IsNullOrEmpty(reply["detail"]?.GetValue<string>()), text);
        }

        Assert.Equal(before, StoredCounts());
        Assert.Equal(HttpStatusCode.Accepted, (await Post(Count().ToJsonString())).Status);
    }

    [Fact]
    public async Task An_oversized_post_is_refused_unread()
    {
        (HttpStatusCode status, _) = await Post(new string(' ', 10_000) + Count().ToJsonString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public async Task Metrics_are_Prometheus_text_with_the_names_the_README_lists()
    {
        // Frames went through detection and a zone has a confirmed state (its gauges appear only then).
        Assert.True(await TestSupport.WaitFor(() => Regex.IsMatch(Scrape(), @"edgeinv_frames_processed_total\{camera=""cam-shelf""\} [1-9]")
            && Scrape().Contains("edgeinv_zone_facings{camera=\"cam-shelf\",zone=\"z1\"}", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));
        await Post(Count().ToJsonString());
        DefaultRegistryProbe.Inc();
        string text = Scrape();
        (string Name, string Type)[] families =
        [
            ("edgeinv_frames_captured_total", "counter"), ("edgeinv_frames_skipped_total", "counter"), ("edgeinv_frames_processed_total", "counter"),
            ("edgeinv_capture_restarts_total", "counter"), ("edgeinv_camera_state", "gauge"), ("edgeinv_inference_duration_seconds", "histogram"),
            ("edgeinv_zone_facings", "gauge"), ("edgeinv_zone_units", "gauge"), ("edgeinv_zone_empty_fraction", "gauge"),
            ("edgeinv_open_discrepancies", "gauge"), ("edgeinv_discrepancy_events_total", "counter"), ("edgeinv_scanner_counts_total", "counter"),
            ("edgeinv_evidence_oversized_total", "counter"),
        ];
        foreach ((string name, string type) in families)
        {
            Assert.Contains($"# TYPE {name} {type}\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("# HELP edgeinv_frames_captured_total Frames delivered by ffmpeg, per camera\n", text, StringComparison.Ordinal);
        Assert.Matches(@"edgeinv_frames_captured_total\{camera=""cam-shelf""\} [1-9]", text);
        Assert.Contains("edgeinv_frames_skipped_total{camera=\"cam-shelf\"}", text);
        Assert.Contains("edgeinv_capture_restarts_total{camera=\"cam-shelf\"}", text);
        Assert.Contains("edgeinv_camera_state{camera=\"cam-shelf\",state=\"up\"} 1", text);
        Assert.Contains("edgeinv_camera_state{camera=\"cam-shelf\",state=\"offline\"} 0", text);
        // Buckets chosen for a detector run (milliseconds on a GPU to seconds on a busy CPU), not prometheus-net's defaults.
        foreach (double le in Metrics.AgentMetrics.InferenceBuckets)
        {
            Assert.Contains($"edgeinv_inference_duration_seconds_bucket{{le=\"{le.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"}}", text, StringComparison.Ordinal);
        }

        Assert.Matches(@"edgeinv_inference_duration_seconds_bucket\{le=""\+Inf""\} [1-9]", text);
        Assert.Matches(@"edgeinv_inference_duration_seconds_count [1-9]", text);
        Assert.Contains("edgeinv_zone_units{camera=\"cam-shelf\",zone=\"z1\"}", text);
        Assert.Contains("edgeinv_zone_empty_fraction{camera=\"cam-shelf\",zone=\"z1\"}", text);
        Assert.Contains("edgeinv_open_discrepancies{kind=\"outOfStock\"}", text);
        Assert.Contains("edgeinv_discrepancy_events_total{kind=\"OutOfStock\",phase=\"start\"}", text);
        Assert.Matches(@"edgeinv_scanner_counts_total\{result=""accepted""\} [1-9]", text);

        // prometheus-net's default registry (agent/Messaging's counters) is served after the agent's own, each family once;
        // what prometheus-net would add to it by itself is off: process metrics (3 ms of CPU a scrape) and its adapter of
        // System.Diagnostics.Metrics (ASP.NET Core's meters as gauges without _total).
        Assert.Matches(@"\nedgeinv_test_default_registry_probe_total [1-9]", text);
        Assert.DoesNotContain("process_cpu_seconds_total", text, StringComparison.Ordinal);
        string[] types = [.. text.Split('\n').Where(static l => l.StartsWith("# TYPE ", StringComparison.Ordinal))];
        Assert.Equal(types.Length, types.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("microsoft_aspnetcore", text, StringComparison.Ordinal);
        Assert.DoesNotContain("kestrel", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_reports_the_cameras()
    {
        // On a loaded machine the 5 s stall watchdog may restart ffmpeg now and then, so the camera is
        // read from /healthz itself until it reports up, not from an earlier /metrics scrape.
        JsonObject body = null!;
        Assert.True(await TestSupport.WaitFor(() =>
        {
            using HttpResponseMessage response = agent.Http.GetAsync("/healthz").GetAwaiter().GetResult();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            body = response.Content.ReadFromJsonAsync<JsonObject>().GetAwaiter().GetResult()!;
            return body["cameras"]![0]!["state"]!.GetValue<string>() == "up";
        }, TimeSpan.FromSeconds(20)));
        Assert.Equal("ok", body["status"]!.GetValue<string>());
        JsonNode camera = Assert.Single(body["cameras"]!.AsArray())!;
        Assert.Equal("cam-shelf", camera["cameraId"]!.GetValue<string>());
        Assert.Equal("up", camera["state"]!.GetValue<string>());
    }

    private string Scrape() => agent.Http.GetStringAsync("/metrics").GetAwaiter().GetResult();

    private static string Mutate(JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o.ToJsonString();
    }
}

public sealed class TlsEndpointTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task With_a_certificate_the_endpoint_serves_HTTPS_only()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=edge-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(_dir.File("agent.pfx"), cert.Export(X509ContentType.Pfx, "pw"));

        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        int port = TestSupport.FreePort();
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 1, 8, 3)), port);
        config["Agent"]!["Http"]!["CertificatePath"] = "agent.pfx";
        config["Agent"]!["Http"]!["CertificatePassword"] = "pw";
        await using AgentRun run = await AgentRun.StartAsync(_dir, config);

        string thumbprint = cert.Thumbprint;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == thumbprint };
        using var https = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using HttpResponseMessage response = await https.GetAsync($"https://127.0.0.1:{port}/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{port}/healthz"));
    }
}
