using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Ingest;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.CloudBench;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using EdgeInventory.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// bench cloud [--events N] [--postgres] [--quick] [--only ingest|alerts|overview|web|forecast] [--json] ...
// The aggregator in this process (CloudHost, as `edgeinv-cloud` runs it) against a real mosquitto with the deployment
// ACL, SQLite in a temp folder or (--postgres) a PostgreSQL started for the run.
// 1. ingest: store publishers (one MQTT connection per store, QoS 1, 100 in flight each) send N discrepancy events as
//    fast as they are acknowledged; the rate is N / (first publish → discrepancy_events holds them all). Then the same
//    N published to a topic nobody reads: what publishers and broker alone manage on this machine.
// 2. alerts: the same kind of load paced at a rate the aggregator sustains (default 80 % of the measured ingest rate);
//    each alert-opening start is timed from its publish to its OperatorAlert on edgeinv/alerts/+ and its `opened`
//    server-sent event on GET /api/v1/events.
// 3. overview: S stores × Z zones written straight into the tables, then sequential GET /api/v1/stores and
//    GET /api/v1/stores/{id}.
// 4. web: the same seeded chain, the web app's pages as a browser gets them (HTML with the data in it): GET / (the
//    chain overview) and GET /stores/{id} (the stock map).
// 5. forecast (only with --only forecast): S store × SKU series with a history of shelf counts written straight into the
//    tables, then one forecast run over all of them (ForecastRunner, as POST /api/v1/forecast-runs runs it), timed.
var eventsOption = ToolCommandLine.Number("--events", 3, 5_000_000, 20_000, "discrepancy events per run (start, update and end of events/3 discrepancies)");
var storesOption = ToolCommandLine.Number("--stores", 1, 500, 20, "publishing stores (one MQTT connection each)");
var alertShareOption = ToolCommandLine.Number("--alert-share", 0.0, 1.0, 0.05, "share of discrepancies that are paged shortages (open and resolve an alert)");
var alertRateOption = ToolCommandLine.OptionalNumber("--alert-rate", 1, 1_000_000, "events/s of the alert-latency run (default: 80 % of the ingest rate measured, or 2000)");
var batchOption = ToolCommandLine.OptionalNumber("--batch", 1, 10_000, "Cloud:Ingest:BatchSize (default: the aggregator's own)");
var chainStoresOption = ToolCommandLine.Number("--chain-stores", 1, 100_000, 1_000, "stores seeded for the overview run");
var zonesOption = ToolCommandLine.Number("--zones", 1, 10_000, 200, "zones per seeded store");
var requestsOption = ToolCommandLine.Number("--requests", 1, 100_000, 200, "sequential GETs per endpoint in the overview run");
var seriesOption = ToolCommandLine.Number("--series", 1, 10_000_000, 100_000, "store × SKU series seeded for the forecast run (100 SKUs a store)");
var historyOption = ToolCommandLine.Number("--history-days", 7, 3650, 90, "days of shelf counts seeded per series (one count a day) and Cloud:Forecasts:HistoryDays");
var timeoutOption = ToolCommandLine.Number("--timeout", 1, 3600, 300, "seconds a run may take before it is given up and what was reached is reported");
var pgOptionsOption = new Option<string?>("--pg-options") { Description = "extra Npgsql connection-string keywords, for profiling (e.g. \"Max Auto Prepare=64\")", HelpName = "KEYWORDS" };
var postgresOption = new Option<bool>("--postgres") { Description = "PostgreSQL (Debian's, started in a temp folder, fsync on) instead of SQLite" };
var quickOption = new Option<bool>("--quick") { Description = "a short run: 3,000 events, 5 stores, 100 seeded stores, 50 requests (explicit options still win)" };
var onlyOption = new Option<string?>("--only") { Description = "run one part only (forecast runs only when asked)", HelpName = "ingest|alerts|overview|web|forecast" };
onlyOption.AcceptOnlyFromAmong("ingest", "alerts", "overview", "web", "forecast");
var jsonOption = new Option<bool>("--json") { Description = "the figures as JSON on stdout instead of the table (progress stays on stderr)" };
var root = new RootCommand("tools/edgeinv bench cloud: the cloud aggregator's ingest rate, alert latency (MQTT and SSE) and chain-overview read time, in process against a real mosquitto (SQLite, or PostgreSQL with --postgres).")
{
    eventsOption, storesOption, alertShareOption, alertRateOption, batchOption, chainStoresOption, zonesOption, requestsOption, seriesOption, historyOption, timeoutOption,
    postgresOption, pgOptionsOption, quickOption, onlyOption, jsonOption,
};
ParseResult? parsed = ToolCommandLine.Parse(root, "bench cloud", args, Console.Error);
if (parsed is null)
{
    return ToolCommandLine.UsageError;
}
if (parsed.Action is not null)
{
    return ToolCommandLine.Invoke(parsed, Console.Out, Console.Error); // --help or --version
}

