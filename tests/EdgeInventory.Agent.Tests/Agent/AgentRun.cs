// The strings are configuration keys of the JSON file, not references to this class's members.
#pragma warning disable CA1507
using System.Text.Json.Nodes;
using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>Skips a test when the default model is not in the repository (it is trained and committed separately).</summary>
public sealed class NeedsDefaultModelFactAttribute : FactAttribute
{
    public NeedsDefaultModelFactAttribute()
    {
        if (!File.Exists(AgentRun.DefaultModel))
        {
            Skip = $"the default model {AgentRun.DefaultModel} is missing (tools/edgeinv train writes it; it is committed with its model card)";
        }
    }
}

/// <summary>
/// Runs the real agent in the test process: a configuration file written to a temporary folder, the
/// host built by <see cref="AgentHost.Build"/> (real Kestrel on a free loopback port, real SQLite, real
/// ffmpeg, real ONNX Runtime), and a separate read-only SQLite connection to watch what it stored.
/// </summary>
internal sealed class AgentRun : IAsyncDisposable
{
    public static readonly string DefaultModel = Path.Combine(RepoPaths.Root, "models", "shelf-detector.onnx");
    public static readonly string FixtureModel = RepoPaths.OnnxFixture("yolov8_dynamic.onnx");

    public const string ScannerKey = "scanner-17-secret-key";

    private AgentRun(WebApplication app, string stateDirectory, int port)
    {
        App = app;
        StateDirectory = stateDirectory;
        Port = port;
    }

    public WebApplication App { get; }

    public string StateDirectory { get; }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public static string Sha256(string key) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// A configuration that loads but is never run: state in <paramref name="dir"/>/state, the fixture model, one camera on
    /// a placeholder video file in <paramref name="dir"/>, the given zones, no HTTP port of its own.
    /// </summary>
    public static JsonObject ConfigToLoad(TempFolder dir, params JsonNode[] zones)
    {
        string video = dir.File("shelf.avi");
        File.WriteAllBytes(video, [0]);
        return Config(dir.File("state"), FixtureModel, new Uri(video).AbsoluteUri, new JsonArray(zones), port: 0);
    }

    /// <summary>A configuration with one camera and the given zones, in the JSON shape the README documents.</summary>
    public static JsonObject Config(string stateDirectory, string model, string videoUri, JsonArray zones, int port, double intervalSeconds = 0.5) => new()
    {
        ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        ["Agent"] = new JsonObject
        {
            ["StoreId"] = "s042",
            ["DeviceId"] = "edge-test",
            ["StateDirectory"] = stateDirectory,
            ["Model"] = new JsonObject { ["Path"] = model, ["IntraOpThreads"] = 2 },
            ["SnapshotIntervalSeconds"] = 1,
            ["Smoothing"] = new JsonObject
            {
                ["Window"] = 5,
                ["InertiaObservations"] = 3,
                ["InertiaSeconds"] = 1.5,
                ["OcclusionMaxObservations"] = 12,
                ["OcclusionMaxSeconds"] = 10,
            },
            ["Http"] = new JsonObject
            {
                ["Address"] = "127.0.0.1",
                ["Port"] = port,
                ["ApiKeys"] = new JsonArray(new JsonObject { ["DeviceId"] = "scanner-17", ["KeySha256"] = Sha256(ScannerKey) }),
            },
            ["Cameras"] = new JsonArray(new JsonObject
            {
                ["Id"] = "cam-shelf",
                ["Url"] = videoUri,
                ["IntervalSeconds"] = intervalSeconds,
                ["Loop"] = true,
                ["StallTimeoutSeconds"] = 5,
                ["InitialBackoffSeconds"] = 0.2,
                ["Zones"] = zones,
            }),
        },
    };

    public static JsonObject Zone(string id, double x1, double y1, double x2, double y2, int plannedFacings, int minFacings) => new()
    {
        ["Id"] = id,
        ["LocationId"] = "s042/A1/B1/" + id,
        ["Sku"] = "sku-" + id,
        ["Polygon"] = new JsonArray(new JsonArray(x1, y1), new JsonArray(x2, y1), new JsonArray(x2, y2), new JsonArray(x1, y2)),
        ["PlannedFacings"] = plannedFacings,
        ["MinFacings"] = minFacings,
    };

    public static async Task<AgentRun> StartAsync(TempFolder dir, JsonObject config, string name = "agent.json")
    {
        string path = dir.File(name);
        await File.WriteAllTextAsync(path, config.ToJsonString());
        WebApplication app = AgentHost.Build(["--config", path]);
        await app.StartAsync();
        return new AgentRun(app, config["Agent"]!["StateDirectory"]!.GetValue<string>(), config["Agent"]!["Http"]!["Port"]!.GetValue<int>());
    }

    /// <summary>The discrepancy events the agent stored, oldest first, read over a separate connection.</summary>
    public static List<DiscrepancyEvent> Discrepancies(string stateDirectory) =>
        ReadLog(stateDirectory, DiscrepancyEvent.SchemaId).Select(p => ContractParser.Parse<DiscrepancyEvent>(p).Message!).ToList();

    public static List<ZoneCountSnapshot> Snapshots(string stateDirectory) =>
        ReadLog(stateDirectory, ZoneCountSnapshot.SchemaId).Select(p => ContractParser.Parse<ZoneCountSnapshot>(p).Message!).ToList();

    public static List<byte[]> ReadLog(string stateDirectory, string schema)
    {
        string db = Path.Combine(stateDirectory, "agent.db");
        var rows = new List<byte[]>();
        if (!File.Exists(db))
        {
            return rows;
        }

        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT payload FROM event_log WHERE schema = $s ORDER BY seq";
        cmd.Parameters.AddWithValue("$s", schema);
        try
        {
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                rows.Add((byte[])r[0]);
            }
        }
        catch (SqliteException)
        {
            // The table is created at start; before that there is nothing to read.
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
