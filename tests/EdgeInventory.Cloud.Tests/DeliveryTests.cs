using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Cloud.Tests;

/// <summary>What must survive crashes and reach outside receivers: the aggregator killed mid-stream, webhooks, the OpenAPI document.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task The_aggregator_killed_during_10000_events_and_restarted_loses_none_and_doubles_none()
    {
        // The broker alone: an in-process aggregator started and stopped here would leave its persistent session in the
        // shared group, and the broker would queue a share of the stream for it (cloud/Aggregator/README.md, replicas).
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(startAggregator: false);
        string state = Path.Combine(system.Folder, "killed");
        Directory.CreateDirectory(state);
        var env = new Dictionary<string, string>
        {
            ["EDGEINV_Cloud__StateDirectory"] = state,
            ["EDGEINV_Cloud__Broker__Port"] = system.Broker.Port.ToString(CultureInfo.InvariantCulture),
            ["EDGEINV_Cloud__Broker__Password"] = CloudTestSystem.Users["cloud"],
            ["EDGEINV_Cloud__Broker__ClientId"] = "cloud-killed",
            ["EDGEINV_Cloud__Broker__ReconnectDelayMin"] = "00:00:00.200",
            ["EDGEINV_Cloud__Http__Port"] = MosquittoBroker.FreePort().ToString(CultureInfo.InvariantCulture),
            ["EDGEINV_Logging__LogLevel__Default"] = "Warning",
        };
        var db = new CloudDatabase(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(state, "cloud.db")}");
        async Task<long> Count(string sql)
        {
            try
            {
                using SqlSession s = await SqlSession.BeginReadAsync(db);
                return s.ScalarLong(sql) ?? 0;
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return 0; // not created yet
            }
        }

        using Process first = StartAggregator(env, Path.Combine(state, "first.log"));
        // Ready (/readyz) once the broker acknowledged its subscriptions: until then the session has none, and the broker
        // drops what is published (a fixed wait here lost the first 600-1,100 events on a loaded machine).
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{env["EDGEINV_Cloud__Http__Port"]}") };
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await IsReadyAsync(http), TimeSpan.FromSeconds(90)), $"the aggregator did not become ready: {Log(state, "first.log")}");
        // The restarted one resumes the session the broker kept, subscriptions included; its HTTP endpoint is not needed.
        env["EDGEINV_Cloud__Http__Port"] = "0";

        MqttConnection store = await system.ClientAsync("s001");
        const int Events = 10_000, Shortages = 500;
        var pending = new List<Task>(200);
        Process? second = null;
        try
        {
            for (int i = 0; i < Events; i++)
            {
                // Every 20th discrepancy is a shortage that opens an alert; the rest page no one.
                bool shortage = i % (Events / Shortages) == 0;
                DiscrepancyEvent e = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, EventIds.NewId(), location: $"A{i % 40}/B{i % 9}/S{i}",
                    kind: shortage ? DiscrepancyKind.OutOfStock : DiscrepancyKind.OverCapacity);
                pending.Add(CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(e), ContractParser.Serialize(e)));
                if (pending.Count == 200)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                }
                if (i == Events / 2)
                {
                    // Mid-stream, with messages in flight to it: no clean shutdown, no flush.
                    Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await Count("SELECT COUNT(*) FROM discrepancy_events") > 1000, TimeSpan.FromSeconds(60)));
                    first.Kill(entireProcessTree: true);
                    await first.WaitForExitAsync();
                    second = StartAggregator(env, Path.Combine(state, "second.log"));
                }
            }
            await Task.WhenAll(pending);
            Assert.True(await CloudTestSystem.WaitUntilAsync(async () => await Count("SELECT COUNT(*) FROM discrepancy_events") >= Events, TimeSpan.FromMinutes(3)),
                $"stored {await Count("SELECT COUNT(*) FROM discrepancy_events")} of {Events}, dead letters {await Count("SELECT COUNT(*) FROM dead_letters")}; second aggregator: {Log(state, "second.log")}; broker: {system.Broker.ReadLog()[^Math.Min(3000, system.Broker.ReadLog().Length)..]}");
            await Task.Delay(1000); // a redelivery that would double something has had its chance
            Assert.Equal(Events, await Count("SELECT COUNT(*) FROM discrepancy_events"));
            Assert.Equal(Events, await Count("SELECT COUNT(*) FROM discrepancies"));
            Assert.Equal(Shortages, await Count("SELECT COUNT(*) FROM alerts"));
            Assert.Equal(Shortages, await Count("SELECT COUNT(*) FROM alert_audit WHERE action = 'opened'"));
            Assert.Equal(Shortages, await Count("SELECT COUNT(*) FROM alert_deliveries"));
        }
        finally
        {
            if (second is { HasExited: false })
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }
            second?.Dispose();
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync("/readyz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static string Log(string folder, string name) => File.Exists(Path.Combine(folder, name)) ? File.ReadAllText(Path.Combine(folder, name)) : "(no log)";

    /// <summary>Starts edgeinv-cloud as its own process (so it can be killed), its output in <paramref name="log"/>.</summary>
    private static Process StartAggregator(Dictionary<string, string> env, string log)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec dotnet \"$0\" >\"$1\" 2>&1");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgeinv-cloud.dll"));
        info.ArgumentList.Add(log);
        foreach ((string key, string value) in env)
        {
            info.Environment[key] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start edgeinv-cloud");
    }

    [Fact]
    public async Task A_webhook_receives_each_paged_transition_signed_and_a_failed_delivery_is_retried()
    {
        const string Secret = "webhook-secret-for-tests";
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new List<(string Body, string? Signature, string? Timestamp, int Answered)>();
        int calls = 0;
        using var stop = new CancellationTokenSource();
        Task server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                string body = await reader.ReadToEndAsync();
                // The first call fails: the aggregator must try again.
                int status = Interlocked.Increment(ref calls) == 1 ? 500 : 200;
                lock (received)
                {
                    received.Add((body, context.Request.Headers[AlertDeliveryWorker.SignatureHeader], context.Request.Headers[AlertDeliveryWorker.TimestampHeader], status));
                }
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        });

        await using CloudTestSystem system = await CloudTestSystem.StartAsync(extra: new Dictionary<string, string?>
        {
            ["Cloud:Alerts:Routes:0:Group"] = "ops",
            ["Cloud:Alerts:Groups:ops:WebhookUrl"] = $"http://127.0.0.1:{port}/hook/",
            ["Cloud:Alerts:Groups:ops:WebhookSecret"] = Secret,
        });
        MqttConnection store = await system.ClientAsync("s001");
        Guid id = EventIds.NewId();
        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        DiscrepancyEvent end = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), ContractParser.Serialize(end));

        Assert.True(await CloudTestSystem.WaitUntilAsync(() => Task.FromResult(received.Count(r => r.Answered == 200) == 2), TimeSpan.FromSeconds(30)),
            $"webhook calls: {string.Join(", ", received.Select(r => r.Answered))}");
        await stop.CancelAsync();
        listener.Stop();
        await server;

        (string Body, string? Signature, string? Timestamp, int Answered)[] calls200;
        lock (received)
        {
            calls200 = [.. received.Where(r => r.Answered == 200)];
            Assert.Equal(3, received.Count); // one refused, then both transitions
            Assert.Equal(received[0].Body, received[1].Body); // the retry sends the same delivery
        }
        string[] actions = [.. calls200.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("action").GetString()!)];
        Assert.Equal(["opened", "resolved"], actions);
        foreach ((string body, string? signature, string? timestamp, _) in calls200)
        {
            Assert.NotNull(timestamp);
            Assert.Equal("sha256=" + AlertDeliveryWorker.Sign(Secret, timestamp, Encoding.UTF8.GetBytes(body)), signature);
            Assert.NotEqual("sha256=" + AlertDeliveryWorker.Sign("another secret", timestamp, Encoding.UTF8.GetBytes(body)), signature);
            Assert.Equal("s001", JsonDocument.Parse(body).RootElement.GetProperty("alert").GetProperty("storeId").GetString());
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_the_api_and_health_answers()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        using HttpClient http = system.Http(null);
        using JsonDocument doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        foreach (string path in new[] { "/api/v1/stores", "/api/v1/stores/{storeId}", "/api/v1/alerts", "/api/v1/alerts/{id}/acknowledge", "/api/v1/evidence/{evidenceId}", "/api/v1/events" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        system.Broker.Stop();
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable));
        string why = await (await http.GetAsync("/readyz")).Content.ReadAsStringAsync();
        Assert.Contains("broker", why, StringComparison.Ordinal);
    }
}