bool quick = parsed.GetValue(quickOption);
int Pick(Option<int> option, int quickValue) => quick && parsed.GetResult(option) is not { Implicit: false } ? quickValue : parsed.GetValue(option);
int events = Pick(eventsOption, 3_000);
int storeCount = Pick(storesOption, 5);
int chainStores = Pick(chainStoresOption, 100);
int zones = parsed.GetValue(zonesOption);
int requests = Pick(requestsOption, 50);
double alertShare = parsed.GetValue(alertShareOption);
int? alertRate = parsed.GetValue(alertRateOption);
int? batch = parsed.GetValue(batchOption);
var timeout = TimeSpan.FromSeconds(parsed.GetValue(timeoutOption));
bool postgres = parsed.GetValue(postgresOption);
string? only = parsed.GetValue(onlyOption);
bool json = parsed.GetValue(jsonOption);
bool Runs(string part) => (only is null && part != "forecast") || only == part;
int forecastSeries = Pick(seriesOption, 5_000);
int historyDays = parsed.GetValue(historyOption);
bool chainSeeded = false;

var results = new Dictionary<string, object?>
{
    ["database"] = postgres ? "postgres" : "sqlite",
    ["cores"] = Environment.ProcessorCount,
    // Other work on the machine skews every figure; the load average before the run says how much there was.
    ["loadAverage1m"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : null,
};
void Progress(string line) => Console.Error.WriteLine($"bench cloud: {line}");

// --- the broker, the database, the aggregator ---
string[] stores = [.. Enumerable.Range(1, storeCount).Select(i => $"s{i:D3}")];
var users = new Dictionary<string, string> { ["cloud"] = Secret(), ["operators"] = Secret() };
foreach (string store in stores)
{
    users[store] = Secret();
}
using MosquittoBroker broker = MosquittoBroker.Start(users);
int? mosquittoPid = ProcessCpu.FindByCommandLine(broker.Directory);
using PostgresServer? pg = postgres ? new PostgresServer(durable: true) : null;
string dir = Directory.CreateTempSubdirectory("edgeinv-bench-cloud-").FullName;
string apiKey = Secret();
var settings = new Dictionary<string, string?>
{
    ["Cloud:StateDirectory"] = dir,
    ["Cloud:Broker:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Cloud:Broker:Password"] = users["cloud"],
    ["Cloud:Broker:ClientId"] = "bench-cloud",
    ["Cloud:Broker:ReconnectDelayMin"] = "00:00:00.1",
    ["Cloud:Http:Port"] = "0",
    ["Cloud:ApiKeys:0:Name"] = "bench",
    ["Cloud:ApiKeys:0:Role"] = "headoffice",
    ["Cloud:ApiKeys:0:KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))),
    ["Cloud:Forecasts:Enabled"] = "false",
    ["Cloud:Forecasts:HistoryDays"] = historyDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("EDGEINV_BENCH_LOG") ?? "Warning",
};
if (batch is { } b)
{
    settings["Cloud:Ingest:BatchSize"] = b.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
if (pg is not null)
{
    settings["Cloud:Database:Provider"] = "Postgres";
    settings["Cloud:Database:ConnectionString"] = pg.ConnectionString + (parsed.GetValue(pgOptionsOption) is { Length: > 0 } extra ? ";" + extra : "");
    results["pgOptions"] = parsed.GetValue(pgOptionsOption);
}
WebApplication app = await CloudHost.BuildAsync(null, cfg => cfg.AddInMemoryCollection(settings));
await app.StartAsync();
Uri api = CloudHost.Address(app);
CloudDatabase database = app.Services.GetRequiredService<CloudDatabase>();
CloudMetrics metrics = app.Services.GetRequiredService<CloudMetrics>();
int batchSize = app.Services.GetRequiredService<EdgeInventory.Cloud.Configuration.CloudOptions>().Ingest.BatchSize;
using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
string where = pg is null ? $"SQLite in {dir} (WAL, synchronous=FULL)" : $"PostgreSQL {pg.Version} on 127.0.0.1:{pg.Port} (fsync on)";
Progress($"mosquitto on 127.0.0.1:{broker.Port}, {where}, aggregator HTTP {api}, Cloud:Ingest:BatchSize {batchSize}, {Environment.ProcessorCount} cores");
results["batchSize"] = batchSize;

var publishers = stores.Select(s => Client(s, users[s])).ToArray();
MqttConnection operators = Client("operators", users["operators"]);
AlertWatch? watch = null;
int exit = 0;
try
{
    foreach (MqttConnection p in publishers)
    {
        await p.WaitConnectedAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
    await WaitReadyAsync();
    watch = await AlertWatch.StartAsync(operators, http, api, apiKey);

    // Warm-up: the aggregator's subscriptions are in place once these are stored, and the paths are jitted.
    EventPlan warm = EventPlan.Build(stores, Math.Min(3_000, Math.Max(300, events / 10)), alertShare, "w");
    await PublishAsync(warm, rate: null);
    if (await WaitStoredAsync(warm.Count, TimeSpan.FromSeconds(60)) is var warmed && warmed < warm.Count)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(database);
        throw new InvalidOperationException($"only {warmed} of the {warm.Count} warm-up events were stored within 60 s ({s.ScalarLong("SELECT COUNT(*) FROM dead_letters")} dead letters)");
    }
    await WaitDeliveriesAsync(TimeSpan.FromSeconds(60));

    double? ingestRate = null;
    if (Runs("ingest"))
    {
        ingestRate = await IngestAsync();
    }
    if (Runs("alerts"))
    {
        await WaitDeliveriesAsync(TimeSpan.FromSeconds(60));
        await AlertsAsync(alertRate ?? (ingestRate is { } r ? Math.Max(1, (int)(r * 0.8)) : 2_000));
    }
    if (Runs("overview"))
    {
        await OverviewAsync();
    }
    if (Runs("web"))
    {
        await WebAsync();
    }
    if (Runs("forecast"))
    {
        await ForecastAsync();
    }
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or MqttException)
{
    Progress("failed: " + e.Message);
    results["error"] = e.Message;
    exit = 1;
}
finally
{
    if (watch is not null)
    {
        await watch.DisposeAsync();
    }
    foreach (MqttConnection p in publishers)
    {
        p.Dispose();
    }
    operators.Dispose();
    await app.StopAsync();
    await app.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Npgsql.NpgsqlConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}

Console.WriteLine(json ? JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }) : Report.Table(results));
return exit;

// --- 1. ingest ---
async Task<double> IngestAsync()
{
    EventPlan plan = EventPlan.Build(stores, events, alertShare, "i");
    Progress($"ingest: {plan.Count:N0} events from {stores.Length} stores ({plan.Alerts} open an alert)");
    long baseline = await CountStoredAsync();
    (long batches, double batchSum, double busy) before = (metrics.BatchSize.Count, metrics.BatchSize.Sum, metrics.BatchDuration.Sum);
    double cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, mosq0 = ProcessCpu.Seconds(mosquittoPid), pg0 = ProcessCpu.Seconds(pg?.PostmasterPid, children: true);
    var clock = Stopwatch.StartNew();
    (long[] sentAt, TimeSpan published) = await PublishAsync(plan, rate: null, clock);
    long stored = await WaitStoredAsync(baseline + plan.Count, timeout - clock.Elapsed) - baseline;
    TimeSpan total = clock.Elapsed;
    double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0, mosq = ProcessCpu.Seconds(mosquittoPid) - mosq0;
    double pgCpu = ProcessCpu.Seconds(pg?.PostmasterPid, children: true) - pg0;
    long batches = metrics.BatchSize.Count - before.batches;
    double inBatches = metrics.BatchSize.Sum - before.batchSum, busy = metrics.BatchDuration.Sum - before.busy;
    double rate = stored / total.TotalSeconds;
    Progress($"ingest: {stored:N0} stored in {total.TotalSeconds:0.00} s = {rate:N0} events/s; published (all PUBACKs) in {published.TotalSeconds:0.00} s");
    (double[] mqttBurst, double[] sseBurst, int missing) = await LatenciesAsync(plan, sentAt, TimeSpan.FromSeconds(30));

    // The same messages to a topic no one subscribes to: publishers + broker without the aggregator.
    EventPlan alone = EventPlan.Build(stores, events, 0, "p");
    double aloneCpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, aloneMosq0 = ProcessCpu.Seconds(mosquittoPid);
    var aloneClock = Stopwatch.StartNew();
    await PublishAsync(alone, rate: null, aloneClock, topicLeaf: "bench-null");
    TimeSpan aloneTime = aloneClock.Elapsed;
    double aloneCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - aloneCpu0, aloneMosq = ProcessCpu.Seconds(mosquittoPid) - aloneMosq0;
    Progress($"publish alone (no subscriber): {alone.Count / aloneTime.TotalSeconds:N0} events/s");

    // The aggregator's own share, without MQTT: parsing alone, then IngestProcessor.Apply + commit in batches of the
    // configured size on this thread (what the ingest loop does between reading and acknowledging).
    EventPlan direct = EventPlan.Build(stores, events, alertShare, "x");
    InboundMessage[] inbound = [.. direct.PerStore.SelectMany(l => l).Select(e => new InboundMessage(e.Topic, e.Payload, false))];
    long parse0 = Stopwatch.GetTimestamp();
    foreach (InboundMessage m in inbound)
    {
        _ = EdgeInventory.Contracts.ContractParser.Parse<EdgeInventory.Contracts.DiscrepancyEvent>(m.Payload);
    }
    double parseUs = Stopwatch.GetElapsedTime(parse0).TotalMicroseconds / inbound.Length;
    IngestProcessor processor = app.Services.GetRequiredService<IngestProcessor>();
    double applyCpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    long apply0 = Stopwatch.GetTimestamp();
    for (int first = 0; first < inbound.Length; first += batchSize)
    {
        using SqlSession s = await SqlSession.BeginAsync(database);
        processor.Apply(s, inbound[first..Math.Min(inbound.Length, first + batchSize)]);
        s.Commit();
    }
    TimeSpan applyTime = Stopwatch.GetElapsedTime(apply0);
    // CPU time is what other work on a shared machine changes least (wall time stretches with the load average).
    double applyCpuUs = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - applyCpu0) * 1e6 / inbound.Length;
    Progress($"apply alone (no MQTT): {inbound.Length / applyTime.TotalSeconds:N0} events/s, {applyTime.TotalMicroseconds / inbound.Length:0.0} µs per event, of which parsing {parseUs:0.0} µs");

    results["ingest"] = new Dictionary<string, object?>
    {
        ["events"] = plan.Count,
        ["stored"] = stored,
        ["complete"] = stored >= plan.Count,
        ["seconds"] = Math.Round(total.TotalSeconds, 3),
        ["eventsPerSecond"] = Math.Round(rate),
        ["targetEventsPerSecond"] = 20_000,
        ["publishedSeconds"] = Math.Round(published.TotalSeconds, 3),
        ["alertsOpened"] = plan.Alerts,
        ["batches"] = batches,
        ["meanBatch"] = batches == 0 ? 0 : Math.Round(inBatches / batches, 1),
        ["ingestBusySeconds"] = Math.Round(busy, 3),
        ["ingestMicrosecondsPerEvent"] = stored == 0 ? 0 : Math.Round(busy / stored * 1e6, 1),
        ["cpuSecondsThisProcess"] = Math.Round(cpu, 2),
        ["cpuSecondsMosquitto"] = Math.Round(mosq, 2),
        ["cpuSecondsPostgres"] = pg is null ? null : Math.Round(pgCpu, 2),
        ["applyAloneEventsPerSecond"] = Math.Round(inbound.Length / applyTime.TotalSeconds),
        ["applyAloneMicrosecondsPerEvent"] = Math.Round(applyTime.TotalMicroseconds / inbound.Length, 1),
        ["applyAloneCpuMicrosecondsPerEvent"] = Math.Round(applyCpuUs, 1),
        ["parseMicrosecondsPerEvent"] = Math.Round(parseUs, 1),
        ["publishAloneEventsPerSecond"] = Math.Round(alone.Count / aloneTime.TotalSeconds),
        ["publishAloneCpuSecondsThisProcess"] = Math.Round(aloneCpu, 2),
        ["publishAloneCpuSecondsMosquitto"] = Math.Round(aloneMosq, 2),
        ["burstAlertMqttMs"] = Percentiles(mqttBurst),
        ["burstAlertSseMs"] = Percentiles(sseBurst),
        ["burstAlertsMissing"] = missing,
        ["sseError"] = watch?.SseError,
    };
    return rate;
}

