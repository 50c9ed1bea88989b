using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Forecasting.Replenishment;

namespace EdgeInventory.Cloud.Forecasts;

/// <summary>What one run did.</summary>
public sealed record ForecastRunSummary(string RunId, string Partition, DateOnly AsOf, int Series, int FromSales, int FromShelfCounts,
    int WithoutHistory, int CensoredDays, int Fallbacks, double Seconds, double ReadSeconds, double PrepareSeconds, double ForecastSeconds, double WriteSeconds);

/// <summary>A SKU's replenishment parameters as imported (<c>sku_parameters</c>).</summary>
public sealed record SkuParameters(double LeadTimeDays, double LeadTimeStdDevDays, int ReviewPeriodDays, double ServiceLevel, int PackSize);

/// <summary>
/// One forecast run over what the aggregator has stored: daily demand per store × SKU (POS sales where imported, else
/// shelf-count depletion between restocks), the days cameras saw the shelf empty marked censored and treated, stock on
/// hand from the zones' latest counts, parameters per SKU; then the forecasting library's batch, and one
/// <c>recommendations</c> row per series of this partition. One run at a time per process; partitions in other
/// processes write disjoint rows.
/// </summary>
public sealed class ForecastRunner : IDisposable
{
    private readonly CloudDatabase _database;
    private readonly ForecastOptions _options;
    private readonly TimeProvider _clock;
    private const int WriteChunk = 2_000;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ForecastRunner(CloudDatabase database, CloudOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _options = options.Forecasts;
        _clock = clock;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>An argument error's message without the "(Parameter 'x')" .NET appends: it is said to people, not to code.</summary>
    public static string Reason(ArgumentException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
    }

    /// <summary>Runs (waiting for a run already going in this process). <paramref name="censored"/> overrides the configured treatment.</summary>
    public async Task<ForecastRunSummary> RunAsync(SeriesPartition partition, string trigger, CensoredDemandTreatment? censored = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Run(partition, trigger, censored ?? _options.Censored, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ForecastRunSummary Run(SeriesPartition partition, string trigger, CensoredDemandTreatment treatment, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        DateTimeOffset now = _clock.GetUtcNow();
        // Yesterday is the last whole day; the forecast starts today.
        DateOnly asOf = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-1);
        DateOnly firstDay = asOf.AddDays(1 - _options.HistoryDays);
        long from = CloudDatabase.Ms(new DateTimeOffset(firstDay.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        long to = CloudDatabase.Ms(new DateTimeOffset(asOf.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        string runId = string.Create(CultureInfo.InvariantCulture, $"{now:yyyyMMdd'T'HHmmssfff}-{partition.Index}of{partition.Count}-{Guid.NewGuid().ToString("N")[..6]}");
        using (SqlSession s = SqlSession.BeginAsync(_database, ct).GetAwaiter().GetResult())
        {
            s.Execute("INSERT INTO forecast_runs (run_id, partition_spec, trigger_kind, started_at) VALUES (@r, @p, @k, @t)",
                ("@r", runId), ("@p", partition.ToString()), ("@k", trigger), ("@t", CloudDatabase.Ms(now)));
            s.Commit();
        }
        try
        {
            ForecastRunSummary summary = Plan(partition, treatment, runId, now, asOf, firstDay, from, to, watch, ct);
            using SqlSession done = SqlSession.BeginAsync(_database, ct).GetAwaiter().GetResult();
            done.Execute("UPDATE forecast_runs SET finished_at = @t, series = @n, fallbacks = @f WHERE run_id = @r",
                ("@t", CloudDatabase.Ms(_clock.GetUtcNow())), ("@n", summary.Series), ("@f", summary.Fallbacks), ("@r", runId));
            done.Commit();
            return summary;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            using SqlSession failed = SqlSession.BeginAsync(_database, CancellationToken.None).GetAwaiter().GetResult();
            failed.Execute("UPDATE forecast_runs SET finished_at = @t, error = @e WHERE run_id = @r",
                ("@t", CloudDatabase.Ms(_clock.GetUtcNow())), ("@e", e.Message), ("@r", runId));
            failed.Commit();
            throw;
        }
    }

    private ForecastRunSummary Plan(SeriesPartition partition, CensoredDemandTreatment treatment, string runId, DateTimeOffset now, DateOnly asOf, DateOnly firstDay,
        long from, long to, Stopwatch watch, CancellationToken ct)
    {
        var onHand = new Dictionary<SeriesKey, double>();
        var parameters = new Dictionary<SeriesKey, SkuParameters>();
        var stockOuts = new Dictionary<SeriesKey, List<StockOutPeriod>>();
        var sales = new List<SaleRecord>();
        var feedStart = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var shelf = new Dictionary<SeriesKey, DailyDemand>();
        StoreCalendar calendar;

        using (SqlSession s = SqlSession.BeginReadAsync(_database, ct).GetAwaiter().GetResult())
        {
            calendar = ReadCalendar(s);
            using (DbDataReader r = s.Query("SELECT store_id, sku, SUM(units) FROM zones WHERE sku <> '' AND units IS NOT NULL GROUP BY store_id, sku"))
            {
                while (r.Read())
                {
                    var key = new SeriesKey(r.GetString(0), r.GetString(1));
                    if (partition.Contains(key))
                    {
                        onHand[key] = Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture);
                    }
                }
            }
            using (DbDataReader r = s.Query("SELECT store_id, sku, lead_time_days, lead_time_sd_days, review_period_days, service_level, pack_size FROM sku_parameters"))
            {
                while (r.Read())
                {
                    parameters[new SeriesKey(r.GetString(0), r.GetString(1))] = new SkuParameters(r.GetDouble(2), r.GetDouble(3),
                        Convert.ToInt32(r.GetValue(4), CultureInfo.InvariantCulture), r.GetDouble(5), Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture));
                }
            }
            using (DbDataReader r = s.Query("""
                SELECT store_id, sku, started_at, ended_at FROM discrepancies
                WHERE kind = 'outOfStock' AND sku IS NOT NULL AND sku <> '' AND started_at < @to AND (ended_at IS NULL OR ended_at > @from)
                """, ("@to", to), ("@from", from)))
            {
                long nowMs = CloudDatabase.Ms(now);
                while (r.Read())
                {
                    var key = new SeriesKey(r.GetString(0), r.GetString(1));
                    long end = r.IsDBNull(3) ? nowMs : r.GetInt64(3); // still open: empty until now
                    if (!partition.Contains(key) || end <= r.GetInt64(2))
                    {
                        continue;
                    }
                    if (!stockOuts.TryGetValue(key, out List<StockOutPeriod>? list))
                    {
                        stockOuts[key] = list = [];
                    }
                    list.Add(new StockOutPeriod(key.StoreId, key.Sku, CloudDatabase.Time(r.GetInt64(2)), CloudDatabase.Time(end)));
                }
            }
            using (DbDataReader r = s.Query("SELECT store_id, MIN(sold_at) FROM pos_sales GROUP BY store_id"))
            {
                while (r.Read())
                {
                    feedStart[r.GetString(0)] = CloudDatabase.Time(r.GetInt64(1));
                }
            }
            using (DbDataReader r = s.Query("SELECT store_id, sku, sold_at, quantity FROM pos_sales WHERE sold_at >= @from AND sold_at < @to", ("@from", from), ("@to", to)))
            {
                while (r.Read())
                {
                    var key = new SeriesKey(r.GetString(0), r.GetString(1));
                    if (partition.Contains(key))
                    {
                        sales.Add(new SaleRecord(key.StoreId, key.Sku, CloudDatabase.Time(r.GetInt64(2)), r.GetDouble(3)));
                    }
                }
            }
            // In the zone index's order, one location's counts after another; a SKU on several shelves sums them.
            using (DbDataReader r = s.Query("""
                SELECT store_id, location_id, sku, observed_at, units FROM count_history
                WHERE sku <> '' AND observed_at >= @from AND observed_at < @to
                ORDER BY store_id, location_id, sku, observed_at
                """, ("@from", from), ("@to", to)))
            {
                // Reading and deriving overlap: this thread reads rows, another turns each shelf's counts into days.
                using var shelves = new System.Collections.Concurrent.BlockingCollection<List<ShelfCount>>(boundedCapacity: 256);
                Task derive = Task.Run(() =>
                {
                    foreach (List<ShelfCount> one in shelves.GetConsumingEnumerable())
                    {
                        AddShelf(shelf, one, calendar, firstDay, asOf);
                    }
                }, CancellationToken.None);
                try
                {
                    var counts = new List<ShelfCount>();
                    string? store = null, location = null, sku = null;
                    bool wanted = false;
                    while (r.Read())
                    {
                        string st = r.GetString(0), loc = r.GetString(1), k = r.GetString(2);
                        if (st != store || loc != location || k != sku)
                        {
                            if (counts.Count > 0)
                            {
                                shelves.Add(counts, ct);
                                counts = new List<ShelfCount>(counts.Count + 4);
                            }
                            (store, location, sku) = (st, loc, k);
                            wanted = partition.Contains(new SeriesKey(st, k));
                        }
                        if (wanted)
                        {
                            counts.Add(new ShelfCount(store, sku!, CloudDatabase.Time(r.GetInt64(3)), r.GetInt32(4)));
                        }
                    }
                    if (counts.Count > 0)
                    {
                        shelves.Add(counts, ct);
                    }
                }
                finally
                {
                    shelves.CompleteAdding();
                    derive.GetAwaiter().GetResult();
                }
            }
        }
        ct.ThrowIfCancellationRequested();

        double readSeconds = watch.Elapsed.TotalSeconds;
        Dictionary<SeriesKey, DailyDemand> fromSales = DemandSignal.FromSales(sales, calendar, firstDay, asOf);
        foreach (DailyDemand d in fromSales.Values)
        {
            // Before the store's feed began, a day without a sale says nothing.
            DateOnly start = calendar.LocalDay(d.Key.StoreId, feedStart[d.Key.StoreId]);
            for (int t = 0; t < d.Days && d.FirstDay.AddDays(t) < start; t++)
            {
                d.Status[t] = DayStatus.Missing;
            }
        }

        var keys = new HashSet<SeriesKey>(onHand.Keys);
        keys.UnionWith(fromSales.Keys);
        keys.UnionWith(shelf.Keys);
        var ordered = keys.OrderBy(k => k.StoreId, StringComparer.Ordinal).ThenBy(k => k.Sku, StringComparer.Ordinal).ToList();
        var defaults = new SkuParameters(_options.LeadTimeDays, 0, _options.ReviewPeriodDays, _options.ServiceLevel, 1);
        var series = new List<BatchSeries>(ordered.Count);
        var meta = new (string Source, int HistoryDays, int Censored, SkuParameters Parameters)[ordered.Count];
        int censoredTotal = 0, salesCount = 0, shelfCount = 0, none = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            SeriesKey key = ordered[i];
            string source;
            if (fromSales.TryGetValue(key, out DailyDemand? demand))
            {
                source = "pos";
                salesCount++;
            }
            else if (shelf.TryGetValue(key, out demand))
            {
                source = "shelfCounts";
                shelfCount++;
            }
            else
            {
                demand = new DailyDemand(key, firstDay, asOf.DayNumber - firstDay.DayNumber + 1);
                Array.Fill(demand.Status, DayStatus.Missing);
                source = "none";
                none++;
            }
            int censored = stockOuts.TryGetValue(key, out List<StockOutPeriod>? periods) ? DemandSignal.MarkStockOuts(demand, periods, calendar) : 0;
            censoredTotal += censored;
            double[] history = demand.History(treatment);
            SkuParameters p = ReplenishmentSettings.For(key, parameters, defaults);
            var settings = new ReplenishmentSettings(p.LeadTimeDays, p.LeadTimeStdDevDays, p.ReviewPeriodDays, p.ServiceLevel, p.ServiceLevel);
            // Excluded days shorten the history; the forecast still starts the day after the as-of day.
            series.Add(new BatchSeries(key, asOf.AddDays(1 - history.Length), history, onHand.GetValueOrDefault(key), 0, settings));
            meta[i] = (source, demand.Days - demand.CountOf(DayStatus.Missing), censored, p);
        }
        ct.ThrowIfCancellationRequested();

        double prepareSeconds = watch.Elapsed.TotalSeconds;
        BatchOutcome[] outcomes = ReplenishmentBatch.Run(series, MethodCatalog.Create(_options.Method), _options.Horizon, _options.Threads == 0 ? -1 : _options.Threads);
        double forecastSeconds = watch.Elapsed.TotalSeconds;
        int fallbacks = Write(partition, runId, now, outcomes, meta);
        double total = watch.Elapsed.TotalSeconds;
        return new ForecastRunSummary(runId, partition.ToString(), asOf, outcomes.Length, salesCount, shelfCount, none, censoredTotal, fallbacks, total,
            readSeconds, prepareSeconds - readSeconds, forecastSeconds - prepareSeconds, total - forecastSeconds);
    }

    private int Write(SeriesPartition partition, string runId, DateTimeOffset now, BatchOutcome[] outcomes,
        (string Source, int HistoryDays, int Censored, SkuParameters Parameters)[] meta)
    {
        int fallbacks = 0;
        SqlSession s = SqlSession.BeginAsync(_database).GetAwaiter().GetResult();
        try
        {
            var planned = new HashSet<SeriesKey>(outcomes.Select(o => o.Key));
            var stale = new List<SeriesKey>();
            using (DbDataReader r = s.Query("SELECT store_id, sku FROM recommendations"))
            {
                while (r.Read())
                {
                    var key = new SeriesKey(r.GetString(0), r.GetString(1));
                    if (partition.Contains(key) && !planned.Contains(key))
                    {
                        stale.Add(key);
                    }
                }
            }
            foreach (SeriesKey key in stale)
            {
                s.Execute("DELETE FROM recommendations WHERE store_id = @s AND sku = @k", ("@s", key.StoreId), ("@k", key.Sku));
            }
            long at = CloudDatabase.Ms(now);
            for (int i = 0; i < outcomes.Length; i++)
            {
                BatchOutcome o = outcomes[i];
                var m = meta[i];
                if (o.Fallback is not null)
                {
                    fallbacks++;
                }
                if (i > 0 && i % WriteChunk == 0)
                {
                    // Commit in chunks: on SQLite a run's write must not hold the one write lock ingest needs for seconds.
                    s.Commit();
                    s.Dispose();
                    s = SqlSession.BeginAsync(_database).GetAwaiter().GetResult();
                }
                (double low, double high) = o.MeanInterval(_options.IntervalLevel);
                ReorderRecommendation r = o.Recommendation;
                s.Execute("""
                INSERT INTO recommendations (store_id, sku, run_id, computed_at, demand_source, method, fallback, history_days, censored_days, horizon_days,
                    forecast_per_day, forecast_low, forecast_high, interval_level, on_hand, stockout_date, reorder_point, safety_stock, order_up_to, order_quantity,
                    pack_size, lead_time_days, service_level)
                VALUES (@s, @k, @run, @at, @src, @m, @fb, @hd, @cd, @h, @f, @lo, @hi, @il, @oh, @so, @rop, @ss, @upto, @q, @pack, @lt, @sl)
                ON CONFLICT (store_id, sku) DO UPDATE SET run_id = excluded.run_id, computed_at = excluded.computed_at, demand_source = excluded.demand_source,
                    method = excluded.method, fallback = excluded.fallback, history_days = excluded.history_days, censored_days = excluded.censored_days,
                    horizon_days = excluded.horizon_days, forecast_per_day = excluded.forecast_per_day, forecast_low = excluded.forecast_low,
                    forecast_high = excluded.forecast_high, interval_level = excluded.interval_level, on_hand = excluded.on_hand,
                    stockout_date = excluded.stockout_date, reorder_point = excluded.reorder_point, safety_stock = excluded.safety_stock,
                    order_up_to = excluded.order_up_to, order_quantity = excluded.order_quantity, pack_size = excluded.pack_size,
                    lead_time_days = excluded.lead_time_days, service_level = excluded.service_level
                """,
                    ("@s", o.Key.StoreId), ("@k", o.Key.Sku), ("@run", runId), ("@at", at), ("@src", m.Source), ("@m", o.Method), ("@fb", o.Fallback),
                    ("@hd", m.HistoryDays), ("@cd", m.Censored), ("@h", o.Forecast.Length), ("@f", Finite(o.MeanPerDay)), ("@lo", Finite(low)), ("@hi", Finite(high)),
                    ("@il", _options.IntervalLevel), ("@oh", o.OnHand), ("@so", o.StockoutDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    ("@rop", Finite(r.ReorderPoint)), ("@ss", Finite(r.SafetyStock)), ("@upto", Finite(r.OrderUpTo)),
                    ("@q", Finite(ReplenishmentPlanner.RoundUpToPack(r.OrderQuantity, m.Parameters.PackSize))), ("@pack", m.Parameters.PackSize),
                    ("@lt", m.Parameters.LeadTimeDays), ("@sl", m.Parameters.ServiceLevel));
            }
            s.Commit();
        }
        finally
        {
            s.Dispose();
        }
        return fallbacks;
    }

    private static void AddShelf(Dictionary<SeriesKey, DailyDemand> shelf, List<ShelfCount> counts, StoreCalendar calendar, DateOnly firstDay, DateOnly asOf)
    {
        if (counts.Count == 0)
        {
            return;
        }
        foreach ((SeriesKey key, DailyDemand demand) in DemandSignal.FromShelfCounts(counts, null, calendar, firstDay, asOf))
        {
            if (!shelf.TryGetValue(key, out DailyDemand? total))
            {
                shelf[key] = demand;
                continue;
            }
            // Another shelf of the same SKU: the store's demand is the sum, known only where every shelf's is.
            for (int t = 0; t < total.Days; t++)
            {
                if (total.Status[t] == DayStatus.Missing || demand.Status[t] == DayStatus.Missing)
                {
                    total.Status[t] = DayStatus.Missing;
                }
                total.Quantity[t] += demand.Quantity[t];
            }
        }
    }

    /// <summary>Each store's IANA zone where it has a valid one; UTC otherwise.</summary>
    private static StoreCalendar ReadCalendar(SqlSession s)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        using DbDataReader r = s.Query("SELECT store_id, time_zone FROM stores WHERE time_zone IS NOT NULL AND time_zone <> ''");
        while (r.Read())
        {
            if (TimeZoneInfo.TryFindSystemTimeZoneById(r.GetString(1), out _))
            {
                zones[r.GetString(0)] = r.GetString(1);
            }
        }
        return StoreCalendar.Create(zones, "UTC");
    }

    // An unreachable service target gives an infinite level; stored as the largest finite number rather than failing the write.
    private static double Finite(double value) => double.IsNaN(value) ? 0 : double.IsFinite(value) ? value : double.MaxValue;
}
