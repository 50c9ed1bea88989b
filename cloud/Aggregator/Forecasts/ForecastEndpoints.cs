using System.Data.Common;
using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeInventory.Cloud.Forecasts;

/// <summary>One store × SKU's latest forecast and reorder recommendation, as the API serves it.</summary>
/// <param name="ForecastPerDay">Mean forecast demand per day over the horizon; <paramref name="ForecastLow"/>..<paramref name="ForecastHigh"/> its interval at <paramref name="IntervalLevel"/>.</param>
/// <param name="PredictedStockoutDate">The first day cumulative forecast demand exceeds the stock on hand (today when there is none); null beyond the horizon.</param>
/// <param name="ReorderNow">Stock on hand at or below the reorder point.</param>
/// <param name="DemandSource"><c>pos</c>, <c>shelfCounts</c> or <c>none</c>.</param>
public sealed record Recommendation(string StoreId, string Sku, double ForecastPerDay, double ForecastLow, double ForecastHigh, double IntervalLevel, int HorizonDays,
    string? PredictedStockoutDate, double OnHand, double ReorderPoint, double SafetyStock, double OrderUpTo, double OrderQuantity, int PackSize,
    double LeadTimeDays, double ServiceLevel, bool ReorderNow, string Method, string? Fallback, string DemandSource, int HistoryDays, int CensoredDays,
    DateTimeOffset ComputedAt, string RunId);

/// <summary>
/// <c>/api/v1</c> endpoints of the forecast: the two CSV imports (admin), a run by hand (admin) and the recommendations,
/// filtered by the key's stores like every other list.
/// </summary>
public static class ForecastEndpoints
{
    private const int MaxLimit = 100_000;

    public static void MapForecastApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/recommendations", ListAsync)
            .WithSummary("Forecasts and reorder recommendations per store × SKU, soonest predicted stock-out first (JSON, or CSV with ?format=csv / Accept: text/csv)");

        api.MapPost("/pos-sales", ImportPosSalesAsync)
            .WithSummary("Import POS sales (CSV store_id,sku,timestamp,quantity); the forecast then uses them instead of shelf-count depletion (admin)");

        api.MapPost("/sku-parameters", ImportSkuParametersAsync)
            .WithSummary("Import lead times, service levels and pack sizes (CSV sku,lead_time_days[,store_id,lead_time_sd_days,review_period_days,service_level,pack_size]) (admin)");