// --- 2. alert latency at a sustained load ---
async Task AlertsAsync(int rate)
{
    EventPlan plan = EventPlan.Build(stores, events, alertShare, "a");
    Progress($"alerts: {plan.Count:N0} events at {rate:N0}/s from {stores.Length} stores ({plan.Alerts} open an alert)");
    long baseline = await CountStoredAsync();
    (long lagCount, double lagSum) = (metrics.DeliveryLag.Count, metrics.DeliveryLag.Sum);
    var clock = Stopwatch.StartNew();
    (long[] sentAt, TimeSpan published) = await PublishAsync(plan, rate, clock);
    long stored = await WaitStoredAsync(baseline + plan.Count, timeout - clock.Elapsed) - baseline;
    TimeSpan total = clock.Elapsed;
    (double[] mqtt, double[] sse, int missing) = await LatenciesAsync(plan, sentAt, TimeSpan.FromSeconds(30));
    Progress($"alerts: MQTT p99 {Percentile(mqtt, 0.99):0.0} ms, SSE p99 {Percentile(sse, 0.99):0.0} ms, {missing} missing");
    results["alerts"] = new Dictionary<string, object?>
    {
        ["events"] = plan.Count,
        ["offeredEventsPerSecond"] = rate,
        ["achievedEventsPerSecond"] = Math.Round(stored / total.TotalSeconds),
        ["publishedSeconds"] = Math.Round(published.TotalSeconds, 3),
        ["alertsOpened"] = plan.Alerts,
        ["mqttMs"] = Percentiles(mqtt),
        ["sseMs"] = Percentiles(sse),
        ["missing"] = missing,
        ["deliveries"] = metrics.DeliveryLag.Count - lagCount,
        ["deliveryLagMeanMs"] = metrics.DeliveryLag.Count == lagCount ? null : Math.Round((metrics.DeliveryLag.Sum - lagSum) / (metrics.DeliveryLag.Count - lagCount) * 1000, 1),
        ["sseError"] = watch?.SseError,
        ["targetP99Ms"] = 500,
    };
}

