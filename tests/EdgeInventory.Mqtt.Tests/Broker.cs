using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

internal static class Broker
{
    public static readonly Dictionary<string, string> Users = new()
    {
        ["s042"] = "s042-secret",
        ["s043"] = "s043-secret",
        ["cloud"] = "cloud-secret",
    };

    public static MosquittoBroker Start(BrokerTls? tls = null) => MosquittoBroker.Start(Users, tls: tls);

    public static MqttConnectionOptions Options(int port, string user, string? password = null, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId ?? $"{user}-{Guid.NewGuid():N}"[..23],
        Username = user,
        Password = password ?? Users[user],
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(800),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Reads connection events until one matches, failing after <see cref="Patience"/>.</summary>
    public static async Task<MqttConnectionEvent> NextEvent(MqttConnection client, Func<MqttConnectionEvent, bool> match)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            MqttConnectionEvent e = await client.ConnectionEvents.ReadAsync(timeout.Token);
            if (match(e))
            {
                return e;
            }
        }
    }

    public static async Task<MqttMessage> NextMessage(MqttConnection client)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await client.Messages.ReadAsync(timeout.Token);
    }
}
