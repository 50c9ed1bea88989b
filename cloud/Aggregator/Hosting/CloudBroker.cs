using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// The aggregator's one MQTT connection (agent/Mqtt's <see cref="MqttConnection"/>): a persistent session with manual
/// acknowledgement for ingest, and the publisher of operator alerts and commands to stores. It connects (and keeps
/// reconnecting) from construction; <c>/readyz</c> reports its state.
/// </summary>
public sealed class CloudBroker : IDisposable
{
    public CloudBroker(CloudOptions options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Connection = new MqttConnection(CloudOptionsValidator.ToClientOptions(options.Broker), logger);
    }

    public MqttConnection Connection { get; }

    public bool IsConnected => Connection.State == MqttConnectionState.Connected;

    public void Dispose() => Connection.Dispose();
}
