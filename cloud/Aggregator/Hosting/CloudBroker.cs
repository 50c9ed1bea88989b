using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// The aggregator's one MQTT connection (agent/Mqtt's <see cref="MqttConnection"/>): a persistent session with manual
/// acknowledgement for ingest, and the publisher of operator alerts and commands to stores. It connects (and keeps
/// reconnecting) from construction, with the ingest subscriptions registered at once, so that "connected" always means
/// "subscribed" (agent/Mqtt turns Connected only after making the subscriptions it knows); <c>/readyz</c> reports it.
/// </summary>
public sealed class CloudBroker : IDisposable
{
    private readonly Task[] _subscriptions;

    public CloudBroker(CloudOptions options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Connection = new MqttConnection(CloudOptionsValidator.ToClientOptions(options.Broker), logger);
        // Before the first CONNACK these only join the list made on every connect; after it, each waits for its SUBACK.
        _subscriptions = [.. Ingest.IngestWorker.Filters(options.Broker.SharedGroup).Select(f => Connection.SubscribeAsync(f, qos: 1))];
    }

    public MqttConnection Connection { get; }

    public bool IsConnected => Connection.State == MqttConnectionState.Connected && _subscriptions.All(t => t.IsCompletedSuccessfully);

    /// <summary>Completes once connected with every ingest subscription made.</summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken = default)
    {
        await Connection.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_subscriptions).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => Connection.Dispose();
}