// --- 4. forecast ---
async Task ForecastAsync()
{
    Progress($"forecast: seeding {forecastSeries:N0} store × SKU series with {historyDays} days of shelf counts straight into the tables");
    var seedClock = Stopwatch.StartNew();
    long counts = await ForecastSeed.SeedAsync(database, forecastSeries, historyDays);
    Progress($"forecast: {counts:N0} counts seeded in {seedClock.Elapsed.TotalSeconds:0.0} s; running the forecast");
    var runner = app.Services.GetRequiredService<EdgeInventory.Cloud.Forecasts.ForecastRunner>();
    double cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    var clock = Stopwatch.StartNew();
    EdgeInventory.Cloud.Forecasts.ForecastRunSummary run = await runner.RunAsync(EdgeInventory.Forecasting.Batch.SeriesPartition.All, "bench");
    double seconds = clock.Elapsed.TotalSeconds, cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0;
    clock.Restart();
    using HttpResponseMessage first = await http.GetAsync("/api/v1/recommendations?limit=100");
    first.EnsureSuccessStatusCode();
    double firstPageMs = clock.Elapsed.TotalMilliseconds;
    Progress($"forecast: {run.Series:N0} series in {seconds:0.0} s ({run.CensoredDays:N0} censored days, {run.Fallbacks:N0} with a fallback); GET /recommendations?limit=100 {firstPageMs:0} ms");
    results["forecast"] = new Dictionary<string, object?>
    {
        ["seed"] = "direct SQL inserts through SqlSession (not through ingest)",
        ["series"] = run.Series,
        ["historyDays"] = historyDays,
        ["countRows"] = counts,
        ["seconds"] = seconds,
        ["cpuSecondsThisProcess"] = cpu,
        ["readSeconds"] = run.ReadSeconds,
        ["prepareSeconds"] = run.PrepareSeconds,
        ["forecastSeconds"] = run.ForecastSeconds,
        ["writeSeconds"] = run.WriteSeconds,
        ["censoredDays"] = run.CensoredDays,
        ["fallbacks"] = run.Fallbacks,
        ["firstPageMs"] = firstPageMs,
        ["targetSeconds"] = 120,
    };
}

