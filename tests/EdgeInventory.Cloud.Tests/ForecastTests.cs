using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeInventory.Cloud.Forecasts;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Cloud.Tests;

/// <summary>The forecast over the aggregator's stored history, run once on SQLite and once on PostgreSQL (the derived classes).</summary>
public abstract class ForecastTests
{
    protected abstract string? Postgres { get; }

    private static readonly DateTimeOffset Today = new(DateOnly.FromDateTime(DateTime.UtcNow).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>
    /// Shelf counts of one store × SKU every 6 hours over the last <paramref name="days"/> whole days, from
    /// <paramref name="units"/> (a function of the time in days since the first count), and the zone's latest count.
    /// </summary>
    private static void SeedShelf(SqlSession s, string store, string sku, int days, Func<double, int> units, string location = "A1/B1/S1")
    {
        DateTimeOffset start = Today.AddDays(-days);
        s.Execute("INSERT INTO stores (store_id, first_seen, last_seen) VALUES (@s, @t, @t) ON CONFLICT (store_id) DO NOTHING", ("@s", store), ("@t", CloudDatabase.Ms(start)));
        string loc = $"{store}/{location}";
        int last = 0;
        for (int q = 0; q <= days * 4; q++)
        {
            double t = q / 4.0;
            last = units(t);
            s.Execute("""
                INSERT INTO count_history (store_id, location_id, sku, observed_at, facings, units, empty_fraction, occluded, event_id)
                VALUES (@s, @l, @k, @t, @f, @u, 0, 0, @e)
                """, ("@s", store), ("@l", loc), ("@k", sku), ("@t", CloudDatabase.Ms(start.AddDays(t))), ("@f", Math.Min(last, 6)), ("@u", last), ("@e", Guid.NewGuid().ToString()));
        }
        s.Execute("""
            INSERT INTO zones (store_id, location_id, sku, zone_id, camera_id, device_id, facings, units, observed_at)
            VALUES (@s, @l, @k, @z, 'cam-1', 'edge-01', 1, @u, @t)
            ON CONFLICT (store_id, location_id, sku) DO UPDATE SET units = excluded.units, observed_at = excluded.observed_at
            """, ("@s", store), ("@l", loc), ("@k", sku), ("@z", "z-" + location), ("@u", last), ("@t", CloudDatabase.Ms(Today)));
    }

    /// <summary>An ended outOfStock discrepancy the cameras reported for [from, to).</summary>
    private static void SeedStockOut(SqlSession s, string store, string sku, DateTimeOffset from, DateTimeOffset to, string location = "A1/B1/S1")
    {
        s.Execute("""
            INSERT INTO discrepancies (discrepancy_id, store_id, device_id, camera_id, zone_id, location_id, sku, kind, severity, state,
                started_at, ended_at, last_event_at, updated_at)
            VALUES (@id, @s, 'edge-01', 'cam-1', @z, @l, @k, 'outOfStock', 'warning', 'ended', @from, @to, @to, @to)
            """, ("@id", Guid.NewGuid().ToString()), ("@s", store), ("@z", "z-" + location), ("@l", $"{store}/{location}"), ("@k", sku),
            ("@from", CloudDatabase.Ms(from)), ("@to", CloudDatabase.Ms(to)));
    }

    private static async Task SeedAsync(CloudTestSystem system, Action<SqlSession> seed)
    {
        using SqlSession s = await SqlSession.BeginAsync(system.App.Services.GetRequiredService<CloudDatabase>());
        seed(s);
        s.Commit();
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, string? csv, HttpStatusCode expected)
    {
        using var content = new StringContent(csv ?? "", Encoding.UTF8, "text/csv");
        using HttpResponseMessage response = await http.PostAsync(path, content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static double ForecastOf(JsonElement list, string store, string sku) =>
        list.EnumerateArray().Single(r => r.GetProperty("storeId").GetString() == store && r.GetProperty("sku").GetString() == sku).GetProperty("forecastPerDay").GetDouble();

    [Fact]
    public async Task A_run_over_stored_shelf_counts_and_POS_sales_gives_recommendations_in_JSON_and_CSV_sorted_by_predicted_stockout()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        await SeedAsync(system, s =>
        {
            // 10 units a day from 600: 160 left, 16 days of stock. 30 a day from 1,515: 75 left, out the day after tomorrow. 3 a day from 300: no stock-out in 28 days.
            SeedShelf(s, "s001", "SLOW", 44, t => (int)Math.Round(600 - 10 * t));
            SeedShelf(s, "s001", "FAST", 48, t => (int)Math.Round(1515 - 30 * t));
            SeedShelf(s, "s002", "STEADY", 44, t => (int)Math.Round(300 - 3 * t));
        });
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);
        // POS sales for s002/POS: 5 a day at noon for 30 days; the forecast must use them (the shelf has no history).
        var pos = new StringBuilder("store_id,sku,timestamp,quantity\n");
        for (int d = 30; d >= 1; d--)
        {
            pos.Append(CultureInfo.InvariantCulture, $"s002,POS,{Today.AddDays(-d).AddHours(12):yyyy-MM-ddTHH:mm:ssZ},5\n");
        }
        JsonElement imported = await PostAsync(admin, "/api/v1/pos-sales", pos.ToString(), HttpStatusCode.OK);
        Assert.Equal(30, imported.GetProperty("rows").GetInt32());
        await PostAsync(admin, "/api/v1/sku-parameters", "sku,lead_time_days,service_level,pack_size\nFAST,3,0.98,24\n", HttpStatusCode.OK);

        JsonElement run = await PostAsync(admin, "/api/v1/forecast-runs", null, HttpStatusCode.OK);
        Assert.Equal(4, run.GetProperty("series").GetInt32());
        Assert.Equal(1, run.GetProperty("fromSales").GetInt32());

        using HttpClient headOffice = system.Http(CloudTestSystem.HeadOfficeKey);
        JsonElement all = await GetJsonAsync(headOffice, "/api/v1/recommendations");
        // POS has no shelf stock (out today), FAST runs out in 2 days, SLOW in 16, STEADY not within the horizon.
        Assert.Equal(["POS", "FAST", "SLOW", "STEADY"], all.EnumerateArray().Select(r => r.GetProperty("sku").GetString()!));
        JsonElement fast = all[1];
        Assert.Equal(30, fast.GetProperty("forecastPerDay").GetDouble(), 1.0);
        Assert.True(fast.GetProperty("forecastLow").GetDouble() <= 30 && fast.GetProperty("forecastHigh").GetDouble() >= 30);
        Assert.Equal(DateOnly.FromDateTime(Today.UtcDateTime).AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), fast.GetProperty("predictedStockoutDate").GetString());
        Assert.Equal(24, fast.GetProperty("packSize").GetInt32());
        double quantity = fast.GetProperty("orderQuantity").GetDouble();
        Assert.True(quantity > 0 && quantity % 24 == 0, $"order quantity {quantity} is not whole packs of 24");
        Assert.True(fast.GetProperty("orderUpTo").GetDouble() > fast.GetProperty("reorderPoint").GetDouble());
        Assert.True(fast.GetProperty("safetyStock").GetDouble() >= 0); // a perfectly steady depletion has no variance to cover
        Assert.True(fast.GetProperty("reorderNow").GetBoolean());
        Assert.Equal("daily", fast.GetProperty("method").GetString());
        Assert.Equal("shelfCounts", fast.GetProperty("demandSource").GetString());
        Assert.Equal(10, ForecastOf(all, "s001", "SLOW"), 0.5);
        Assert.Equal(3, ForecastOf(all, "s002", "STEADY"), 0.3);
        JsonElement posRow = all.EnumerateArray().Single(r => r.GetProperty("sku").GetString() == "POS");
        Assert.Equal("pos", posRow.GetProperty("demandSource").GetString());
        Assert.Equal(5, posRow.GetProperty("forecastPerDay").GetDouble(), 0.3);
        Assert.Equal(JsonValueKind.Null, all.EnumerateArray().Single(r => r.GetProperty("sku").GetString() == "STEADY").GetProperty("predictedStockoutDate").ValueKind);

        JsonElement filtered = await GetJsonAsync(headOffice, "/api/v1/recommendations?store=s001&sku=SLOW");
        Assert.Equal(1, filtered.GetArrayLength());

        string csv = await headOffice.GetStringAsync("/api/v1/recommendations?format=csv");
        string[] lines = csv.TrimEnd('\n').Split('\n');
        Assert.StartsWith("store_id,sku,forecast_per_day,forecast_low,forecast_high,", lines[0], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("s002,POS,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("s001,FAST,", lines[2], StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/recommendations?store=s001");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using HttpResponseMessage response = await headOffice.SendAsync(request);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task Censored_days_are_excluded_a_stock_out_week_gives_a_higher_forecast_than_with_zeros_kept()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        // 10 a day for 35 days, then the shelf is empty for the last week (the cameras saw it) until today.
        await SeedAsync(system, s =>
        {
            SeedShelf(s, "s001", "GONE", 42, t => (int)Math.Round(Math.Max(0, 350 - 10 * t)));
            SeedStockOut(s, "s001", "GONE", Today.AddDays(-7), Today);
        });
        ForecastRunner runner = system.App.Services.GetRequiredService<ForecastRunner>();
        using HttpClient http = system.Http(CloudTestSystem.HeadOfficeKey);

        ForecastRunSummary kept = await runner.RunAsync(SeriesPartition.All, "test", CensoredDemandTreatment.Keep);
        Assert.Equal(7, kept.CensoredDays);
        double withZeros = ForecastOf(await GetJsonAsync(http, "/api/v1/recommendations"), "s001", "GONE");
        await runner.RunAsync(SeriesPartition.All, "test", CensoredDemandTreatment.Exclude);
        JsonElement excludedList = await GetJsonAsync(http, "/api/v1/recommendations");
        double excluded = ForecastOf(excludedList, "s001", "GONE");
        await runner.RunAsync(SeriesPartition.All, "test"); // the configured treatment (impute)
        double imputed = ForecastOf(await GetJsonAsync(http, "/api/v1/recommendations"), "s001", "GONE");

        Assert.True(withZeros < 5, $"with the zeros kept the forecast learns the empty shelf: {withZeros}");
        Assert.True(excluded > withZeros + 4, $"excluded {excluded} vs kept {withZeros}");
        Assert.Equal(10, excluded, 1.0);
        Assert.Equal(10, imputed, 1.0);
        JsonElement row = excludedList[0];
        Assert.Equal(7, row.GetProperty("censoredDays").GetInt32());
        Assert.Equal(DateOnly.FromDateTime(Today.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row.GetProperty("predictedStockoutDate").GetString());
    }

    [Fact]
    public async Task A_store_scoped_key_sees_only_its_stores_recommendations()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        await SeedAsync(system, s =>
        {
            SeedShelf(s, "s001", "A", 20, t => (int)Math.Round(400 - 5 * t));
            SeedShelf(s, "s002", "A", 20, t => (int)Math.Round(400 - 5 * t));
            SeedShelf(s, "s002", "B", 20, t => (int)Math.Round(400 - 8 * t));
        });
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);
        await PostAsync(admin, "/api/v1/forecast-runs", null, HttpStatusCode.OK);
        using HttpClient op = system.Http(CloudTestSystem.OperatorKey);
        JsonElement mine = await GetJsonAsync(op, "/api/v1/recommendations");
        Assert.Equal(["s001"], mine.EnumerateArray().Select(r => r.GetProperty("storeId").GetString()).Distinct());
        Assert.Equal(1, mine.GetArrayLength());
        string csv = await op.GetStringAsync("/api/v1/recommendations?format=csv");
        Assert.DoesNotContain("s002", csv, StringComparison.Ordinal);
        using HttpResponseMessage other = await op.GetAsync("/api/v1/recommendations?store=s002");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        // The operator may read but not start runs or import.
        await PostAsync(op, "/api/v1/forecast-runs", null, HttpStatusCode.Forbidden);
        await PostAsync(op, "/api/v1/pos-sales", "store_id,sku,timestamp,quantity\ns001,A,2026-01-01T10:00:00Z,1\n", HttpStatusCode.Forbidden);
        using HttpClient headOffice = system.Http(CloudTestSystem.HeadOfficeKey);
        Assert.Equal(3, (await GetJsonAsync(headOffice, "/api/v1/recommendations")).GetArrayLength());
    }

