using System.Globalization;
using System.Text.Json;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Api;

/// <summary>
/// <c>GET /api/v1/events</c>: server-sent events, one <c>alert</c> event per audit row (opened, updated, held,
/// released, acknowledged, snoozed, resolved...) with the alert as it is now, filtered to the key's stores. The audit
/// table is the source, so every replica's stream shows every replica's transitions; a local commit wakes the stream
/// at once, others are seen within the poll interval. <c>Last-Event-ID</c> resumes after a reconnect.
/// </summary>
public sealed class AlertEventStream
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly CloudDatabase _database;
    private readonly ChangeSignal _changes;
    private readonly CloudMetrics _metrics;

    public AlertEventStream(CloudDatabase database, ChangeSignal changes, CloudMetrics metrics)
    {
        _database = database;
        _changes = changes;
        _metrics = metrics;
    }

    public async Task RunAsync(HttpContext http, ApiCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(caller);
        long last;
        if (long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out long resume))
        {
            last = resume;
        }
        else
        {
            using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
            last = s.ScalarLong("SELECT MAX(seq) FROM alert_audit") ?? 0;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync(": edgeinv alert stream\nretry: 2000\n\n", cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        _metrics.StreamClients.Inc();
        DateTimeOffset lastWrite = DateTimeOffset.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                List<(long Seq, string Action, string Actor, string? Detail, AlertRecord Alert)> rows = [];
                using (SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false))
                {
                    using var r = s.Query($"""
                        SELECT u.seq, u.action, u.actor, u.detail, {AlertRecord.Columns}
                        FROM {AlertRecord.From} JOIN alert_audit u ON u.alert_id = a.alert_id
                        WHERE u.seq > @last ORDER BY u.seq LIMIT 500
                        """, ("@last", last));
                    while (r.Read())
                    {
                        rows.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), CloudDatabase.StringOrNull(r, 3), AlertRecord.Read(r, 4)));
                    }
                }
                foreach (var row in rows)
                {
                    last = row.Seq;
                    if (!caller.MaySee(row.Alert.StoreId))
                    {
                        continue;
                    }
                    string data = JsonSerializer.Serialize(new { action = row.Action, actor = row.Actor, detail = row.Detail, alert = row.Alert }, Json);
                    await http.Response.WriteAsync($"id: {row.Seq}\nevent: alert\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                if (rows.Count > 0)
                {
                    await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (DateTimeOffset.UtcNow - lastWrite > KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                await _changes.WaitAsync(Poll, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            _metrics.StreamClients.Dec();
        }
    }
}
