using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecast.Cli.Batch;

/// <summary>What a <c>forecast run</c> does, validated before any data is read.</summary>
internal sealed record BatchRunOptions(SeriesPartition Partition, string Method, int HorizonDays, DateOnly? AsOf, int HistoryDays,
    CensoredDemandTreatment Censored, string? RunId, int Threads);

/// <summary>A finished run: how many series, and which fell back and why.</summary>
internal sealed record BatchRunSummary(string RunId, DateOnly AsOf, int SeriesInStore, int SeriesPlanned, IReadOnlyList<BatchOutcome> Outcomes);

/// <summary>
/// Reads a store's tables, keeps this worker's partition, builds each series' daily history (days with
/// no row are zero demand, NULL quantities are unknown, censored days treated as asked), plans them and
/// writes the results back.
/// </summary>
internal static class BatchRunner
{
    public static BatchRunSummary Run(IBatchStore store, BatchRunOptions options)
    {
        var method = MethodCatalog.Create(options.Method);
        var byKey = new Dictionary<SeriesKey, List<DemandRow>>();
        var allKeys = new HashSet<SeriesKey>();
        DateOnly latest = DateOnly.MinValue;
        foreach (var row in store.ReadDemand())
        {
            allKeys.Add(row.Key);
            if (row.Day > latest) latest = row.Day;
            if (!options.Partition.Contains(row.Key)) continue;
            if (!byKey.TryGetValue(row.Key, out var rows)) byKey[row.Key] = rows = [];
            rows.Add(row);
        }
        var stock = store.ReadStock();
        foreach (var key in stock.Keys) allKeys.Add(key);
        var settings = store.ReadSettings();
        DateOnly asOf = options.AsOf ?? (latest == DateOnly.MinValue ? DateOnly.FromDateTime(DateTime.UtcNow) : latest);
        string runId = options.RunId ?? $"asof-{asOf:yyyy-MM-dd}";

        // A stocked item without any sales history is still planned (its forecast is 0, and it says so).
        foreach (var key in stock.Keys)
            if (options.Partition.Contains(key) && !byKey.ContainsKey(key)) byKey[key] = [];

        var series = new List<BatchSeries>(byKey.Count);
        foreach (var (key, rows) in byKey.OrderBy(p => p.Key.StoreId, StringComparer.Ordinal).ThenBy(p => p.Key.Sku, StringComparer.Ordinal))
        {
            DateOnly first = asOf.AddDays(-options.HistoryDays + 1);
            DateOnly earliest = rows.Count == 0 ? asOf.AddDays(1) : rows.Min(r => r.Day);
            if (earliest > first) first = earliest;
            int days = Math.Max(0, asOf.DayNumber - first.DayNumber + 1);
            var daily = new DailyDemand(key, first, days);
            foreach (var row in rows)
            {
                int i = daily.IndexOf(row.Day);
                if (i < 0 || i >= days) continue;
                if (row.Quantity is { } q) daily.Quantity[i] = q;
                else daily.Status[i] = DayStatus.Missing;
                if (row.Censored && daily.Status[i] == DayStatus.Observed) daily.Status[i] = DayStatus.Censored;
            }
            var (onHand, onOrder) = stock.TryGetValue(key, out var s) ? s : (0.0, 0.0);
            var history = daily.History(options.Censored);
            // Excluded days shorten the history; the forecast still starts the day after the as-of day.
            series.Add(new BatchSeries(key, asOf.AddDays(1 - history.Length), history, onHand, onOrder, ReplenishmentSettings.For(key, settings, ReplenishmentSettings.Default)));
        }
        var outcomes = ReplenishmentBatch.Run(series, method, options.HorizonDays, options.Threads);
        store.Write(runId, outcomes);
        return new BatchRunSummary(runId, asOf, allKeys.Count, outcomes.Length, outcomes);
    }
}
