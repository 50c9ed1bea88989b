using System.Globalization;
using System.Text.Json;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Reconciliation;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.ShortageBench;

/// <summary>
/// The agent's own judgement for one harness camera: an agent configuration file written for the camera's zones
/// (defaults for everything else, overridden by <c>--set</c>), loaded and checked by the agent's configuration
/// code, and the agent's <see cref="ZonePipeline"/> (count → smooth → reconcile) built from it as the agent builds
/// it, one frame per sampling interval. No planogram file: the zones' planned facings are the expected stock.
/// </summary>
internal sealed class AgentUnderTest : IDisposable
{
    private readonly string _folder;
    private readonly ZoneFrameResult _result = new();

    public AgentUnderTest(HarnessCamera camera, string modelPath, string modelVersion, IReadOnlyDictionary<int, string> classNames, double intervalSeconds, IReadOnlyDictionary<string, string> overrides)
    {
        _folder = Path.Combine(Path.GetTempPath(), "edgeinv-bench-shortage", camera.Id + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_folder);
        string configFile = Path.Combine(_folder, "agent.json");
        File.WriteAllText(configFile, ConfigurationJson(camera, modelPath, intervalSeconds, Path.Combine(_folder, "state")));
        var builder = new ConfigurationBuilder().AddAgentSources(configFile);
        builder.AddInMemoryCollection(overrides.Select(static kv => new KeyValuePair<string, string?>("Agent:" + kv.Key, kv.Value)));
        Settings = AgentConfiguration.Load(builder.Build(), _folder);
        CameraSettings cam = Settings.Cameras[0];
        var reconciler = new StockReconciler(Settings.Reconciler, Settings.StoreId, Settings.DeviceId);
        Pipeline = new ZonePipeline(cam.Id, cam.Zones, Settings.CountingFor(classNames), Settings.Smoothing, reconciler, modelVersion);
    }

    public AgentSettings Settings { get; }

    public ZonePipeline Pipeline { get; }

    /// <summary>The zone observations of the latest frame, before smoothing.</summary>
    public ZoneObservation[] Observations { get; private set; } = [];

    /// <summary>Hands one frame's detections to the pipeline; returns the discrepancy events it raised.</summary>
    public IReadOnlyList<DiscrepancyEvent> Process(IReadOnlyList<Detection> detections, BgrImage frame, DateTimeOffset at)
    {
        Pipeline.Process(detections, frame.Width, frame.Height, at, references: null, _result, frame);
        Observations = Pipeline.Observations.ToArray();
        return [.. _result.Events.Select(static e => e.Event)];
    }

    public void Dispose()
    {
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
}
