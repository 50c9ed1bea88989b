using EdgeInventory.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Messaging.Hosting;

/// <summary>
/// Keeps the retained status <c>online</c> on every connect; on stop, after the other messaging services have
/// stopped, publishes <c>offline</c>/<c>shutdown</c> (a clean DISCONNECT does not fire the last will).
/// </summary>
internal sealed class DevicePresenceService(MqttConnection client, DevicePresence presence, ILogger<DevicePresenceService> logger) : BackgroundService
{
    private static readonly TimeSpan ShutdownPublishTimeout = TimeSpan.FromSeconds(3);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => presence.MaintainAsync(client, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (client.State != MqttConnectionState.Connected)
        {
            MessagingLog.ShutdownStatusNotSent(logger, $"not connected ({client.LastError?.Message ?? "no error recorded"})");
            return;
        }
        try
        {
            await presence.PublishShutdownAsync(client, cancellationToken).WaitAsync(ShutdownPublishTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttException or TimeoutException or OperationCanceledException)
        {
            MessagingLog.ShutdownStatusNotSent(logger, e.Message);
        }
    }
}

/// <summary>Runs <see cref="OutboxRelay"/>; a failure of the relay (its database, say) stops the host, which a supervisor restarts.</summary>
internal sealed class OutboxRelayService(OutboxRelay relay) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => relay.RunAsync(stoppingToken);
}

/// <summary>Subscribes the store's command topics and runs <see cref="CommandIntake"/> (unless <c>Messaging:ReceiveCommands</c> is false).</summary>
internal sealed class CommandIntakeService(CommandIntake intake, IOptions<EdgeMessagingOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ReceiveCommands)
        {
            return;
        }
        // Kept by the client across reconnects; made on the first connect if not connected yet.
        await intake.SubscribeAsync(stoppingToken).ConfigureAwait(false);
        await intake.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}

/// <summary>Runs <see cref="HeartbeatPublisher"/> (unless <c>Messaging:Heartbeat:Enabled</c> is false).</summary>
internal sealed class HeartbeatService(HeartbeatPublisher heartbeat, IOptions<EdgeMessagingOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Heartbeat.Enabled ? heartbeat.RunAsync(stoppingToken) : Task.CompletedTask;
}
