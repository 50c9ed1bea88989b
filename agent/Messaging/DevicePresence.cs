using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Messaging;

/// <summary>
/// A device's availability on its retained status topic: the <c>offline</c> last will is set before
/// connecting, <c>online</c> is published (retained) on every connect, and <c>offline</c> with reason
/// <c>shutdown</c> before a clean stop (a clean DISCONNECT does not fire the will). Each status is dated by the clock
/// given (the agent's one <see cref="TimeProvider"/>).
/// </summary>
public sealed class DevicePresence(string storeId, string deviceId, string agentVersion, string? modelVersion, TimeProvider? clock = null)
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public string Topic { get; } = Topics.DeviceStatus(storeId, deviceId);

    public MqttWill Will() => new(Topic, Status(DeviceState.Offline, "connection lost"), Qos: 1, Retain: true);

    public Task<MqttPublishAck> PublishOnlineAsync(MqttConnection client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PublishAsync(Topic, Status(DeviceState.Online, "connected"), qos: 1, retain: true, cancellationToken);
    }

    public Task<MqttPublishAck> PublishShutdownAsync(MqttConnection client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PublishAsync(Topic, Status(DeviceState.Offline, "shutdown"), qos: 1, retain: true, cancellationToken);
    }

    /// <summary>Publishes <c>online</c> each time the client (re)connects, until cancelled.</summary>
    public async Task MaintainAsync(MqttConnection client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        while (!cancellationToken.IsCancellationRequested)
        {
            await client.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await PublishOnlineAsync(client, cancellationToken).ConfigureAwait(false);
            }
            catch (MqttException)
            {
                // Lost again before the PUBACK: the next connect publishes it.
            }
            while (client.State == MqttConnectionState.Connected)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private byte[] Status(DeviceState state, string reason) => ContractParser.Serialize(new DeviceStatus
    {
        EventId = EventIds.NewId(),
        OccurredAt = this.clock.GetUtcNow(),
        StoreId = storeId,
        DeviceId = deviceId,
        ModelVersion = modelVersion,
        State = state,
        Reason = reason,
        AgentVersion = agentVersion,
    });
}
