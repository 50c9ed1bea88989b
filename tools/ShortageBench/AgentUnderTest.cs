using System.Globalization;
using System.Text.Json;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.ShortageBench;

/// <summary>
/// The agent's own pipeline for one harness camera: an agent configuration file written for the camera's
/// zones (defaults for everything else, overridden by <c>--set</c>), loaded and checked by the agent's
/// configuration code, an <see cref="AgentCore"/> over a real SQLite state folder, frames handed to it as the
/// detection loop does. The events it records are collected from its event sink.
/// </summary>
internal sealed class AgentUnderTest : IDisposable
{
    private readonly CollectingSink _sink = new();
    private readonly AgentStore _store;
    private readonly AgentCore _core;
    private readonly string _folder;
    private long _sequence;

    public AgentUnderTest(HarnessCamera camera, string modelPath, string modelVersion, IReadOnlyDictionary<int, string> classNames, double intervalSeconds, IReadOnlyDictionary<string, string> overrides)
    {
        _folder = Path.Combine(Path.GetTempPath(), "edgeinv-bench-shortage", camera.Id + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_folder);
        string configFile = Path.Combine(_folder, "agent.json");
        File.WriteAllText(configFile, ConfigurationJson(camera, modelPath, intervalSeconds, Path.Combine(_folder, "state")));
        var builder = new ConfigurationBuilder().AddAgentSources(configFile);
        builder.AddInMemoryCollection(overrides.Select(static kv => new KeyValuePair<string, string?>("Agent:" + kv.Key, kv.Value)));
        Settings = AgentConfiguration.Load(builder.Build(), _folder);
        Directory.CreateDirectory(Settings.StateDirectory);
        _store = new AgentStore(Settings.DatabasePath, _sink);
        CameraSettings cam = Settings.Cameras[0];
        var capture = new CameraCapture(cam.Id, cam.Source, cam.Capture, NullLogger.Instance);
        _core = new AgentCore(Settings, _store, modelVersion, classNames, [capture], NullLogger<AgentCore>.Instance);
    }

    public AgentSettings Settings { get; }

    public CameraRuntime Camera => _core.Cameras[0];

    /// <summary>Hands one frame and its detections to the agent; returns the discrepancy events it recorded.</summary>
    public IReadOnlyList<DiscrepancyEvent> Process(BgrImage frame, DateTimeOffset at, List<Detection> detections)
    {
        _sink.Events.Clear();
        _core.ProcessFrame(Camera, new CapturedFrame(frame, at, _sequence++), detections);
        return [.. _sink.Events];
    }

    public void Dispose()
    {
        _core.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static string ConfigurationJson(HarnessCamera camera, string modelPath, double intervalSeconds, string stateDirectory)
    {
        var zones = camera.Zones.Select((bay, z) => new Dictionary<string, object>
        {
            ["Id"] = bay.Id,
            ["LocationId"] = $"bench/{camera.Id}/{bay.Id}",
            ["Sku"] = $"sku-{camera.Id}-{bay.Id}",
            ["Polygon"] = new[] { new[] { bay.X1, bay.Y1 }, [bay.X2, bay.Y1], [bay.X2, bay.Y2], [bay.X1, bay.Y2] },
            ["PlannedFacings"] = bay.PlannedFacings,
            ["MinFacings"] = camera.MinFacings[z],
        }).ToList();
        var config = new Dictionary<string, object>
        {
            ["Agent"] = new Dictionary<string, object>
            {
                ["StoreId"] = "bench",
                ["DeviceId"] = "bench-edge",
                ["StateDirectory"] = stateDirectory,
                ["Model"] = new Dictionary<string, object> { ["Path"] = modelPath },
                ["Http"] = new Dictionary<string, object> { ["Enabled"] = false },
                ["Cameras"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["Id"] = camera.Id.Replace('_', '-'),
                        // Never started: frames come from the harness.
                        ["Url"] = "rtsp://127.0.0.1:9/harness",
                        ["IntervalSeconds"] = intervalSeconds.ToString(CultureInfo.InvariantCulture),
                        ["Zones"] = zones,
                    },
                },
            },
        };
        return JsonSerializer.Serialize(config);
    }

    /// <summary>Keeps the discrepancy events the agent records (in the transaction of their state change).</summary>
    private sealed class CollectingSink : IEventSink
    {
        public List<DiscrepancyEvent> Events { get; } = [];

        public void Initialize(SqliteConnection connection)
        {
        }

        public void Enqueue(SqliteTransaction transaction, ContractMessage message)
        {
            if (message is DiscrepancyEvent e)
            {
                Events.Add(e);
            }
        }

        public void Committed()
        {
        }
    }
}
