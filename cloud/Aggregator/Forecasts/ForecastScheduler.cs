using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Forecasting.Batch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Cloud.Forecasts;

/// <summary>
/// Runs the forecast of this process's partition every <c>Cloud:Forecasts:Interval</c>: the first run an interval after
/// the partition's last recorded run (so a restart does not run it again at once), or after start when there is none.
/// A failed run is logged and tried again at the next interval.
/// </summary>
public sealed partial class ForecastScheduler(ForecastRunner runner, CloudDatabase database, CloudOptions options, TimeProvider clock, ILogger<ForecastScheduler> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ForecastOptions o = options.Forecasts;
        if (!o.Enabled)
        {
            return;
        }
        SeriesPartition partition = SeriesPartition.Parse(o.Partition);
        DateTimeOffset next = clock.GetUtcNow() + o.Interval;
        try
        {
            using SqlSession s = await SqlSession.BeginReadAsync(database, stoppingToken).ConfigureAwait(false);
            if (s.ScalarLong("SELECT MAX(started_at) FROM forecast_runs WHERE partition_spec = @p AND error IS NULL", ("@p", partition.ToString())) is { } last)
            {
                next = CloudDatabase.Time(last) + o.Interval;
            }
        }
        catch (System.Data.Common.DbException e)
        {
            LogFailed(log, partition.ToString(), e.Message);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait = next - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                // At most a day at a time (Task.Delay takes under 25 days), then look again.
                await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1), clock, stoppingToken).ConfigureAwait(false);
                continue;
            }
            next = clock.GetUtcNow() + o.Interval;
            try
            {
                ForecastRunSummary r = await runner.RunAsync(partition, "schedule", cancellationToken: stoppingToken).ConfigureAwait(false);
                LogRun(log, r.RunId, r.Series, r.Fallbacks, r.Seconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, partition.ToString(), e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "forecast run {RunId}: {Series} series, {Fallbacks} with a fallback, {Seconds:F1} s")]
    private static partial void LogRun(ILogger logger, string runId, int series, int fallbacks, double seconds);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Error, Message = "forecast run of partition {Partition} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string partition, string reason);
}