// --- 3. chain overview ---
async Task SeedChainAsync(string part)
{
    if (chainSeeded)
    {
        return;
    }
    Progress($"{part}: seeding {chainStores:N0} stores × {zones} zones straight into the tables");
    var seedClock = Stopwatch.StartNew();
    await OverviewSeed.SeedAsync(database, chainStores, zones);
    chainSeeded = true;
    Progress($"{part}: seeded in {seedClock.Elapsed.TotalSeconds:0.0} s; {requests} sequential GETs each");
}

async Task OverviewAsync()
{
    await SeedChainAsync("overview");
    (double[] list, int listBytes, int listStores) = await TimeGetsAsync("/api/v1/stores");
    (double[] detail, int detailBytes, _) = await TimeGetsAsync($"/api/v1/stores/{OverviewSeed.StoreId(0)}");
    results["overview"] = new Dictionary<string, object?>
    {
        ["seed"] = "direct SQL inserts through SqlSession (not through ingest)",
        ["seededStores"] = chainStores,
        ["zonesPerStore"] = zones,
        ["storesListed"] = listStores,
        ["requests"] = requests,
        ["storesMs"] = Percentiles(list),
        ["storesBytes"] = listBytes,
        ["storeDetailMs"] = Percentiles(detail),
        ["storeDetailBytes"] = detailBytes,
        ["targetStoresP95Ms"] = 100,
    };
}

