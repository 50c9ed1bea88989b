using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Alerts;

/// <summary>
/// Sends what <see cref="AlertLifecycle"/> queued in <c>alert_deliveries</c>, after the commit and off the ingest path:
/// MQTT (QoS 1 on <c>edgeinv/alerts/&lt;store&gt;</c>, done at the PUBACK) and webhooks (a POST signed with
/// HMAC-SHA256, done at a 2xx). One loop per channel, so a slow webhook never holds back the MQTT alerts. A failure is
/// retried with exponential backoff and jitter up to <c>Cloud:Alerts:MaxDeliveryAttempts</c>, then kept as failed.
/// One alert's deliveries to one target go in order: a row waits while an older one for the same alert and target is
/// pending (a retried "opened" is never overtaken by its "resolved"). Rows are claimed with a lease, so replicas sharing a PostgreSQL database do not send the same row twice (a replica
/// killed mid-send leaves its lease to expire and the row is sent again: at least once).
/// </summary>
public sealed partial class AlertDeliveryWorker : BackgroundService
{
    public const string SignatureHeader = "X-EdgeInv-Signature";
    public const string TimestampHeader = "X-EdgeInv-Timestamp";
    public const string DeliveryHeader = "X-EdgeInv-Delivery";

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private readonly CloudDatabase _database;
    private readonly CloudBroker _broker;
    private readonly CloudOptions _options;
    private readonly CloudMetrics _metrics;
    private readonly ChangeSignal _changes;
    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _clock;
    private readonly ILogger<AlertDeliveryWorker> _log;
    private readonly string _owner = Guid.NewGuid().ToString("N");

    public AlertDeliveryWorker(CloudDatabase database, CloudBroker broker, CloudOptions options, CloudMetrics metrics, ChangeSignal changes,
        IHttpClientFactory http, TimeProvider clock, ILogger<AlertDeliveryWorker> log)
    {
        _database = database;
        _broker = broker;
        _options = options;
        _metrics = metrics;
        _changes = changes;
        _http = http;
        _clock = clock;
        _log = log;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Task.Run(() => RunChannelAsync("mqtt", stoppingToken), stoppingToken), Task.Run(() => RunChannelAsync("webhook", stoppingToken), stoppingToken));

    private sealed record Delivery(long Id, string AlertId, string Target, byte[] Payload, int Attempts, long CreatedAt);

