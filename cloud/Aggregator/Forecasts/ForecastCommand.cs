using System.CommandLine;
using System.Globalization;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Forecasting.Batch;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Cloud.Forecasts;

/// <summary>
/// <c>edgeinv-cloud forecast --partition i/N [--config FILE]</c>: one worker of a partitioned forecast (a Kubernetes
/// indexed job, a cron entry) over the aggregator's own database and configuration, writing its partition's
/// recommendations into the same tables the API serves. Exit 0 done, 1 the run failed, 2 configuration.
/// </summary>
public static class ForecastCommand
{
    public static Command Create(Option<string?> configFile)
    {
        var partition = new Option<string>("--partition")
        {
            Description = "this worker's share of the store × SKU series, i/N (0 <= i < N); default Cloud:Forecasts:Partition",
            HelpName = "i/N",
        };
        partition.Validators.Add(r =>
        {
            try
            {
                SeriesPartition.Parse(r.GetValueOrDefault<string>() ?? "");
            }
            catch (ArgumentException e)
            {
                r.AddError("--partition: " + ForecastRunner.Reason(e));
            }
        });
        var command = new Command("forecast", "Run the demand forecast and reorder recommendations once, for one partition, into the aggregator's database")
        {
            partition,
        };
        command.SetAction(async (parsed, ct) =>
        {
            string? file = parsed.GetValue(configFile);
            CloudOptions options;
            CloudDatabase database;
            try
            {
                var configuration = new ConfigurationBuilder().AddCloudSources(file).Build();
                string baseDirectory = file is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(file))!;
                options = CloudConfiguration.Load(configuration, baseDirectory);
                Directory.CreateDirectory(options.StateDirectory);
                database = CloudDatabase.FromOptions(options);
                try
                {
                    await Schema.MigrateAsync(database, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
                {
                    throw new CloudConfigurationException($"Cloud:Database ({database.Describe()}): {e.Message}", e);
                }
            }
            catch (CloudConfigurationException e)
            {
                await parsed.InvocationConfiguration.Error.WriteLineAsync("edgeinv-cloud forecast: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            SeriesPartition part = SeriesPartition.Parse(parsed.GetValue(partition) ?? options.Forecasts.Partition);
            try
            {
                using var runner = new ForecastRunner(database, options, TimeProvider.System);
                ForecastRunSummary r = await runner.RunAsync(part, "cli", cancellationToken: ct).ConfigureAwait(false);
                await parsed.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"forecast {r.RunId}: partition {r.Partition}, as of {r.AsOf:yyyy-MM-dd}, {r.Series} series ({r.FromSales} from POS sales, {r.FromShelfCounts} from shelf counts, {r.WithoutHistory} without history), {r.CensoredDays} censored days, {r.Fallbacks} with a fallback, {r.Seconds:F1} s")).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidDataException or ArgumentException)
            {
                await parsed.InvocationConfiguration.Error.WriteLineAsync($"edgeinv-cloud forecast: partition {part}: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