    [Fact]
    public async Task Partitioned_workers_together_produce_each_series_exactly_once()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        const int Skus = 30;
        await SeedAsync(system, s =>
        {
            for (int i = 0; i < Skus; i++)
            {
                int rate = 1 + (i % 7);
                SeedShelf(s, i % 2 == 0 ? "s001" : "s002", $"SKU{i:D3}", 14, t => (int)Math.Round(500 - rate * t));
            }
        });
        // Worker 0 of 3 through the aggregator's own command line, the others through the API, all into the same database.
        string config = Path.Combine(system.Folder, "forecast-worker.json");
        var database = new Dictionary<string, object?> { ["Provider"] = Postgres is null ? "Sqlite" : "Postgres" };
        if (Postgres is not null)
        {
            database["ConnectionString"] = system.App.Services.GetRequiredService<Configuration.CloudOptions>().Database.ConnectionString;
        }
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { Cloud = new { StateDirectory = system.Folder, Database = database } }));
        Assert.Equal(0, await CloudHost.RunAsync(["forecast", "--partition", "0/3", "--config", config]));
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);
        int planned = (await PostAsync(admin, "/api/v1/forecast-runs?partition=1/3", null, HttpStatusCode.OK)).GetProperty("series").GetInt32()
            + (await PostAsync(admin, "/api/v1/forecast-runs?partition=2/3", null, HttpStatusCode.OK)).GetProperty("series").GetInt32();
        await PostAsync(admin, "/api/v1/forecast-runs?partition=3/3", null, HttpStatusCode.BadRequest);

        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        using SqlSession s = await SqlSession.BeginReadAsync(db);
        var runs = new Dictionary<string, (string Partition, long Series)>();
        using (var r = s.Query("SELECT run_id, partition_spec, series FROM forecast_runs"))
        {
            while (r.Read())
            {
                runs[r.GetString(0)] = (r.GetString(1), r.GetInt64(2));
            }
        }
        Assert.Equal(["0/3", "1/3", "2/3"], runs.Values.Select(v => v.Partition).Order(StringComparer.Ordinal));
        Assert.Equal(Skus, runs.Values.Sum(v => v.Series));
        Assert.Equal(Skus, planned + runs.Values.Single(v => v.Partition == "0/3").Series);
        Assert.True(runs.Values.All(v => v.Series > 0), "every worker had some series");
        var seen = new List<(string Store, string Sku, string Partition)>();
        using (var r = s.Query("SELECT store_id, sku, run_id FROM recommendations"))
        {
            while (r.Read())
            {
                seen.Add((r.GetString(0), r.GetString(1), runs[r.GetString(2)].Partition));
            }
        }
        Assert.Equal(Skus, seen.Count);
        Assert.Equal(Skus, seen.Select(x => (x.Store, x.Sku)).Distinct().Count());
        Assert.All(seen, x => Assert.True(SeriesPartition.Parse(x.Partition).Contains(new SeriesKey(x.Store, x.Sku)), $"{x.Store}/{x.Sku} written by worker {x.Partition}"));
    }

    [Fact]
    public async Task Bad_CSV_imports_are_refused_with_400_naming_the_line_and_nothing_is_half_applied()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(Postgres);
        using HttpClient admin = system.Http(CloudTestSystem.AdminKey);

        JsonElement p = await PostAsync(admin, "/api/v1/pos-sales",
            "store_id,sku,timestamp,quantity\ns001,A,2026-01-01T10:00:00Z,3\n\ns001,B,2026-01-01 10:00,2\n", HttpStatusCode.BadRequest);
        Assert.Contains("line 4", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await PostAsync(admin, "/api/v1/pos-sales", "store_id,sku,timestamp,quantity\ns001,A,2026-01-01T10:00:00Z,3\ns 001,A,2026-01-01T11:00:00Z,1\n", HttpStatusCode.BadRequest);
        Assert.Contains("line 3", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await PostAsync(admin, "/api/v1/pos-sales", "store,sku,timestamp,quantity\n", HttpStatusCode.BadRequest);
        Assert.Contains("store_id", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(system, "SELECT COUNT(*) FROM pos_sales"));

        p = await PostAsync(admin, "/api/v1/sku-parameters",
            "store_id,sku,lead_time_days,service_level,pack_size\n,A,5,0.95,6\ns001,B,2,0.9,12\ns001,C,4,0.97,2.5\n", HttpStatusCode.BadRequest);
        Assert.Contains("line 4", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("pack_size", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await PostAsync(admin, "/api/v1/sku-parameters", "sku,lead_time_days,service_level\nA,5,1.5\n", HttpStatusCode.BadRequest);
        Assert.Contains("line 2", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await PostAsync(admin, "/api/v1/sku-parameters", "sku,service_level\nA,0.9\n", HttpStatusCode.BadRequest);
        Assert.Contains("line 1", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(system, "SELECT COUNT(*) FROM sku_parameters"));

        // The same good file twice is stored once (sales at one instant are summed, then replaced on re-import).
        const string Good = "store_id,sku,timestamp,quantity\ns001,A,2026-01-01T10:00:00Z,3\ns001,A,2026-01-01T10:00:00Z,2\n";
        await PostAsync(admin, "/api/v1/pos-sales", Good, HttpStatusCode.OK);
        await PostAsync(admin, "/api/v1/pos-sales", Good, HttpStatusCode.OK);
        Assert.Equal(5, await CountAsync(system, "SELECT CAST(SUM(quantity) AS BIGINT) FROM pos_sales"));
    }

    private static async Task<long> CountAsync(CloudTestSystem system, string sql)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(system.App.Services.GetRequiredService<CloudDatabase>());
        return s.ScalarLong(sql) ?? 0;
    }
}

public sealed class SqliteForecastTests : ForecastTests
{
    protected override string? Postgres => null;
}

/// <summary>One PostgreSQL server for the class; each test gets a database of its own.</summary>
public sealed class PostgresForecastTests : ForecastTests, IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;

    public PostgresForecastTests(PostgresFixture fixture)
    {
        _fixture = fixture;
    }

    protected override string? Postgres => _fixture.Server.ConnectionString;
}

public class ForecastConfigurationTests
{
    [Theory]
    [InlineData("Cloud:Forecasts:Partition", "3/3", "Cloud:Forecasts:Partition: partition '3/3' is not i/N")]
    [InlineData("Cloud:Forecasts:Method", "magic", "Cloud:Forecasts:Method: unknown forecasting method 'magic'")]
    [InlineData("Cloud:Forecasts:Horizon", "0", "Cloud:Forecasts:Horizon: 0 is outside 1..366")]
    [InlineData("Cloud:Forecasts:ServiceLevel", "1", "Cloud:Forecasts:ServiceLevel: 1 is outside (0.5, 1)")]
    [InlineData("Cloud:Forecasts:Censored", "Drop", "Cloud:Forecasts:Censored: 'Drop' is not one of Keep, Exclude, Interpolate, Impute")]
    [InlineData("Cloud:Forecasts:Intervall", "1.00:00:00", "Cloud:Forecasts:Intervall: unknown key")]
    public void Bad_forecast_configuration_is_refused_naming_the_key(string key, string value, string expected)
    {
        var e = Assert.Throws<Configuration.CloudConfigurationException>(() => Configuration.CloudConfiguration.Load(
            new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build(), Path.GetTempPath()));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