    private async Task RunChannelAsync(string channel, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                List<Delivery> due = await ClaimAsync(channel, stoppingToken).ConfigureAwait(false);
                if (due.Count == 0)
                {
                    await _changes.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                    continue;
                }
                // MQTT publishes go out together (the connection bounds what is in flight); webhooks one at a time, so a
                // slow receiver is not hit by a burst. The outcomes are recorded in one transaction.
                var errors = new string?[due.Count];
                if (channel == "mqtt")
                {
                    errors = await Task.WhenAll(due.Select(d => SendAsync(channel, d, stoppingToken))).ConfigureAwait(false);
                }
                else
                {
                    for (int i = 0; i < due.Count; i++)
                    {
                        errors[i] = await SendAsync(channel, due[i], stoppingToken).ConfigureAwait(false);
                    }
                }
                await RecordAsync(channel, due, errors, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopFailed(_log, channel, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<List<Delivery>> ClaimAsync(string channel, CancellationToken cancellationToken)
    {
        long now = CloudDatabase.Ms(_clock.GetUtcNow());
        long leaseUntil = now + (long)Lease.TotalMilliseconds;
        using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
        int claimed = s.Execute("""
            UPDATE alert_deliveries SET lease_owner = @o, lease_until = @lu
            WHERE id IN (SELECT d.id FROM alert_deliveries d WHERE d.state = 'pending' AND d.channel = @c AND d.next_attempt_at <= @now AND d.lease_until < @now
                AND NOT EXISTS (SELECT 1 FROM alert_deliveries e WHERE e.alert_id = d.alert_id AND e.channel = d.channel AND e.target = d.target
                    AND e.state = 'pending' AND e.id < d.id)
                ORDER BY d.id LIMIT 200)
            """, ("@o", _owner), ("@lu", leaseUntil), ("@c", channel), ("@now", now));
        var due = new List<Delivery>(claimed);
        if (claimed > 0)
        {
            using var r = s.Query("SELECT id, alert_id, target, payload, attempts, created_at FROM alert_deliveries WHERE lease_owner = @o AND lease_until = @lu AND state = 'pending' ORDER BY id",
                ("@o", _owner), ("@lu", leaseUntil));
            while (r.Read())
            {
                due.Add(new Delivery(r.GetInt64(0), r.GetString(1), r.GetString(2), (byte[])r.GetValue(3), r.GetInt32(4), r.GetInt64(5)));
            }
        }
        s.Commit();
        return due;
    }

    /// <summary>Null when delivered, else why not.</summary>
    private async Task<string?> SendAsync(string channel, Delivery d, CancellationToken cancellationToken)
    {
        try
        {
            if (channel == "mqtt")
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                await _broker.Connection.PublishAsync(d.Target, d.Payload, qos: 1, retain: false, timeout.Token).ConfigureAwait(false);
                return null;
            }
            if (!_options.Alerts.Groups.TryGetValue(d.Target, out AlertGroupOptions? group) || string.IsNullOrEmpty(group.WebhookUrl))
            {
                return $"group '{d.Target}' has no webhook any more";
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, group.WebhookUrl) { Content = new ByteArrayContent(d.Payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            string timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.Add(TimestampHeader, timestamp);
            request.Headers.Add(DeliveryHeader, d.Id.ToString(CultureInfo.InvariantCulture));
            if (SecretOf(group) is { Length: > 0 } secret)
            {
                request.Headers.Add(SignatureHeader, "sha256=" + Sign(secret, timestamp, d.Payload));
            }
            using HttpClient client = _http.CreateClient("webhooks");
            using HttpResponseMessage response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{group.WebhookUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return e.Message;
        }
    }

    /// <summary>The signature a receiver recomputes: hex HMAC-SHA256 over "<c>timestamp.body</c>" (the timestamp guards against replays).</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        byte[] prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        byte[] message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    private static string? SecretOf(AlertGroupOptions group) =>
        group.WebhookSecretFile is not null ? CloudOptionsValidator.ReadSecretFile(group.WebhookSecretFile) : group.WebhookSecret;

    private async Task RecordAsync(string channel, List<Delivery> due, string?[] errors, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        long at = CloudDatabase.Ms(now);
        using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < due.Count; i++)
        {
            Delivery d = due[i];
            string? error = errors[i];
            if (error is null)
            {
                s.Execute("UPDATE alert_deliveries SET state = 'done', attempts = @a, delivered_at = @t, last_error = NULL WHERE id = @id",
                    ("@a", d.Attempts + 1), ("@t", at), ("@id", d.Id));
                _metrics.Deliveries.WithLabels(channel, "delivered").Inc();
                _metrics.DeliveryLag.Observe(Math.Max(0, (at - d.CreatedAt) / 1000.0));
            }
            else if (d.Attempts + 1 >= _options.Alerts.MaxDeliveryAttempts)
            {
                s.Execute("UPDATE alert_deliveries SET state = 'failed', attempts = @a, last_error = @e WHERE id = @id", ("@a", d.Attempts + 1), ("@e", error), ("@id", d.Id));
                _metrics.Deliveries.WithLabels(channel, "failed").Inc();
                LogGivenUp(_log, channel, d.Target, d.AlertId, d.Attempts + 1, error);
            }
            else
            {
                // 1 s, 2 s, 4 s ... up to 5 min, ±20 %.
                double seconds = Math.Min(300, Math.Pow(2, d.Attempts)) * (0.8 + (0.4 * Random.Shared.NextDouble()));
                s.Execute("UPDATE alert_deliveries SET attempts = @a, last_error = @e, next_attempt_at = @n, lease_until = 0 WHERE id = @id",
                    ("@a", d.Attempts + 1), ("@e", error), ("@n", at + (long)(seconds * 1000)), ("@id", d.Id));
                _metrics.Deliveries.WithLabels(channel, "retry").Inc();
                LogRetry(_log, channel, d.Target, d.AlertId, error, seconds);
            }
        }
        s.Commit();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "alert delivery ({Channel} {Target}, alert {AlertId}) failed: {Error}; retrying in {Seconds:F1} s")]
    private static partial void LogRetry(ILogger logger, string channel, string target, string alertId, string error, double seconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "alert delivery ({Channel} {Target}, alert {AlertId}) given up after {Attempts} attempts: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string channel, string target, string alertId, int attempts, string error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "alert delivery loop ({Channel}) failed: {Error}; retrying")]
    private static partial void LogLoopFailed(ILogger logger, string channel, string error);
}
