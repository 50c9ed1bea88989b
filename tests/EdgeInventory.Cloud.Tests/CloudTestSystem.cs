using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Cloud.Tests;

/// <summary>
/// A real mosquitto with the deployment ACL (users cloud, operators, s001, s002) and one or more aggregators in this
/// process on free loopback ports, over SQLite in a temp folder or a fresh database of a real PostgreSQL. Keys:
/// <see cref="HeadOfficeKey"/> (every store), <see cref="OperatorKey"/> (operator of s001 only), <see cref="AdminKey"/>.
/// </summary>
public sealed class CloudTestSystem : IAsyncDisposable
{
    public const string HeadOfficeKey = "ho-key-0123456789";
    public const string OperatorKey = "op-s001-key-0123456789";
    public const string AdminKey = "admin-key-0123456789";

    public static readonly Dictionary<string, string> Users = new()
    {
        ["cloud"] = "cloud-pass",
        ["operators"] = "operators-pass",
        ["s001"] = "s001-pass",
        ["s002"] = "s002-pass",
    };

    private readonly List<WebApplication> _apps = [];
    private readonly List<MqttConnection> _clients = [];
    private readonly string? _postgres;

    private CloudTestSystem(MosquittoBroker broker, string folder, string? postgres)
    {
        Broker = broker;
        Folder = folder;
        _postgres = postgres;
    }

    public MosquittoBroker Broker { get; }

    public string Folder { get; }

    public WebApplication App => _apps[0];

    /// <summary>Starts the broker and one aggregator. <paramref name="postgresServerConnectionString"/> null: SQLite.</summary>
    public static async Task<CloudTestSystem> StartAsync(string? postgresServerConnectionString = null, IDictionary<string, string?>? extra = null, bool startAggregator = true)
    {
        MosquittoBroker broker = MosquittoBroker.Start(Users);
        string folder = Directory.CreateTempSubdirectory("edgeinv-cloud-test-").FullName;
        string? database = null;
        if (postgresServerConnectionString is not null)
        {
            string name = "t_" + Guid.NewGuid().ToString("N")[..16];
            await using var admin = new Npgsql.NpgsqlConnection(postgresServerConnectionString);
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
            database = new Npgsql.NpgsqlConnectionStringBuilder(postgresServerConnectionString) { Database = name, Pooling = true }.ToString();
        }
        var system = new CloudTestSystem(broker, folder, database);
        if (startAggregator)
        {
            await system.StartAggregatorAsync(extra);
        }
        return system;
    }

    /// <summary>Another aggregator on the same broker and database (a replica), with its own client id and state folder.</summary>
    public async Task<WebApplication> StartAggregatorAsync(IDictionary<string, string?>? extra = null)
    {
        int n = _apps.Count;
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:StateDirectory"] = Folder,
            ["Cloud:Broker:Host"] = "127.0.0.1",
            ["Cloud:Broker:Port"] = Broker.Port.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Broker:Password"] = Users["cloud"],
            ["Cloud:Broker:ClientId"] = $"cloud-test-{n}-{Guid.NewGuid():N}"[..40],
            ["Cloud:Broker:ReconnectDelayMin"] = "00:00:00.200",
            ["Cloud:Broker:ReconnectDelayMax"] = "00:00:01",
            ["Cloud:Http:Port"] = "0",
            ["Cloud:ApiKeys:0:Name"] = "head-office",
            ["Cloud:ApiKeys:0:Role"] = "headoffice",
            ["Cloud:ApiKeys:0:KeySha256"] = Sha(HeadOfficeKey),
            ["Cloud:ApiKeys:1:Name"] = "operator-s001",
            ["Cloud:ApiKeys:1:Role"] = "operator",
            ["Cloud:ApiKeys:1:Stores:0"] = "s001",
            ["Cloud:ApiKeys:1:KeySha256"] = Sha(OperatorKey),
            ["Cloud:ApiKeys:2:Name"] = "admin",
            ["Cloud:ApiKeys:2:Role"] = "admin",
            ["Cloud:ApiKeys:2:KeySha256"] = Sha(AdminKey),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (_postgres is not null)
        {
            settings["Cloud:Database:Provider"] = "Postgres";
            settings["Cloud:Database:ConnectionString"] = _postgres;
        }
        foreach ((string key, string? value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        WebApplication app = await CloudHost.BuildAsync(null, c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        _apps.Add(app);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ((CloudBroker)app.Services.GetService(typeof(CloudBroker))!).WaitReadyAsync(cts.Token);
        return app;
    }

    public async Task StopAggregatorAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
        _apps.Remove(app);
    }

    public static string Sha(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public HttpClient Http(string? key, WebApplication? app = null)
    {
        var client = new HttpClient { BaseAddress = CloudHost.Address(app ?? App), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    /// <summary>A connected MQTT client with a broker user's credentials.</summary>
    public async Task<MqttConnection> ClientAsync(string user, bool manualAck = false)
    {
        var client = new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1",
            Port = Broker.Port,
            ClientId = $"{user}-{Guid.NewGuid():N}"[..30],
            Username = user,
            Password = Users[user],
            ManualAcknowledgement = manualAck,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
        });
        _clients.Add(client);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.WaitConnectedAsync(cts.Token);
        return client;
    }

    /// <summary>Publishes a contract message on the topic its kind belongs on, as the message's store.</summary>
    public static Task<MqttPublishAck> PublishAsync(MqttConnection client, string topic, byte[] payload, bool retain = false) =>
        client.PublishAsync(topic, payload, qos: 1, retain: retain);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        DateTime end = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < end)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return await condition();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (MqttConnection c in _clients)
        {
            c.Dispose();
        }
        foreach (WebApplication app in _apps.ToList())
        {
            await StopAggregatorAsync(app);
        }
        Broker.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---- messages ----

    public static DiscrepancyEvent Discrepancy(string store, DiscrepancyPhase phase, Guid discrepancyId, string location = "A1/B1/S1", string sku = "7310865004703",
        DiscrepancyKind kind = DiscrepancyKind.OutOfStock, Severity severity = Severity.Warning, string camera = "cam-1", string device = "edge-01",
        DateTimeOffset? at = null, EvidenceRef? evidence = null)
    {
        DateTimeOffset when = (at ?? DateTimeOffset.UtcNow).ToUniversalTime();
        bool health = kind is DiscrepancyKind.CameraOffline or DiscrepancyKind.CameraStalled or DiscrepancyKind.ViewChanged;
        return new DiscrepancyEvent
        {
            EventId = EventIds.NewId(),
            OccurredAt = when,
            StoreId = store,
            DeviceId = device,
            ModelVersion = "shelf-test 1",
            DiscrepancyId = discrepancyId,
            Phase = phase,
            Kind = kind,
            Severity = severity,
            CameraId = camera,
            ZoneId = health ? null : "z-" + location.Replace('/', '-'),
            LocationId = health ? null : $"{store}/{location}",
            Sku = health ? null : sku,
            ObservedUnits = health ? null : 0,
            ExpectedUnits = health ? null : 12,
            StartedAt = when - TimeSpan.FromSeconds(20),
            EndedAt = phase == DiscrepancyPhase.End ? when : null,
            Evidence = evidence,
            Detail = "test",
        };
    }

    public static string Topic(DiscrepancyEvent e) => Topics.Discrepancy(e.StoreId, e.DeviceId);
}
