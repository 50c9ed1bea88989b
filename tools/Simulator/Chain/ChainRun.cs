using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInventory.Simulator.Scoring;
using EdgeInventory.Simulator.Story;
using EdgeInventory.Testing;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Simulator.Chain;

/// <summary>
/// One run of the simulated chain through the real system: mosquitto with generated per-store credentials and the
/// deployment ACL, the aggregator on SQLite, one agent per store (each store's uplink through a relay the story cuts
/// for a while), every camera an HTTP snapshot feed of its store's story. Everything it starts is stopped when it ends,
/// by Ctrl-C or SIGTERM too, at any point of the start-up; a second run in the same checkout is refused while one runs.
/// </summary>
internal sealed class ChainRun
{
    private readonly ChainOptions _options;
    private readonly TextWriter _out;
    private readonly string _root;
    private readonly string _home;
    private readonly string _runDir;

    public ChainRun(ChainOptions options, TextWriter stdout)
    {
        _options = options;
        _out = stdout;
        _root = Prerequisites.RepositoryRoot();
        // EDGEINV_DEMO_STATE moves the run's folder, lock included (the tests' runs then never meet a user's demo).
        _home = Environment.GetEnvironmentVariable("EDGEINV_DEMO_STATE") is { Length: > 0 } state ? Path.GetFullPath(state) : Path.Combine(_root, ".deps", "demo");
        _runDir = Path.Combine(_home, "run");
    }

