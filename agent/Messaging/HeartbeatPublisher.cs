using System.Diagnostics;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace EdgeInventory.Messaging;

/// <summary>What a heartbeat reports about the device beyond the outbox: its model, cameras and open discrepancies.</summary>
public sealed record DeviceHealth(string ModelVersion, IReadOnlyList<CameraHealth> Cameras, int OpenDiscrepancies);

/// <summary>
/// The agent's side of heartbeats and device status: it knows the model it loaded, its cameras and its open
/// discrepancies. Called on the heartbeat's timer, so it must be cheap and thread-safe.
/// </summary>
public interface IDeviceHealthSource
{
    DeviceHealth Current();
}

/// <summary>
/// Publishes a <see cref="Heartbeat"/> on <c>edgeinv/&lt;store&gt;/&lt;device&gt;/heartbeat</c> with QoS 0 every
/// interval. While disconnected a heartbeat is skipped, not queued: a stale heartbeat says nothing true, and the
/// retained status topic already tells the cloud the device is away.
/// </summary>
public sealed partial class HeartbeatPublisher
{
    private static readonly Counter SentCounter = Metrics.CreateCounter("edgeinv_heartbeats_sent_total", "heartbeats published");
    private static readonly Counter SkippedCounter = Metrics.CreateCounter("edgeinv_heartbeats_skipped_total", "heartbeats not sent because the broker was unreachable");

    private readonly MqttConnection client;
    private readonly SqliteOutbox outbox;
    private readonly IDeviceHealthSource health;
    private readonly string storeId;
    private readonly string deviceId;
    private readonly TimeSpan interval;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly DateTimeOffset processStartedAt = ProcessStart();
    private long sent;
    private long skipped;

    public HeartbeatPublisher(MqttConnection client, SqliteOutbox outbox, IDeviceHealthSource health, string storeId, string deviceId, TimeSpan interval, ILogger<HeartbeatPublisher>? logger = null, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        this.health = health ?? throw new ArgumentNullException(nameof(health));
        this.storeId = Identifiers.Require(storeId, "store id");
        this.deviceId = Identifiers.Require(deviceId, "device id");
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromSeconds(1));
        this.interval = interval;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        Topic = Topics.Heartbeat(storeId, deviceId);
    }

    public string Topic { get; }

    public long Sent => Interlocked.Read(ref sent);

    public long Skipped => Interlocked.Read(ref skipped);

    /// <summary>Sends one heartbeat as soon as the client is connected, then one per interval, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await client.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            await PublishOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Builds and sends one heartbeat; returns false when it was skipped (disconnected or refused).</summary>
    public async Task<bool> PublishOnceAsync(CancellationToken cancellationToken = default)
    {
        if (client.State != MqttConnectionState.Connected)
        {
            return Skip("not connected");
        }
        byte[] payload;
        try
        {
            payload = ContractParser.Serialize(Build());
        }
        catch (ArgumentException e)
        {
            // An invalid report from the health source (a bad camera id, say) is a bug to see, not a reason to stop.
            LogInvalid(logger, e.Message);
            return Skip("invalid report");
        }
        try
        {
            await client.PublishAsync(Topic, payload, qos: 0, retain: false, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttException e)
        {
            return Skip(e.Message);
        }
        Interlocked.Increment(ref sent);
        SentCounter.Inc();
        return true;
    }

    private Heartbeat Build()
    {
        DeviceHealth device = health.Current();
        (long pending, DateTimeOffset? oldest) = outbox.Stats();
        DateTimeOffset now = clock.GetUtcNow();
        return new Heartbeat
        {
            EventId = EventIds.NewId(),
            OccurredAt = now,
            StoreId = storeId,
            DeviceId = deviceId,
            ModelVersion = device.ModelVersion,
            UptimeSeconds = Math.Max(0, (long)(now - processStartedAt).TotalSeconds),
            Cameras = device.Cameras,
            OutboxPending = pending,
            OutboxOldestAgeSeconds = oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
            OpenDiscrepancies = device.OpenDiscrepancies,
        };
    }

    private static DateTimeOffset ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    private bool Skip(string reason)
    {
        Interlocked.Increment(ref skipped);
        SkippedCounter.Inc();
        LogSkipped(logger, reason);
        return false;
    }

    [LoggerMessage(EventId = 5231, Level = LogLevel.Debug, Message = "heartbeat skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 5232, Level = LogLevel.Error, Message = "heartbeat not sent, the device health report is invalid: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string reason);
}
