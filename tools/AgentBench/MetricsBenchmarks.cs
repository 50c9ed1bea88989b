using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Evidence;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Counting;
using EdgeInventory.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.AgentBench;

/// <summary>
/// The agent's metrics (prometheus-net): what the detector loop records per frame (must allocate nothing), and one
/// <c>/metrics</c> scrape of an agent with 16 cameras of 6 zones, every zone confirmed (the observed counters and
/// gauges read from the zone state and the cameras' status, then the agent's registry and the default one written as text).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class AgentMetricsBenchmarks
{
    private const int Cameras = 16, ZonesPerCamera = 6;

    private readonly MemoryStream _scrape = new();
    private string _folder = "";
    private AgentStore _store = null!;
    private ZoneStateKeeper _zones = null!;
    private EvidenceWriter _evidence = null!;
    private AgentMetrics _metrics = null!;
    private CameraRuntime _camera = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "edgeinv-bench-metrics-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        AgentSettings settings = Settings(_folder);
        _store = new AgentStore(settings.DatabasePath, new LocalEventLog(NullLogger<LocalEventLog>.Instance, settings.StoreId, settings.DeviceId));
        var captures = settings.Cameras.Select(c => new CameraCapture(c.Id, c.Source, c.Capture, NullLogger.Instance)).ToList();
        var expected = new ExpectedStockKeeper(settings, _store, TimeProvider.System, NullLogger<ExpectedStockKeeper>.Instance);
        _evidence = new EvidenceWriter(settings.EvidenceFolder, settings.Evidence, settings.SendEvidence, TimeProvider.System, NullLogger<EvidenceWriter>.Instance);
        _zones = new ZoneStateKeeper(settings, _store, "bench 1", new Dictionary<int, string> { [0] = "object" }, captures, expected, new LatestScannerCounts([]), _evidence, NullLogger<ZoneStateKeeper>.Instance);
        foreach (CameraRuntime camera in _zones.Cameras)
        {
            for (int z = 0; z < camera.Zones.Count; z++)
            {
                camera.Pipeline.Restore(camera.Zones[z].Id, new ConfirmedZoneState(20 + z, 0, 0.125, DateTimeOffset.UtcNow), camera.Zones[z].Depth);
            }
        }

        _metrics = new AgentMetrics(_zones, new CameraStatusBoard(_zones.Cameras));
        _zones.Metrics = _metrics;
        _camera = _zones.Cameras[^1];
        string text = Scrape();
        if (!text.Contains($"edgeinv_zone_units{{camera=\"cam{Cameras - 1}\",zone=\"c{Cameras - 1}z{ZonesPerCamera - 1}\"}} 25", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the scrape lacks the last zone's gauges:\n" + text);
        }

        Console.WriteLine($"// one scrape of {Cameras} cameras x {ZonesPerCamera} zones: {_scrape.Length} bytes, {text.Split('\n').Count(static l => l.Length > 0 && l[0] != '#')} samples");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _evidence.Dispose();
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The detector loop's part: one run's duration and one frame counted (cached label child).</summary>
    [Benchmark]
    public void RecordOneFrame()
    {
        _metrics.InferenceRan(0.1);
        _metrics.FrameProcessed(_camera);
    }

    [Benchmark]
    public long ScrapeSixteenCameras()
    {
        _scrape.Position = 0;
        _metrics.WriteAsync(_scrape, CancellationToken.None).GetAwaiter().GetResult();
        return _scrape.Position;
    }

    /// <summary>This agent's registry alone: the observed values read from the zone state and the cameras' status, then the text.</summary>
    [Benchmark]
    public long ScrapeAgentRegistry()
    {
        _scrape.Position = 0;
        _metrics.Registry.CollectAndExportAsTextAsync(_scrape, CancellationToken.None).GetAwaiter().GetResult();
        return _scrape.Position;
    }

    /// <summary>prometheus-net's default registry alone (agent/Messaging's counters, the process and .NET runtime metrics).</summary>
    [Benchmark]
    public long ScrapeDefaultRegistry()
    {
        _scrape.Position = 0;
        Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(_scrape, CancellationToken.None).GetAwaiter().GetResult();
        return _scrape.Position;
    }

    /// <summary>
    /// CPU time of one whole scrape (the process's user + system time over <paramref name="scrapes"/> scrapes, so
    /// other processes on a busy device do not count as they do in wall time), in microseconds.
    /// </summary>
    public static double CpuMicrosecondsPerScrape(int scrapes)
    {
        var bench = new AgentMetricsBenchmarks();
        bench.Setup();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                bench.ScrapeSixteenCameras();
            }

            using var self = System.Diagnostics.Process.GetCurrentProcess();
            TimeSpan before = self.TotalProcessorTime;
            for (int i = 0; i < scrapes; i++)
            {
                bench.ScrapeSixteenCameras();
            }

            self.Refresh();
            return (self.TotalProcessorTime - before).TotalMicroseconds / scrapes;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private string Scrape()
    {
        ScrapeSixteenCameras();
        return System.Text.Encoding.UTF8.GetString(_scrape.GetBuffer(), 0, (int)_scrape.Position);
    }

    /// <summary>The agent's own configuration shape and loader; the model and the videos only need to exist (nothing runs them).</summary>
    private static AgentSettings Settings(string folder)
    {
        string video = Path.Combine(folder, "shelf.avi");
        File.WriteAllBytes(video, [0]);
        var cameras = new JsonArray();
        for (int c = 0; c < Cameras; c++)
        {
            var zones = new JsonArray();
            for (int z = 0; z < ZonesPerCamera; z++)
            {
                double top = z / (double)ZonesPerCamera, bottom = (z + 1) / (double)ZonesPerCamera;
                zones.Add(new JsonObject
                {
                    ["Id"] = $"c{c}z{z}",
                    ["LocationId"] = $"s042/A{c}/B1/S{z}",
                    ["Sku"] = $"sku-{c}-{z}",
                    ["Polygon"] = new JsonArray(new JsonArray(0, top), new JsonArray(1, top), new JsonArray(1, bottom), new JsonArray(0, bottom)),
                    ["PlannedFacings"] = 33,
                });
            }

            cameras.Add(new JsonObject { ["Id"] = $"cam{c}", ["Url"] = new Uri(video).AbsoluteUri, ["Zones"] = zones });
        }

        var config = new JsonObject
        {
            ["Agent"] = new JsonObject
            {
                ["StoreId"] = "s042",
                ["DeviceId"] = "edge-bench",
                ["StateDirectory"] = Path.Combine(folder, "state"),
                ["Model"] = new JsonObject { ["Path"] = Path.Combine(Bench.RepoRoot(), "tests", "fixtures", "onnx", "yolov8_dynamic.onnx") },
                ["Cameras"] = cameras,
            },
        };
        string path = Path.Combine(folder, "agent.json");
        File.WriteAllText(path, config.ToJsonString());
        Directory.CreateDirectory(Path.Combine(folder, "state"));
        return AgentConfiguration.Load(new ConfigurationBuilder().AddJsonFile(path).Build(), folder);
    }
}