    /// <summary>The exit code: 0 when at least one alert reached the cloud, 1 when none did, 2 when the run was refused.</summary>
    public async Task<int> RunAsync(CancellationToken cancel)
    {
        using RunLock held = RunLock.Take(_home, _options.Name);
        foreach (string left in ChildProcesses.StopLeftovers(Path.Combine(_home, "children")))
        {
            Say($"stopped {left}, left running by a run that was killed");
        }

        string configuration = Prerequisites.Configuration();
        string agentDll = Path.Combine(_root, "agent", "Agent", "bin", configuration, "net10.0", "edgeinv-agent.dll");
        string cloudDll = Path.Combine(_root, "cloud", "Aggregator", "bin", configuration, "net10.0", "edgeinv-cloud.dll");
        string model = Path.Combine(_root, "models", "shelf-detector.onnx");
        Prerequisites.Program("mosquitto", "mosquitto");
        Prerequisites.Program("mosquitto_passwd", "mosquitto");
        Prerequisites.Program("ffmpeg", "ffmpeg");
        Prerequisites.FileThere(agentDll, "the agent's build", "run 'tools/edgeinv demo', which builds it");
        Prerequisites.FileThere(cloudDll, "the aggregator's build", "run 'tools/edgeinv demo', which builds it");
        Prerequisites.FileThere(model, "the default shelf model", "it is committed with the repository; 'git checkout models/' restores it");
        Prerequisites.PortFree(_options.BrokerPort, "MQTT broker", "--broker-port");
        Prerequisites.PortFree(_options.HttpPort, "aggregator and web app", "--http-port");

        if (Directory.Exists(_runDir))
        {
            Directory.Delete(_runDir, recursive: true);
        }
        Directory.CreateDirectory(_runDir);
        string outDir = _options.Out ?? _runDir;
        Directory.CreateDirectory(outDir);

        // Everything started from here on is stopped in the finally blocks, whatever ends the run.
        using var children = new ChildProcesses(Path.Combine(_home, "children"));
        List<StoreStory> stories = _options.LoadEvents is null ? LoadStories(model, cancel) : [];
        cancel.ThrowIfCancellationRequested();

        string[] storeIds = [.. Enumerable.Range(1, _options.Stores).Select(StoreId)];
        Dictionary<string, string> users = NewCredentials(storeIds);
        string apiKey = ApiKey();

        Say($"starting mosquitto on 127.0.0.1:{_options.BrokerPort} (users cloud, operators, {string.Join(", ", storeIds)}; passwords in {Relative(Path.Combine(_runDir, "credentials.env"))})");
        using MosquittoBroker broker = MosquittoBroker.Start(users, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "broker-acl")), port: _options.BrokerPort);
        children.Adopt("mosquitto", broker.ProcessId ?? 0);
        var relays = storeIds.ToDictionary(s => s, _ => new TcpRelay(_options.BrokerPort));
        CameraServer? cameras = null;
        try
        {
            var clock = new RunClock();
            Say($"starting the aggregator (SQLite in {Relative(Path.Combine(_runDir, "cloud"))}, log {Relative(Path.Combine(_runDir, "cloud.log"))})");
            children.Start("aggregator", Prerequisites.Dotnet(), [cloudDll], CloudEnvironment(users["cloud"], apiKey), Path.Combine(_runDir, "cloud.log"));
            using var cloud = new CloudView(new Uri($"http://127.0.0.1:{_options.HttpPort}/"), apiKey);
            if (_options.LoadEvents is int events)
            {
                await WaitAsync(() => cloud.ReadyAsync(cancel), TimeSpan.FromSeconds(120), "the aggregator did not become ready within 120 s", "cloud.log", cancel);
                return await LoadRun.RunAsync(storeIds, users, _options.BrokerPort, events, _options.LoadRate, cloud, outDir, _out, cancel);
            }

            // The agents start while the aggregator does (both load for seconds); the stores open once both are ready, so
            // nothing the story does is published before the aggregator subscribes.
            cameras = new CameraServer(stories, clock, Prerequisites.FreePort());
            foreach (StoreStory story in stories)
            {
                string config = WriteAgentConfig(story, model, cameras, relays[story.StoreId].Port, users[story.StoreId]);
                children.Start($"agent {story.StoreId}", Prerequisites.Dotnet(), [agentDll, "--config", config], new Dictionary<string, string>(),
                    Path.Combine(_runDir, story.StoreId, "agent.log"));
            }
            Say($"started {stories.Count} agents, {stories.Sum(s => s.Cameras.Count)} cameras (logs in {Relative(_runDir)}/<store>/agent.log)");
            await WaitAsync(() => cloud.ReadyAsync(cancel), TimeSpan.FromSeconds(120), "the aggregator did not become ready within 120 s", "cloud.log", cancel);
            Say("aggregator ready");
            CameraServer feeds = cameras;
            await WaitAsync(() => Task.FromResult(feeds.EveryCameraRead(2)), TimeSpan.FromSeconds(180),
                "not every camera was read by its agent within 180 s", null, cancel);
            clock.Start();
            Say("every camera is being read; the stores open now");
            _out.WriteLine();
            _out.WriteLine($"  web app:  http://127.0.0.1:{_options.HttpPort}/   sign in with the key  {apiKey}");
            _out.WriteLine($"  API:      curl -H 'Authorization: Bearer {apiKey}' http://127.0.0.1:{_options.HttpPort}/api/v1/alerts");
            _out.WriteLine(_options.Duration is null ? "  Ctrl-C stops everything." : $"  running for {_options.Duration:0} s.");
            _out.WriteLine();

            var summary = new LiveSummary(_out, clock, stories);
            bool toldFirst = false;
            using var faults = new CancellationTokenSource();
            Task uplinks = DriveUplinksAsync(stories, relays, clock, faults.Token);
            try
            {
                while (!cancel.IsCancellationRequested && (_options.Duration is not double d || clock.Seconds < d))
                {
                    await summary.RefreshAsync(cloud, cancel);
                    summary.Print();
                    if (summary.FirstAlertAt is double first && !toldFirst)
                    {
                        toldFirst = true;
                        CloudAlert a = summary.Alerts.MinBy(a => a.OpenedAt)!;
                        Say($"first alert on the cloud: {a.StoreId} {a.ZoneId} {a.Kind} at {DateTime.UtcNow:HH:mm:ss} UTC, {SinceLaunch():0} s after the command started ({first:0} s after the stores opened)");
                    }
                    await Delay(TimeSpan.FromSeconds(_options.SummaryEvery), cancel);
                }
            }
            finally
            {
                await faults.CancelAsync();
                await uplinks;
            }

            // The end: a last read of what reached the cloud, scored against the truth.
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            bool read = await summary.RefreshAsync(cloud, last.Token);
            double end = clock.Seconds;
            List<TruthShortage> truth = [.. stories.SelectMany(s => s.Truth(end))];
            AlertScore score = AlertScore.Of(truth, summary.Alerts, clock.At, clock.At(end));
            WriteResults(outDir, stories, truth, score, clock, end);
            _out.WriteLine();
            summary.Print();
            PrintScore(score, outDir);
            if (!read)
            {
                Say("the aggregator did not answer the last read: the figures are those of the read before");
            }
            return summary.Alerts.Count > 0 ? 0 : 1;
        }
        finally
        {
            Say("stopping everything this run started (agents, aggregator, broker)");
            children.StopAll(TimeSpan.FromSeconds(10));
            cameras?.Dispose();
            foreach (TcpRelay relay in relays.Values)
            {
                relay.Dispose();
            }
        }
    }

    private List<StoreStory> LoadStories(string model, CancellationToken cancel)
    {
        List<(string Image, string Label)> photos = [.. _options.PhotoFolders.SelectMany(LabelledPhotos)];
        if (photos.Count == 0)
        {
            throw new RunRefusedException($"no labelled photos in {string.Join(", ", _options.PhotoFolders)} (images/*.jpg with labels/*.txt)");
        }
        int needed = _options.Stores * _options.Cameras;
        Say($"the default model's count on the bays of {Math.Min(needed, photos.Count)} shelf photos (their planned facings; measured once, then kept in {Relative(Path.Combine(_home, "baselines"))})");
        var views = new List<ShelfView>();
        // The model's own hash keys the kept measurements (a retrained model measures again).
        string modelKey;
        using (FileStream file = File.OpenRead(model))
        {
            modelKey = Convert.ToHexStringLower(SHA256.HashData(file));
        }
        var detector = new Lazy<YoloDetector>(() => YoloDetector.Open(model));
        try
        {
            using var reader = new StillImageReader();
            for (int i = 0; i < photos.Count && views.Count < needed; i++)
            {
                cancel.ThrowIfCancellationRequested();
                ShelfView view = ShelfView.Load(photos[i].Image, photos[i].Label, detector, reader, modelKey, Path.Combine(_home, "baselines"));
                if (view.Bays.Count > 0)
                {
                    views.Add(view);
                }
            }
        }
        finally
        {
            if (detector.IsValueCreated)
            {
                detector.Value.Dispose();
            }
        }
        if (views.Count == 0)
        {
            throw new RunRefusedException("the default model counts too few products on every photo's shelf rows to watch any of them");
        }
        double horizon = _options.Duration ?? 30 * 86400;
        return [.. Enumerable.Range(0, _options.Stores).Select(s => new StoreStory(
            StoreId(s + 1), s, _options.Stores,
            [.. Enumerable.Range(0, _options.Cameras).Select(c => views[((s * _options.Cameras) + c) % views.Count])],
            _options.DaySeconds, horizon, _options.Seed))];
    }

    /// <summary>Every <c>images/**/X.jpg</c> of a folder with a <c>labels/**/X.txt</c> beside it, in name order.</summary>
    private static IEnumerable<(string Image, string Label)> LabelledPhotos(string folder)
    {
        string images = Path.Combine(folder, "images"), labels = Path.Combine(folder, "labels");
        if (!Directory.Exists(images))
        {
            yield break;
        }
        foreach (string image in Directory.GetFiles(images, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string label = Path.ChangeExtension(Path.Combine(labels, Path.GetRelativePath(images, image)), ".txt");
            if (File.Exists(label))
            {
                yield return (image, label);
            }
        }
    }

    /// <summary>A random password for the aggregator, the operators and each store, kept in the run's credentials.env (mode 600).</summary>
    private Dictionary<string, string> NewCredentials(IEnumerable<string> stores)
    {
        var users = new Dictionary<string, string>();
        foreach (string user in (string[])["cloud", "operators", .. stores])
        {
            users[user] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }
        WritePrivate(Path.Combine(_runDir, "credentials.env"), string.Join('\n', users.Select(u => $"EDGEINV_MQTT_PASSWORD_{u.Key.ToUpperInvariant()}={u.Value}")) + "\n");
        return users;
    }

    /// <summary>The admin key to sign in to the web app: made once and kept in .deps/demo/api-key (mode 600), so a browser stays signed in across runs.</summary>
    private string ApiKey()
    {
        string file = Path.Combine(_home, "api-key");
        if (!File.Exists(file) || new FileInfo(file).Length < 16)
        {
            WritePrivate(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        }
        return File.ReadAllText(file).Trim();
    }

    private Dictionary<string, string> CloudEnvironment(string cloudPassword, string apiKey) => new()
    {
        ["EDGEINV_Cloud__StateDirectory"] = Path.Combine(_runDir, "cloud"),
        ["EDGEINV_Cloud__Broker__Host"] = "127.0.0.1",
        ["EDGEINV_Cloud__Broker__Port"] = _options.BrokerPort.ToString(CultureInfo.InvariantCulture),
        ["EDGEINV_Cloud__Broker__Password"] = cloudPassword,
        ["EDGEINV_Cloud__Broker__ClientId"] = "edgeinv-demo-cloud",
        ["EDGEINV_Cloud__Http__Address"] = "127.0.0.1",
        ["EDGEINV_Cloud__Http__Port"] = _options.HttpPort.ToString(CultureInfo.InvariantCulture),
        ["EDGEINV_Cloud__ApiKeys__0__Name"] = "demo",
        ["EDGEINV_Cloud__ApiKeys__0__Role"] = "admin",
        ["EDGEINV_Cloud__ApiKeys__0__KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))),
        // A device silent for longer than three heartbeats shows offline, within the demo's minutes.
        ["EDGEINV_Cloud__Devices__HeartbeatTimeout"] = "00:00:30",
        // The nightly forecast has no history to work on here, and would take a core from the agents.
        ["EDGEINV_Cloud__Forecasts__Enabled"] = "false",
        ["EDGEINV_Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>
    /// The store's agent configuration, in the shape agent/Agent/README.md documents: its cameras on the simulator's
    /// snapshot feeds, one zone per bay planned at what the model counts on the full photo (minimum half of it), and
    /// smoothing and health timings short enough for a day compressed into minutes.
    /// </summary>
    private string WriteAgentConfig(StoreStory story, string model, CameraServer cameras, int uplinkPort, string password)
    {
        string dir = Path.Combine(_runDir, story.StoreId);
        Directory.CreateDirectory(dir);
        var cameraList = new JsonArray();
        double emptiest = 0;
        for (int c = 0; c < story.Cameras.Count; c++)
        {
            var zones = new JsonArray();
            foreach (Bay bay in story.Cameras[c].Bays)
            {
                emptiest = Math.Max(emptiest, bay.BaselineEmpty);
                zones.Add(new JsonObject
                {
                    ["Id"] = StoreStory.ZoneId(c, bay.Id),
                    ["LocationId"] = $"{story.StoreId}/{StoreStory.CameraId(c)}/{bay.Id}",
                    ["Sku"] = $"sku-{story.Cameras[c].Name}-{bay.Id}",
                    ["Polygon"] = new JsonArray(new JsonArray(bay.X1, bay.Y1), new JsonArray(bay.X2, bay.Y1), new JsonArray(bay.X2, bay.Y2), new JsonArray(bay.X1, bay.Y2)),
                    ["PlannedFacings"] = bay.BaselineFacings,
                    ["MinFacings"] = Math.Max(1, bay.BaselineFacings / 2),
                });
            }
            cameraList.Add(new JsonObject
            {
                ["Id"] = StoreStory.CameraId(c),
                ["Url"] = cameras.Url(story.StoreId, c).AbsoluteUri,
                ["HttpMode"] = "snapshot",
                ["IntervalSeconds"] = _options.IntervalSeconds,
                // Generous: on a busy machine a snapshot can take seconds, and a stall restart loses more than it saves.
                ["StallTimeoutSeconds"] = Math.Max(20, _options.IntervalSeconds * 10),
                ["InitialBackoffSeconds"] = 0.5,
                ["MaxBackoffSeconds"] = 5,
                ["OfflineAfterSeconds"] = 10,
                ["Zones"] = zones,
            });
        }
        // A full bay must not look like a gap: the threshold sits above what the model leaves uncovered on the full photos.
        double gap = Math.Min(0.9, Math.Max(0.3, emptiest + 0.25));
        var config = new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["Agent"] = new JsonObject
            {
                ["StoreId"] = story.StoreId,
                ["DeviceId"] = "edge-01",
                ["StateDirectory"] = Path.Combine(dir, "state"),
                ["Model"] = new JsonObject { ["Path"] = model, ["IntraOpThreads"] = 1 },
                ["SnapshotIntervalSeconds"] = 5,
                ["Smoothing"] = new JsonObject
                {
                    ["Window"] = 5,
                    ["InertiaObservations"] = 3,
                    ["InertiaSeconds"] = Math.Max(1.5, _options.IntervalSeconds * 2),
                    ["OcclusionMaxObservations"] = 12,
                    ["OcclusionMaxSeconds"] = Math.Max(10, _options.IntervalSeconds * 12),
                },
                ["Reconciliation"] = new JsonObject
                {
                    ["GapThreshold"] = gap,
                    ["GapWarningThreshold"] = Math.Max(gap, 0.5),
                    ["CameraHealthInertiaSeconds"] = 5,
                },
                ["Http"] = new JsonObject { ["Enabled"] = false },
                ["Cameras"] = cameraList,
            },
            ["Messaging"] = new JsonObject
            {
                ["Broker"] = new JsonObject
                {
                    ["Host"] = "127.0.0.1",
                    ["Port"] = uplinkPort,
                    ["Password"] = password,
                    ["ReconnectDelayMin"] = "00:00:00.5",
                    ["ReconnectDelayMax"] = "00:00:05",
                },
                ["Heartbeat"] = new JsonObject { ["Interval"] = "00:00:10" },
            },
        };
        string path = Path.Combine(dir, "agent.json");
        WritePrivate(path, config.ToJsonString(Indented));
        return path;
    }

    /// <summary>Cuts and restores each store's uplink as its story says (a device losing its broker for a while).</summary>
    private async Task DriveUplinksAsync(List<StoreStory> stories, Dictionary<string, TcpRelay> relays, RunClock clock, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (StoreStory story in stories)
            {
                bool down = story.IsUplinkDown(clock.Seconds);
                TcpRelay relay = relays[story.StoreId];
                if (relay.Down != down)
                {
                    relay.Down = down;
                    Say($"{clock.Seconds,5:0}s  {story.StoreId}: device {(down ? "lost its broker (uplink cut)" : "has its broker back")}");
                }
            }
            await Delay(TimeSpan.FromMilliseconds(250), stop);
        }
    }

    private void WriteResults(string outDir, List<StoreStory> stories, List<TruthShortage> truth, AlertScore score, RunClock clock, double end)
    {
        var truthDoc = new
        {
            startedAt = clock.StartedAt,
            seconds = Math.Round(end, 1),
            daySeconds = _options.DaySeconds,
            shortages = truth.Select(t => new { storeId = t.StoreId, zoneId = t.ZoneId, cameraId = t.CameraId, startedAt = clock.At(t.Start), endedAt = t.End <= end ? clock.At(t.End) : (DateTimeOffset?)null }),
            sales = stories.SelectMany(s => s.Sales.Where(x => x.SaleStart < end).Select(x => new
            {
                storeId = s.StoreId,
                zoneId = StoreStory.ZoneId(x.Camera, s.Cameras[x.Camera].Bays[x.Bay].Id),
                products = x.Products,
                leftAfterSale = x.SellTo,
                saleFrom = clock.At(x.SaleStart),
                saleTo = clock.At(x.SaleEnd),
                restockedAt = clock.At(x.Restock),
            })),
            passersBy = stories.SelectMany(s => s.Occlusions.Where(o => o.When.Start < end).Select(o => new { storeId = s.StoreId, cameraId = StoreStory.CameraId(o.Camera), kind = o.Occluder.Kind.ToString(), centerX = Math.Round(o.Occluder.CenterX, 3), from = clock.At(o.When.Start), to = clock.At(o.When.End) })),
            camerasOffline = stories.SelectMany(s => s.CameraOffline.Where(o => o.When.Start < end).Select(o => new { storeId = s.StoreId, cameraId = StoreStory.CameraId(o.Camera), from = clock.At(o.When.Start), to = clock.At(o.When.End) })),
            uplinksDown = stories.SelectMany(s => s.UplinkDown.Where(w => w.Start < end).Select(w => new { storeId = s.StoreId, from = clock.At(w.Start), to = clock.At(w.End) })),
        };
        File.WriteAllText(Path.Combine(outDir, "truth.json"), JsonSerializer.Serialize(truthDoc, Indented));
        File.WriteAllText(Path.Combine(outDir, "score.json"), JsonSerializer.Serialize(score, CamelIndented));
    }

    private void PrintScore(AlertScore s, string outDir)
    {
        string Pct(double? v) => v is double x ? $"{x * 100:0}%" : "n/a";
        string Sec(double? v) => v is double x ? $"{x:0.0} s" : "n/a";
        _out.WriteLine($"score: {s.Alerts} alerts, {s.RightAlerts} on a true shortage (precision {Pct(s.Precision)}); "
            + $"{s.Reported} of {s.DueShortages} true shortages due reported (recall {Pct(s.Recall)}); "
            + $"delay from the truth p50 {Sec(s.DelayP50)}, p95 {Sec(s.DelayP95)}, max {Sec(s.DelayMax)}");
        foreach (string f in s.FalseAlerts.Take(5))
        {
            _out.WriteLine($"  not a true shortage: {f}");
        }
        foreach (string m in s.Missed.Take(5))
        {
            _out.WriteLine($"  missed: {m}");
        }
        _out.WriteLine($"truth and score: {Relative(Path.Combine(outDir, "truth.json"))}, {Relative(Path.Combine(outDir, "score.json"))}");
    }

    private async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure, string? log, CancellationToken cancel)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            cancel.ThrowIfCancellationRequested();
            if (watch.Elapsed > timeout)
            {
                string tail = log is null ? "" : ": " + string.Join(" | ", File.ReadLines(Path.Combine(_runDir, log)).TakeLast(3));
                throw new RunRefusedException(failure + tail + $" (logs in {Relative(_runDir)})");
            }
            await Delay(TimeSpan.FromMilliseconds(250), cancel);
        }
    }

    private static async Task Delay(TimeSpan span, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(span, cancel);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly JsonSerializerOptions CamelIndented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>A file only its owner may read (passwords, keys): made empty with mode 600 before the secret goes in.</summary>
    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(path, content);
    }

    private static string StoreId(int number) => $"s{number:D3}";

    private static string Relative(string path) => Path.GetRelativePath(Environment.CurrentDirectory, path);

    /// <summary>
    /// Seconds since this process started. tools/edgeinv execs this program, which keeps its process (and its start
    /// time): run that way it is the time since the command was typed, its installs and build included.
    /// </summary>
    private static double SinceLaunch() => (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds;

    private void Say(string line) => Console.Error.WriteLine($"edgeinv {_options.Name}: [{SinceLaunch(),5:0.0}s] {line}");
}