// --- 4. web app pages ---
async Task WebAsync()
{
    await SeedChainAsync("web");
    (double[] overview, int overviewBytes) = await TimeHtmlAsync("/");
    (double[] map, int mapBytes) = await TimeHtmlAsync($"/stores/{OverviewSeed.StoreId(0)}");
    results["web"] = new Dictionary<string, object?>
    {
        ["seededStores"] = chainStores,
        ["zonesPerStore"] = zones,
        ["requests"] = requests,
        ["overviewHtmlMs"] = Percentiles(overview),
        ["overviewHtmlBytes"] = overviewBytes,
        ["storeMapHtmlMs"] = Percentiles(map),
        ["storeMapHtmlBytes"] = mapBytes,
        ["targetOverviewMs"] = 1000,
        ["targetStoreMapMs"] = 500,
    };
}

async Task<(double[] Ms, int Bytes)> TimeHtmlAsync(string path)
{
    int bytes = 0;
    for (int i = 0; i < 5; i++)
    {
        bytes = (await GetAsync(path)).Body.Length;
    }
    var times = new double[requests];
    for (int i = 0; i < requests; i++)
    {
        times[i] = (await GetAsync(path)).Ms;
    }
    Array.Sort(times);
    return (times, bytes);
}

async Task<(double[] Ms, int Bytes, int Items)> TimeGetsAsync(string path)
{
    int bytes = 0, items = 0;
    for (int i = 0; i < 5; i++)
    {
        (byte[] body, _) = await GetAsync(path);
        using JsonDocument doc = JsonDocument.Parse(body);
        items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.GetArrayLength() : 1;
        bytes = body.Length;
    }
    var times = new double[requests];
    for (int i = 0; i < requests; i++)
    {
        times[i] = (await GetAsync(path)).Ms;
    }
    Array.Sort(times);
    return (times, bytes, items);
}

