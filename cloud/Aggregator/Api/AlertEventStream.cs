using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Api;

/// <summary>One alert transition as the event stream sends it: its audit row and the alert as it is now.</summary>
public sealed record AlertFeedItem(long Seq, string Action, string Actor, string? Detail, AlertRecord Alert);

/// <summary>
/// <c>GET /api/v1/events</c>: server-sent events, one <c>alert</c> event per audit row (opened, updated, held,
/// released, acknowledged, snoozed, resolved...) with the alert as it is now, filtered to the key's stores. The audit
/// table is the source, so every replica's stream shows every replica's transitions. One poller serves every open
/// stream (a thousand operators' inboxes are one query per poll, not a thousand); a local commit wakes it at once,
/// other replicas' commits are seen within the poll interval. <c>Last-Event-ID</c> resumes after a reconnect: what
/// the client missed is read for it alone, then it joins the shared feed.
/// </summary>
public sealed class AlertEventStream : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Items a slow client may fall behind by before its stream is closed (it reconnects with Last-Event-ID and catches up).</summary>
    private const int ClientBacklog = 10_000;

    private readonly CloudDatabase _database;
    private readonly ChangeSignal _changes;
    private readonly CloudMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly List<Channel<AlertFeedItem>> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _poller;
    private long _position = -1;

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
        long? resume = long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out long r) ? r : null;
        (Channel<AlertFeedItem> channel, long joinedAt) = await JoinAsync(cancellationToken).ConfigureAwait(false);
        _metrics.StreamClients.Inc();
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync(": edgeinv alert stream\nretry: 2000\n\n", cancellationToken).ConfigureAwait(false);
            long sent = resume ?? joinedAt;
            // What the client missed before it joined, read for it alone, 500 rows at a time.
            while (sent < joinedAt)
            {
                List<AlertFeedItem> missed = await ReadAsync(sent, joinedAt, cancellationToken).ConfigureAwait(false);
                if (missed.Count == 0)
                {
                    break;
                }
                foreach (AlertFeedItem item in missed)
                {
                    sent = await WriteAsync(http, caller, item, sent, cancellationToken).ConfigureAwait(false);
                }
            }
            await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

            while (!cancellationToken.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                keepAlive.CancelAfter(KeepAlive);
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(keepAlive.Token).ConfigureAwait(false))
                    {
                        return; // fell too far behind: the client reconnects with Last-Event-ID
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                while (channel.Reader.TryRead(out AlertFeedItem? item))
                {
                    sent = await WriteAsync(http, caller, item, sent, cancellationToken).ConfigureAwait(false);
                }
                await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            lock (_gate)
            {
                _clients.Remove(channel);
            }
            _metrics.StreamClients.Dec();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>Writes the item if it is newer than what was sent and the key may see its store; returns the new "sent" mark.</summary>
    private static async Task<long> WriteAsync(HttpContext http, ApiCaller caller, AlertFeedItem item, long sent, CancellationToken cancellationToken)
    {
        if (item.Seq <= sent)
        {
            return sent;
        }
        if (caller.MaySee(item.Alert.StoreId))
        {
            string data = JsonSerializer.Serialize(new { action = item.Action, actor = item.Actor, detail = item.Detail, alert = item.Alert }, Json);
            await http.Response.WriteAsync($"id: {item.Seq}\nevent: alert\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
        }
        return item.Seq;
    }

    /// <summary>Adds a client to the shared feed (starting the poller with the first); returns the feed position it joined at.</summary>
    private async Task<(Channel<AlertFeedItem> Channel, long JoinedAt)> JoinAsync(CancellationToken cancellationToken)
    {
        long start = -1;
        if (Volatile.Read(ref _position) < 0)
        {
            using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
            start = s.ScalarLong("SELECT MAX(seq) FROM alert_audit") ?? 0;
        }
        var channel = Channel.CreateBounded<AlertFeedItem>(new BoundedChannelOptions(ClientBacklog) { SingleReader = true, SingleWriter = true });
        lock (_gate)
        {
            if (_position < 0)
            {
                _position = start;
            }
            _clients.Add(channel);
            _poller ??= Task.Run(PollAsync, CancellationToken.None); // lives as long as the aggregator, not the first request
            return (channel, _position);
        }
    }

    private async Task PollAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                long from;
                Channel<AlertFeedItem>[] clients;
                lock (_gate)
                {
                    from = _position;
                    clients = [.. _clients];
                }
                List<AlertFeedItem> items = clients.Length == 0 ? [] : await ReadAsync(from, long.MaxValue, stop).ConfigureAwait(false);
                lock (_gate)
                {
                    foreach (AlertFeedItem item in items)
                    {
                        foreach (Channel<AlertFeedItem> client in _clients)
                        {
                            if (!client.Writer.TryWrite(item))
                            {
                                client.Writer.TryComplete(); // that client fell too far behind; it reconnects and catches up
                            }
                        }
                        _position = item.Seq;
                    }
                }
                if (items.Count == 0)
                {
                    await _changes.WaitAsync(Poll, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (System.Data.Common.DbException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Audit rows with <paramref name="after"/> &lt; seq ≤ <paramref name="upTo"/>, oldest first, 500 at most.</summary>
    private async Task<List<AlertFeedItem>> ReadAsync(long after, long upTo, CancellationToken cancellationToken)
    {
        var rows = new List<AlertFeedItem>();
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        using var r = s.Query($"""
            SELECT u.seq, u.action, u.actor, u.detail, {AlertRecord.Columns}
            FROM alert_audit u JOIN alerts a ON a.alert_id = u.alert_id LEFT JOIN discrepancies d ON d.discrepancy_id = a.discrepancy_id
            WHERE u.seq > @after AND u.seq <= @upTo ORDER BY u.seq LIMIT 500
            """, ("@after", after), ("@upTo", upTo));
        while (r.Read())
        {
            rows.Add(new AlertFeedItem(r.GetInt64(0), r.GetString(1), r.GetString(2), CloudDatabase.StringOrNull(r, 3), AlertRecord.Read(r, 4)));
        }
        return rows;
    }
}
