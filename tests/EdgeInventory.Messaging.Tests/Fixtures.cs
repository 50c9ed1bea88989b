using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;

namespace EdgeInventory.Messaging.Tests;

internal static class Fixtures
{
    public static readonly Dictionary<string, string> Users = new()
    {
        ["s042"] = "s042-secret",
        ["s043"] = "s043-secret",
        ["cloud"] = "cloud-secret",
    };

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static MosquittoBroker StartBroker() => MosquittoBroker.Start(Users);

    public static MqttConnectionOptions Client(int port, string user, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId ?? $"{user}-{Guid.NewGuid():N}"[..23],
        Username = user,
        Password = Users[user],
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>
    /// Starts tests/EdgeInventory.Messaging.TestHost (an agent stand-in) as a subprocess, to be killed with SIGKILL;
    /// each line it prints goes to <paramref name="onLine"/>.
    /// </summary>
    public static Process StartTestHost(string database, int port, string[] arguments, Action<string>? onLine = null)
    {
        // tests/EdgeInventory.Messaging.Tests/bin/<cfg>/net10.0 → tests/EdgeInventory.Messaging.TestHost/bin/<cfg>/net10.0
        string host = AppContext.BaseDirectory.Replace("EdgeInventory.Messaging.Tests", "EdgeInventory.Messaging.TestHost", StringComparison.Ordinal);
        string dll = Path.Combine(host, "EdgeInventory.Messaging.TestHost.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution");
        var psi = new ProcessStartInfo("dotnet", [dll, "--db", database, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", "s042", "--password", Users["s042"], .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                onLine?.Invoke(line);
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static string TempDatabase() => Path.Combine(Path.GetTempPath(), $"edgeinv-outbox-{Guid.NewGuid():N}.db");

    public static ZoneCountSnapshot Snapshot(string camera = "cam-1") => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = DateTimeOffset.UtcNow,
        StoreId = "s042",
        DeviceId = "edge-01",
        ModelVersion = "test-model 1",
        CameraId = camera,
        WindowStart = DateTimeOffset.UtcNow.AddMinutes(-1),
        WindowEnd = DateTimeOffset.UtcNow,
        Zones = [],
    };
}

/// <summary>
/// The cloud side of a test: a subscriber with a persistent session (MQTT 5, clean start off with a session
/// expiry, so the broker keeps its subscription and queued messages across broker restarts) that records every
/// copy of every discrepancy it receives.
/// </summary>
internal sealed class Collector : IDisposable
{
    private readonly MqttConnection client;
    private readonly CancellationTokenSource stop = new();
    private readonly Task reading;

    public Collector(int port)
    {
        MqttConnectionOptions options = Fixtures.Client(port, "cloud", clientId: "collector-" + Guid.NewGuid().ToString("N")[..8]);
        options.SessionExpiry = TimeSpan.FromHours(1);
        client = new MqttConnection(options);
        reading = Task.Run(ReadAsync);
    }

    /// <summary>Every copy received, in arrival order: (event id, zone, payload).</summary>
    public ConcurrentQueue<(Guid EventId, string Zone, string Payload)> Received { get; } = new();

    public ConcurrentDictionary<Guid, int> Copies { get; } = new();

    public async Task SubscribeAsync()
    {
        await client.WaitConnectedAsync().WaitAsync(Fixtures.Patience);
        await client.SubscribeAsync("edgeinv/+/+/discrepancy").WaitAsync(Fixtures.Patience);
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (MqttMessage m in client.Messages.ReadAllAsync(stop.Token))
            {
                ContractParseResult<DiscrepancyEvent> parsed = ContractParser.Parse<DiscrepancyEvent>(m.Payload);
                DiscrepancyEvent e = parsed.Message ?? throw new InvalidOperationException(parsed.Rejection!.ToString());
                Received.Enqueue((e.EventId, e.ZoneId!, System.Text.Encoding.UTF8.GetString(m.Payload)));
                Copies.AddOrUpdate(e.EventId, 1, (_, n) => n + 1);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task WaitForDistinctAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Copies.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Copies.Count} of {count} distinct events arrived within {timeout}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Duplicates must be byte-identical copies; each zone's events must first arrive in enqueue order.</summary>
    public void AssertDuplicatesIdenticalAndZonesInOrder()
    {
        var payloads = new Dictionary<Guid, string>();
        var lastPerZone = new Dictionary<string, Guid>();
        foreach ((Guid id, string zone, string payload) in Received)
        {
            if (payloads.TryGetValue(id, out string? first))
            {
                Assert.Equal(first, payload);
                continue;
            }
            payloads[id] = payload;
            if (lastPerZone.TryGetValue(zone, out Guid previous))
            {
                // Event ids are monotonic UUIDv7 in enqueue order.
                Assert.True(string.CompareOrdinal(previous.ToString(), id.ToString()) < 0, $"zone {zone}: {id} arrived after {previous}");
            }
            lastPerZone[zone] = id;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        client.Dispose();
        reading.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