async Task<(byte[] Body, double Ms)> GetAsync(string path)
{
    long t0 = Stopwatch.GetTimestamp();
    using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
    byte[] body = await response.Content.ReadAsByteArrayAsync();
    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    if (!response.IsSuccessStatusCode)
    {
        throw new HttpRequestException($"GET {path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
    }
    return (body, ms);
}

// --- shared steps ---
// Each store's connection publishes its events in order (EventPlan.PublishAsync, shared with the store simulator's load mode).
async Task<(long[] SentAt, TimeSpan Published)> PublishAsync(EventPlan plan, int? rate, Stopwatch? clock = null, string? topicLeaf = null)
{
    var sentAt = new long[plan.Count];
    clock ??= Stopwatch.StartNew();
    await plan.PublishAsync(publishers, rate, sentAt, topicLeaf).WaitAsync(timeout);
    return (sentAt, clock.Elapsed);
}

async Task<(double[] Mqtt, double[] Sse, int Missing)> LatenciesAsync(EventPlan plan, long[] sentAt, TimeSpan wait)
{
    PlannedEvent[] opening = [.. plan.PerStore.SelectMany(l => l).Where(e => e.OpensAlert)];
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < wait && opening.Any(e => !watch!.MqttBySourceEvent.ContainsKey(e.EventId) || !watch.SseByDiscrepancy.ContainsKey(e.DiscrepancyId)))
    {
        await Task.Delay(50);
    }
    var mqtt = new List<double>();
    var sse = new List<double>();
    int missing = 0;
    foreach (PlannedEvent e in opening)
    {
        bool m = watch!.MqttBySourceEvent.TryGetValue(e.EventId, out long mAt), s = watch.SseByDiscrepancy.TryGetValue(e.DiscrepancyId, out long sAt);
        if (m)
        {
            mqtt.Add(Stopwatch.GetElapsedTime(sentAt[e.Index], mAt).TotalMilliseconds);
        }
        if (s)
        {
            sse.Add(Stopwatch.GetElapsedTime(sentAt[e.Index], sAt).TotalMilliseconds);
        }
        missing += m && s ? 0 : 1;
    }
    return ([.. mqtt.Order()], [.. sse.Order()], missing);
}

async Task<long> CountStoredAsync()
{
    using SqlSession s = await SqlSession.BeginReadAsync(database);
    return s.ScalarLong("SELECT COUNT(*) FROM discrepancy_events") ?? 0;
}

// Until the table holds `target` rows or `wait` is over; returns what it holds. The aggregator's own "stored" counter
// (counted after each commit) is watched every 2 ms first, since a COUNT(*) every few milliseconds would itself load the
// database being measured; the table then has the last word (every 50 ms until it agrees or time is up).
async Task<long> WaitStoredAsync(long target, TimeSpan wait)
{
    var clock = Stopwatch.StartNew();
    long now = await CountStoredAsync();
    double counted = StoredCounter();
    while (now < target && StoredCounter() - counted < target - now && clock.Elapsed < wait)
    {
        await Task.Delay(2);
    }
    while (true)
    {
        long n = await CountStoredAsync();
        if (n >= target || clock.Elapsed >= wait)
        {
            return n;
        }
        await Task.Delay(50);
    }
}

double StoredCounter() => metrics.IngestMessages.WithLabels("stored").Value;

// Until every queued alert delivery is sent, so the next run starts without a backlog.
async Task WaitDeliveriesAsync(TimeSpan wait)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < wait)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(database);
        if ((s.ScalarLong("SELECT COUNT(*) FROM alert_deliveries WHERE state = 'pending' AND channel = 'mqtt'") ?? 0) == 0)
        {
            return;
        }
        await Task.Delay(100);
    }
}

async Task WaitReadyAsync()
{
    var clock = Stopwatch.StartNew();
    while (true)
    {
        using HttpResponseMessage r = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        if (r.IsSuccessStatusCode)
        {
            return;
        }
        if (clock.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException($"the aggregator was not ready within 30 s: {await r.Content.ReadAsStringAsync()}");
        }
        await Task.Delay(50);
    }
}

MqttConnection Client(string user, string password) => new(new MqttConnectionOptions
{
    Host = "127.0.0.1",
    Port = broker.Port,
    ClientId = $"bench-{user}-{Guid.NewGuid():N}"[..23],
    Username = user,
    Password = password,
    ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
    InboundCapacity = 100_000,
});

static string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

static Dictionary<string, object?> Percentiles(double[] sorted) => new()
{
    ["count"] = sorted.Length,
    ["p50"] = sorted.Length == 0 ? null : Math.Round(Percentile(sorted, 0.50), 2),
    ["p95"] = sorted.Length == 0 ? null : Math.Round(Percentile(sorted, 0.95), 2),
    ["p99"] = sorted.Length == 0 ? null : Math.Round(Percentile(sorted, 0.99), 2),
    ["max"] = sorted.Length == 0 ? null : Math.Round(sorted[^1], 2),
};
