using System.Reflection;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// MQTT delivery for the agent (when <c>Agent:Mqtt</c> is configured): the outbox relay publishes what
/// the agent enqueued; command intake feeds expected-stock updates and scanner counts from the cloud into
/// <see cref="AgentCore"/>; presence keeps the retained online/offline status (with the last will); a
/// heartbeat reports camera states and the outbox's size (QoS 0, not kept).
/// </summary>
public sealed partial class MessagingService(AgentCore core, AgentSettings settings, SqliteOutbox outbox, ILoggerFactory logs) : BackgroundService
{
    private readonly ILogger _log = logs.CreateLogger<MessagingService>();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    /// <summary>The connected client, for tests and diagnostics; null before start.</summary>
    public MosquittoClient? Client { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string agentVersion = typeof(MessagingService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
        var presence = new DevicePresence(settings.StoreId, settings.DeviceId, agentVersion, core.ModelVersion);
        MosquittoClientOptions options = settings.Mqtt!;
        options.Will = presence.Will();
        using var client = new MosquittoClient(options, logs.CreateLogger<MosquittoClient>());
        Client = client;
        var relay = new OutboxRelay(outbox, client, null, logs.CreateLogger<OutboxRelay>());
        var intake = new CommandIntake(client, settings.StoreId, logs.CreateLogger<CommandIntake>());
        Task[] tasks =
        [
            relay.RunAsync(stoppingToken),
            SubscribeAndReadAsync(client, intake, stoppingToken),
            presence.MaintainAsync(client, stoppingToken),
            PumpExpectedStockAsync(intake, stoppingToken),
            PumpScannerCountsAsync(intake, stoppingToken),
            HeartbeatAsync(client, stoppingToken),
        ];
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // A clean DISCONNECT does not fire the will: say "offline, shutdown" ourselves, briefly.
        if (client.State == MqttConnectionState.Connected)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await presence.PublishShutdownAsync(client, grace.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MosquittoException or OperationCanceledException)
            {
                LogShutdownStatusFailed(_log, e.Message);
            }
        }
    }

    private static async Task SubscribeAndReadAsync(MosquittoClient client, CommandIntake intake, CancellationToken cancellation)
    {
        await client.WaitConnectedAsync(cancellation).ConfigureAwait(false);
        // The client restores its subscriptions after a reconnect.
        await intake.SubscribeAsync(cancellation).ConfigureAwait(false);
        await intake.RunAsync(cancellation).ConfigureAwait(false);
    }

    private async Task PumpExpectedStockAsync(CommandIntake intake, CancellationToken cancellation)
    {
        await foreach (ExpectedStockUpdate update in intake.ExpectedStock.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            core.ApplyExpectedStock(update);
            LogExpectedStock(_log, update.Mode, update.Items.Count, update.EventId);
        }
    }

    private async Task PumpScannerCountsAsync(CommandIntake intake, CancellationToken cancellation)
    {
        await foreach (ScannerCount count in intake.ScannerCounts.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            (ScannerCountOutcome outcome, string detail) = core.AcceptScannerCount(count);
            core.Metrics?.ScannerCounts.Add(1, new KeyValuePair<string, object?>("result", outcome.ToString().ToLowerInvariant()));
            LogScannerCount(_log, count.EventId, count.LocationId, outcome, detail);
        }
    }

    private async Task HeartbeatAsync(MosquittoClient client, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(settings.Heartbeat);
        do
        {
            if (client.State != MqttConnectionState.Connected)
            {
                continue;
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            (long pending, DateTimeOffset? oldest) = outbox.Stats();
            var heartbeat = new Heartbeat
            {
                EventId = EventIds.NewId(),
                OccurredAt = now,
                StoreId = settings.StoreId,
                DeviceId = settings.DeviceId,
                ModelVersion = core.ModelVersion,
                UptimeSeconds = (long)(now - _started).TotalSeconds,
                Cameras = [.. core.Cameras.Select(c => new CameraHealth { CameraId = c.Id, State = c.Capture.State, FramesCaptured = c.Capture.FramesCaptured, FramesSkipped = c.Capture.FramesDropped })],
                OutboxPending = pending,
                OutboxOldestAgeSeconds = oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
                OpenDiscrepancies = core.OpenDiscrepancyTotal,
            };
            try
            {
                await client.PublishAsync(Topics.Heartbeat(settings.StoreId, settings.DeviceId), ContractParser.Serialize(heartbeat), qos: 0, retain: false, cancellation).ConfigureAwait(false);
            }
            catch (MosquittoException e)
            {
                // A missed heartbeat is simply missed (the contract says so); the next one follows.
                LogHeartbeatFailed(_log, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "expected stock from the cloud: {Mode} of {Items} items [event {EventId}]")]
    private static partial void LogExpectedStock(ILogger logger, ExpectedStockMode mode, int items, Guid eventId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "scanner count {EventId} for {LocationId} from the cloud: {Outcome} ({Detail})")]
    private static partial void LogScannerCount(ILogger logger, Guid eventId, string locationId, ScannerCountOutcome outcome, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "heartbeat not published: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "the offline/shutdown status could not be published: {Reason}")]
    private static partial void LogShutdownStatusFailed(ILogger logger, string reason);
}
