using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// Keeps the database to its configured size (<c>Cloud:Retention</c>): count history, evidence photos, ended
/// discrepancies and resolved alerts with their history, remembered event ids, delivered alert deliveries, and the
/// newest N dead letters. Count history, the large one, is deleted an hour at a time so the write lock is never held long.
/// </summary>
public sealed partial class RetentionWorker : BackgroundService
{
    private const int MaxHistoryRowsPerSweep = 500_000;
    private readonly CloudDatabase _database;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RetentionWorker> _log;

    public RetentionWorker(CloudDatabase database, CloudOptions options, TimeProvider clock, ILogger<RetentionWorker> log)
    {
        _database = database;
        _options = options.Retention;
        _clock = clock;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's start path: a worker's first synchronous stretch (a database wait, a backlog of messages that are
        // all ready at once) would otherwise hold up the start of everything registered after it.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int removed = await SweepAsync(stoppingToken).ConfigureAwait(false);
                if (removed > 0)
                {
                    LogSwept(_log, removed);
                }
                await Task.Delay(_options.SweepInterval, _clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (System.Data.Common.DbException e)
            {
                LogFailed(_log, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(30), _clock, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One pass over every table; returns the rows removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        long now = CloudDatabase.Ms(_clock.GetUtcNow());
        long Before(TimeSpan age) => now - (long)age.TotalMilliseconds;
        int total = 0;
        total += await DeleteCountHistoryAsync(Before(_options.CountHistory), cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("evidence", "received_at < @t", Before(_options.Evidence), cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("received_events", "received_at < @t", Before(_options.EventIds), cancellationToken).ConfigureAwait(false);
        long history = Before(_options.History);
        total += await DeleteAsync("discrepancy_events", "discrepancy_id IN (SELECT discrepancy_id FROM discrepancies WHERE state = 'ended' AND ended_at < @t)", history, cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("discrepancies", "state = 'ended' AND ended_at < @t", history, cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("alert_audit", "alert_id IN (SELECT alert_id FROM alerts WHERE state = 'resolved' AND resolved_at < @t)", history, cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("alert_deliveries", "state <> 'pending' AND created_at < @t", history, cancellationToken).ConfigureAwait(false);
        total += await DeleteAsync("alerts", "state = 'resolved' AND resolved_at < @t", history, cancellationToken).ConfigureAwait(false);
        using (SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false))
        {
            long? cut = s.ScalarLong("SELECT id FROM dead_letters ORDER BY id DESC LIMIT 1 OFFSET @n", ("@n", _options.DeadLetters));
            if (cut is { } c)
            {
                total += s.Execute("DELETE FROM dead_letters WHERE id <= @c", ("@c", c));
            }
            s.Commit();
        }
        return total;
    }

    /// <summary>One DELETE of the rows that match <paramref name="condition"/> (<c>@t</c> is the cut-off).</summary>
    private async Task<int> DeleteAsync(string table, string condition, long before, CancellationToken cancellationToken)
    {
        using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
        int removed = s.Execute($"DELETE FROM {table} WHERE {condition}", ("@t", before));
        s.Commit();
        return removed;
    }

    /// <summary>
    /// Count history, the one table that grows by millions of rows, an hour of its oldest rows per transaction (it has
    /// no key for a portable LIMIT), so the write lock is never held long; at most <see cref="MaxHistoryRowsPerSweep"/>
    /// rows a sweep, the rest the next.
    /// </summary>
    private async Task<int> DeleteCountHistoryAsync(long before, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total <= MaxHistoryRowsPerSweep)
        {
            using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
            int removed = s.Execute("DELETE FROM count_history WHERE observed_at < (SELECT MIN(observed_at) FROM count_history) + 3600000 AND observed_at < @t", ("@t", before));
            s.Commit();
            if (removed == 0)
            {
                break;
            }
            total += removed;
        }
        return total;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "retention: removed {Rows} rows past their keep time")]
    private static partial void LogSwept(ILogger logger, int rows);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "retention sweep failed: {Reason}; retrying in 30 s")]
    private static partial void LogFailed(ILogger logger, string reason);
}