        api.MapPost("/forecast-runs", async (string? partition, HttpContext http, ForecastRunner runner, CancellationToken ct) =>
        {
            if (!ApiEndpoints.Caller(http).IsAdmin)
            {
                return ApiEndpoints.Forbidden(http, "starting a forecast run needs an admin key");
            }
            SeriesPartition part;
            try
            {
                part = partition is null ? SeriesPartition.All : SeriesPartition.Parse(partition);
            }
            catch (ArgumentException e)
            {
                return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", ForecastRunner.Reason(e));
            }
            ForecastRunSummary summary = await runner.RunAsync(part, "api:" + ApiEndpoints.Caller(http).Name, cancellationToken: ct).ConfigureAwait(false);
            return Results.Ok(summary);
        }).WithSummary("Run the forecast now over every series (or ?partition=i/N) and wait for it (admin)");
    }

    private static async Task<IResult> ListAsync(string? store, string? sku, string? format, int? limit, HttpContext http, CloudDatabase db, CancellationToken ct)
    {
        ApiCaller caller = ApiEndpoints.Caller(http);
        if (store is not null && !caller.MaySee(store))
        {
            return ApiEndpoints.NotFound(http, $"store '{store}'");
        }
        if (format is not null && format is not ("json" or "csv"))
        {
            return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", $"format '{format}' is not json or csv");
        }
        if (limit is < 1 or > MaxLimit)
        {
            return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", $"limit must be 1..{MaxLimit}");
        }
        bool csv = format == "csv" || (format is null && http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)));
        List<Recommendation> rows = await QueryAsync(db, store, sku, caller.Stores, limit ?? MaxLimit, ct).ConfigureAwait(false);
        return csv ? Results.Text(ToCsv(rows), "text/csv; charset=utf-8") : Results.Ok(rows);
    }

    /// <summary>The latest recommendations, soonest stock-out first; <paramref name="scope"/> (a key's stores, null for all) applies when no store is named.</summary>
    internal static async Task<List<Recommendation>> QueryAsync(CloudDatabase db, string? store, string? sku, IReadOnlySet<string>? scope, int limit, CancellationToken ct)
    {
        var sql = new StringBuilder("""
            SELECT store_id, sku, forecast_per_day, forecast_low, forecast_high, interval_level, horizon_days, stockout_date, on_hand,
                reorder_point, safety_stock, order_up_to, order_quantity, pack_size, lead_time_days, service_level, method, fallback,
                demand_source, history_days, censored_days, computed_at, run_id
            FROM recommendations WHERE 1 = 1
            """);
        var parameters = new List<(string, object?)>();
        if (store is not null)
        {
            sql.Append(" AND store_id = @store");
            parameters.Add(("@store", store));
        }
        if (sku is not null)
        {
            sql.Append(" AND sku = @sku");
            parameters.Add(("@sku", sku));
        }
        if (store is null && scope is not null)
        {
            // A scoped key: only its stores, filtered in SQL so another store's rows never leave the database.
            var names = scope.Select((s, i) => (Name: "@scope" + i.ToString(CultureInfo.InvariantCulture), Store: s)).ToList();
            sql.Append(" AND store_id IN (").Append(string.Join(", ", names.Select(n => n.Name))).Append(')');
            parameters.AddRange(names.Select(n => (n.Name, (object?)n.Store)));
        }
        // Soonest stock-out first; no stock-out within the horizon last (the same order on SQLite and PostgreSQL).
        sql.Append(" ORDER BY CASE WHEN stockout_date IS NULL THEN 1 ELSE 0 END, stockout_date, store_id, sku LIMIT @limit");
        parameters.Add(("@limit", limit));

        var rows = new List<Recommendation>();
        using (SqlSession s = await SqlSession.BeginReadAsync(db, ct).ConfigureAwait(false))
        using (DbDataReader r = s.Query(sql.ToString(), [.. parameters]))
        {
            while (r.Read())
            {
                double onHand = r.GetDouble(8), reorderPoint = r.GetDouble(9);
                rows.Add(new Recommendation(r.GetString(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5),
                    Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture), CloudDatabase.StringOrNull(r, 7), onHand, reorderPoint, r.GetDouble(10),
                    r.GetDouble(11), r.GetDouble(12), Convert.ToInt32(r.GetValue(13), CultureInfo.InvariantCulture), r.GetDouble(14), r.GetDouble(15),
                    onHand <= reorderPoint, r.GetString(16), CloudDatabase.StringOrNull(r, 17), r.GetString(18),
                    Convert.ToInt32(r.GetValue(19), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(20), CultureInfo.InvariantCulture),
                    CloudDatabase.Time(r.GetInt64(21)), r.GetString(22)));
            }
        }
        return rows;
    }

    private static readonly string CsvHeader = "store_id,sku,forecast_per_day,forecast_low,forecast_high,interval_level,horizon_days,predicted_stockout_date,on_hand,"
        + "reorder_point,safety_stock,order_up_to,order_quantity,pack_size,lead_time_days,service_level,reorder_now,method,fallback,demand_source,"
        + "history_days,censored_days,computed_at,run_id";

    internal static string ToCsv(IEnumerable<Recommendation> rows)
    {
        var b = new StringBuilder(CsvHeader).Append('\n');
        foreach (Recommendation r in rows)
        {
            b.AppendJoin(',', [Csv(r.StoreId), Csv(r.Sku), N(r.ForecastPerDay), N(r.ForecastLow), N(r.ForecastHigh), N(r.IntervalLevel), N(r.HorizonDays),
                r.PredictedStockoutDate ?? "", N(r.OnHand), N(r.ReorderPoint), N(r.SafetyStock), N(r.OrderUpTo), N(r.OrderQuantity), N(r.PackSize),
                N(r.LeadTimeDays), N(r.ServiceLevel), r.ReorderNow ? "true" : "false", Csv(r.Method), Csv(r.Fallback ?? ""), r.DemandSource,
                N(r.HistoryDays), N(r.CensoredDays), r.ComputedAt.ToString("O", CultureInfo.InvariantCulture), r.RunId]).Append('\n');
        }
        return b.ToString();
    }

    private static string N(double v) => Math.Round(v, 4).ToString("R", CultureInfo.InvariantCulture);

    // Quoted when needed; a leading formula character is neutralised so a spreadsheet does not run it.
    private static string Csv(string v)
    {
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@')
        {
            v = "'" + v;
        }
        return v.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }

    private static async Task<string> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }

    private static async Task<IResult> ImportPosSalesAsync(HttpContext http, CloudDatabase db, TimeProvider clock, CancellationToken ct)
    {
        ApiCaller caller = ApiEndpoints.Caller(http);
        if (!caller.IsAdmin)
        {
            return ApiEndpoints.Forbidden(http, "importing POS sales needs an admin key");
        }
        Dictionary<(string Store, string Sku, long SoldAt), double> sales;
        try
        {
            sales = ForecastImports.ParsePosSales(await ReadBodyAsync(http, ct).ConfigureAwait(false));
        }
        catch (ForecastImportException e)
        {
            return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", e.Message);
        }
        if (sales.Keys.Select(k => k.Store).FirstOrDefault(s => !caller.MaySee(s)) is { } other)
        {
            return ApiEndpoints.NotFound(http, $"store '{other}'");
        }
        long now = CloudDatabase.Ms(clock.GetUtcNow());
        using (SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false))
        {
            foreach (((string store, string sku, long soldAt), double quantity) in sales)
            {
                s.Execute("""
                    INSERT INTO pos_sales (store_id, sku, sold_at, quantity, imported_at) VALUES (@s, @k, @t, @q, @i)
                    ON CONFLICT (store_id, sku, sold_at) DO UPDATE SET quantity = excluded.quantity, imported_at = excluded.imported_at
                    """, ("@s", store), ("@k", sku), ("@t", soldAt), ("@q", quantity), ("@i", now));
            }
            s.Commit();
        }
        return Results.Ok(new { rows = sales.Count, stores = sales.Keys.Select(k => k.Store).Distinct().Count(), series = sales.Keys.Select(k => (k.Store, k.Sku)).Distinct().Count() });
    }

    private static async Task<IResult> ImportSkuParametersAsync(HttpContext http, CloudDatabase db, CloudOptions options, TimeProvider clock, CancellationToken ct)
    {
        ApiCaller caller = ApiEndpoints.Caller(http);
        if (!caller.IsAdmin)
        {
            return ApiEndpoints.Forbidden(http, "importing SKU parameters needs an admin key");
        }
        Dictionary<SeriesKey, SkuParameters> rows;
        try
        {
            rows = ForecastImports.ParseSkuParameters(await ReadBodyAsync(http, ct).ConfigureAwait(false), options.Forecasts);
        }
        catch (ForecastImportException e)
        {
            return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", e.Message);
        }
        if (rows.Keys.FirstOrDefault(k => k.StoreId == "*" ? caller.Stores is not null : !caller.MaySee(k.StoreId)) is { StoreId: not null } other)
        {
            return ApiEndpoints.NotFound(http, $"store '{other.StoreId}'");
        }
        long now = CloudDatabase.Ms(clock.GetUtcNow());
        using (SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false))
        {
            foreach ((SeriesKey key, SkuParameters p) in rows)
            {
                s.Execute("""
                    INSERT INTO sku_parameters (store_id, sku, lead_time_days, lead_time_sd_days, review_period_days, service_level, pack_size, updated_at)
                    VALUES (@s, @k, @lt, @sd, @r, @sl, @p, @t)
                    ON CONFLICT (store_id, sku) DO UPDATE SET lead_time_days = excluded.lead_time_days, lead_time_sd_days = excluded.lead_time_sd_days,
                        review_period_days = excluded.review_period_days, service_level = excluded.service_level, pack_size = excluded.pack_size,
                        updated_at = excluded.updated_at
                    """, ("@s", key.StoreId), ("@k", key.Sku), ("@lt", p.LeadTimeDays), ("@sd", p.LeadTimeStdDevDays), ("@r", p.ReviewPeriodDays),
                    ("@sl", p.ServiceLevel), ("@p", p.PackSize), ("@t", now));
            }
            s.Commit();
        }
        return Results.Ok(new { rows = rows.Count });
    }
}