public sealed class EventStreamTests
{
    private static async Task<List<(long Id, JsonElement Data)>> ReadEventsAsync(HttpClient http, long? lastEventId, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<(long, JsonElement)>();
        long current = 0;
        while (events.Count < count)
        {
            string? line = await reader.ReadLineAsync(cts.Token);
            if (line is null)
            {
                break;
            }
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                current = long.Parse(line[4..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((current, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        return events;
    }

    [Fact]
    public async Task Streams_share_one_feed_and_a_reconnect_with_Last_Event_ID_gets_what_it_missed()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync();
        MqttConnection store = await system.ClientAsync("s001");
        using HttpClient http = system.Http(CloudTestSystem.HeadOfficeKey);

        // Two streams at once see the same first alert.
        Task<List<(long Id, JsonElement Data)>> first = ReadEventsAsync(http, null, 1);
        Task<List<(long Id, JsonElement Data)>> second = ReadEventsAsync(http, null, 1);
        // Both streams have joined the feed before the event.
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () => (await http.GetStringAsync("/metrics")).Contains("edgeinv_cloud_event_stream_clients 2", StringComparison.Ordinal)));
        Guid id = EventIds.NewId();
        DiscrepancyEvent start = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Start, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(start), ContractParser.Serialize(start));
        (long seen, JsonElement opened) = Assert.Single(await first);
        Assert.Equal(seen, Assert.Single(await second).Id);
        Assert.Equal("opened", opened.GetProperty("action").GetString());

        // While no stream is open the alert is updated and resolved; a reconnect from the last id gets both, in order.
        DiscrepancyEvent update = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.Update, id, severity: Severity.Critical);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(update), ContractParser.Serialize(update));
        DiscrepancyEvent end = CloudTestSystem.Discrepancy("s001", DiscrepancyPhase.End, id);
        await CloudTestSystem.PublishAsync(store, CloudTestSystem.Topic(end), ContractParser.Serialize(end));
        Assert.True(await CloudTestSystem.WaitUntilAsync(async () =>
            (await (await http.GetAsync($"/api/v1/alerts?state=resolved")).Content.ReadAsStringAsync()).Contains("resolved", StringComparison.Ordinal)));
        List<(long Id, JsonElement Data)> missed = await ReadEventsAsync(http, seen, 2);
        Assert.Equal(["updated", "resolved"], missed.Select(e => e.Data.GetProperty("action").GetString()));
        Assert.True(missed[0].Id > seen && missed[1].Id > missed[0].Id);
    }
}
