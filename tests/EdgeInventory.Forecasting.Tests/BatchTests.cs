using System.Data.Common;
using System.Globalization;
using EdgeInventory.Forecast.Cli;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>
/// `forecast run` end to end: tables in real SQLite and PostgreSQL databases and CSV files, partitions
/// that cover every series exactly once, stock-out dates, fallbacks reported.
/// </summary>
public sealed class BatchTests : IClassFixture<PostgresServerFixture>, IDisposable
{
    private static readonly DateOnly AsOf = new(2024, 6, 30);
    private readonly string _folder = Directory.CreateTempSubdirectory("edgeinv-batch-").FullName;
    private readonly PostgresServerFixture _postgres;

    public BatchTests(PostgresServerFixture postgres)
    {
        _postgres = postgres;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Partition_hash_is_stable_and_partitions_cover_every_key_exactly_once()
    {
        // Pinned (FNV-1a of "store-1\u001fsku-1" then the 64-bit finaliser, computed independently):
        // workers built from different commits must agree on who owns a series.
        Assert.Equal(16225484475709759663UL, SeriesPartition.StableHash(new SeriesKey("store-1", "sku-1")));
        var keys = Enumerable.Range(0, 5000).Select(i => new SeriesKey($"s{i % 37}", $"sku{i}")).ToList();
        foreach (int n in new[] { 1, 3, 8 })
        {
            var owners = keys.Select(k => Enumerable.Range(0, n).Count(i => new SeriesPartition(i, n).Contains(k))).ToList();
            Assert.All(owners, o => Assert.Equal(1, o));
            if (n == 8)
            {
                var sizes = Enumerable.Range(0, n).Select(i => keys.Count(k => new SeriesPartition(i, n).Contains(k))).ToList();
                Assert.All(sizes, s => Assert.InRange(s, 500, 750)); // balanced within a few percent of 625
            }
        }
        Assert.Equal(new SeriesPartition(2, 5), SeriesPartition.Parse("2/5"));
        foreach (string bad in new[] { "5/5", "-1/4", "1", "a/b", "1/0" })
            Assert.Contains($"partition '{bad}'", Assert.Throws<ArgumentException>(() => SeriesPartition.Parse(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_batch_over_three_partitions_plans_every_series_once_and_writes_results_back()
    {
        string db = Path.Combine(_folder, "chain.sqlite");
        Assert.Equal(0, Cli(out _, "init-db", "--db", db));
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            Fill(connection);
        }
        for (int i = 0; i < 3; i++)
            Assert.Equal(0, Cli(out _, "run", "--db", db, "--partition", $"{i}/3", "--horizon", "14"));
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            CheckResults(connection);
        }
    }

    [Fact]
    public void Postgres_batch_over_two_partitions_plans_every_series_once_and_writes_results_back()
    {
        string cs = _postgres.Server.ConnectionString;
        using (var admin = new NpgsqlConnection(cs))
        {
            admin.Open();
            using var create = admin.CreateCommand();
            create.CommandText = "DROP DATABASE IF EXISTS chain; CREATE DATABASE chain";
            create.ExecuteNonQuery();
        }
        cs = cs.Replace("Database=postgres", "Database=chain", StringComparison.Ordinal);
        Assert.Equal(0, Cli(out _, "init-db", "--postgres", cs));
        using (var connection = new NpgsqlConnection(cs))
        {
            connection.Open();
            Fill(connection);
        }
        for (int i = 0; i < 2; i++)
            Assert.Equal(0, Cli(out _, "run", "--postgres", cs, "--partition", $"{i}/2", "--horizon", "14"));
        // A rerun of the same run id replaces its rows instead of duplicating them.
        Assert.Equal(0, Cli(out string rerun, "run", "--postgres", cs, "--partition", "1/2", "--horizon", "14"));
        Assert.Contains("run asof-2024-06-30", rerun, StringComparison.Ordinal);
        using (var connection = new NpgsqlConnection(cs))
        {
            connection.Open();
            CheckResults(connection);
        }
    }

    [Fact]
    public void Postgres_that_cannot_be_reached_is_a_clear_error()
    {
        int code = Cli(out string output, "run", "--postgres", "Host=127.0.0.1;Port=1;Username=x;Timeout=2");
        Assert.Equal(1, code);
        Assert.Contains("cannot connect to PostgreSQL at 127.0.0.1:1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_batch_writes_one_file_pair_per_partition_that_together_hold_every_series()
    {
        using (var demand = new StreamWriter(Path.Combine(_folder, "demand_history.csv")))
        {
            demand.WriteLine("store_id,sku,day,quantity,censored");
            foreach (var (key, day, quantity, censored) in History())
                demand.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key.StoreId},{key.Sku},{day:yyyy-MM-dd},{(quantity is { } q ? q.ToString(CultureInfo.InvariantCulture) : "NA")},{(censored ? 1 : 0)}"));
        }
        File.WriteAllLines(Path.Combine(_folder, "stock_levels.csv"), ["store_id,sku,on_hand,on_order", .. Stock().Select(s => $"{s.Key.StoreId},{s.Key.Sku},{s.OnHand},0")]);
        string output = Path.Combine(_folder, "out");
        for (int i = 0; i < 4; i++)
            Assert.Equal(0, Cli(out _, "run", "--csv", _folder, "--out", output, "--partition", $"{i}/4", "--horizon", "14"));
        var rows = Directory.GetFiles(output, "reorder_recommendations.part-*-of-4.csv").SelectMany(f => File.ReadLines(f).Skip(1)).ToList();
        var keys = rows.Select(r => string.Join(',', r.Split(',')[1..3])).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(Keys().Select(k => $"{k.StoreId},{k.Sku}").Order(), keys.Order());
        Assert.Equal(Keys().Count() * 14, Directory.GetFiles(output, "demand_forecasts.part-*-of-4.csv").Sum(f => File.ReadLines(f).Count() - 1));
    }

    [Fact]
    public void Bad_options_are_named_before_any_data_is_read()
    {
        Assert.Equal(2, Cli(out string a, "run", "--db", "x.sqlite", "--partition", "3/3"));
        Assert.Contains("partition '3/3'", a, StringComparison.Ordinal);
        Assert.Equal(2, Cli(out string b, "run", "--db", "x.sqlite", "--censored", "ignore"));
        Assert.Contains("--censored 'ignore'", b, StringComparison.Ordinal);
        Assert.Equal(1, Cli(out string c, "run", "--db", Path.Combine(_folder, "none.sqlite")));
        Assert.Contains("does not exist", c, StringComparison.Ordinal);
        Assert.Equal(1, Cli(out string d, "run", "--db", "x.sqlite", "--method", "prophet"));
        Assert.Contains("unknown forecasting method 'prophet'", d, StringComparison.Ordinal);
    }

    // 30 series in 3 stores: steady sellers, intermittent ones, one with a stock-out week, one with no
    // history at all (only stock) and one whose history is all unknown.
    private static IEnumerable<SeriesKey> Keys()
    {
        for (int s = 0; s < 3; s++)
            for (int k = 0; k < 10; k++)
                yield return new SeriesKey($"store-{s}", $"sku-{k}");
    }

    private static IEnumerable<(SeriesKey Key, DateOnly Day, double? Quantity, bool Censored)> History()
    {
        foreach (var key in Keys())
        {
            int k = int.Parse(key.Sku[4..], CultureInfo.InvariantCulture);
            if (k == 9) continue; // stocked, never sold
            for (int d = 0; d < 120; d++)
            {
                var day = AsOf.AddDays(d - 119);
                if (k == 8) { yield return (key, day, null, false); continue; }
                bool stockout = k == 1 && d >= 113;
                double quantity = k switch
                {
                    0 or 1 => stockout ? 0 : 10,
                    >= 5 => d % 9 == 0 ? 3 : 0,
                    _ => 4 + (d % 7 == 5 ? 3 : 0),
                };
                if (quantity == 0 && !stockout) continue; // a feed has no line for a day without sales
                yield return (key, day, quantity, stockout);
            }
        }
    }

    private static IEnumerable<(SeriesKey Key, double OnHand)> Stock() => Keys().Select(k => (k, k.Sku == "sku-0" ? 25.0 : 40.0));

    private static void Fill(DbConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO demand_history (store_id, sku, day, quantity, censored) VALUES (@s, @k, @d, @q, @c)";
        foreach (string name in new[] { "@s", "@k", "@d", "@q", "@c" })
        {
            var p = insert.CreateParameter();
            p.ParameterName = name;
            insert.Parameters.Add(p);
        }
        foreach (var (key, day, quantity, censored) in History())
        {
            insert.Parameters[0].Value = key.StoreId;
            insert.Parameters[1].Value = key.Sku;
            insert.Parameters[2].Value = day;
            insert.Parameters[3].Value = quantity is { } q ? q : DBNull.Value;
            insert.Parameters[4].Value = censored;
            insert.ExecuteNonQuery();
        }
        insert.CommandText = "INSERT INTO stock_levels (store_id, sku, on_hand, on_order) VALUES (@s, @k, @d, 0)";
        insert.Parameters.RemoveAt(4);
        insert.Parameters.RemoveAt(3);
        foreach (var (key, onHand) in Stock())
        {
            insert.Parameters[0].Value = key.StoreId;
            insert.Parameters[1].Value = key.Sku;
            insert.Parameters[2].Value = onHand;
            insert.ExecuteNonQuery();
        }
        insert.CommandText = "INSERT INTO replenishment_settings (store_id, sku, lead_time_days, lead_time_sd_days, review_period_days, fill_rate_target, cycle_service_level) VALUES ('*', '*', 3, 1, 7, 0.95, 0.95)";
        insert.Parameters.Clear();
        insert.ExecuteNonQuery();
        transaction.Commit();
    }

    private static void CheckResults(DbConnection connection)
    {
        var recommendations = Query(connection, "SELECT store_id, sku, forecast_per_day, CAST(stockout_date AS TEXT), fallback, order_quantity FROM reorder_recommendations");
        Assert.Equal(30, recommendations.Count);
        Assert.Equal(30, recommendations.Select(r => $"{r[0]}/{r[1]}").Distinct().Count());
        Assert.Equal(30 * 14, Convert.ToInt32(Query(connection, "SELECT COUNT(*) FROM demand_forecasts")[0][0], CultureInfo.InvariantCulture));
        var byKey = recommendations.ToDictionary(r => $"{r[0]}/{r[1]}");

        // 10 a day against 25 on hand: the third forecast day runs out.
        var steady = byKey["store-0/sku-0"];
        Assert.InRange(Convert.ToDouble(steady[2], CultureInfo.InvariantCulture), 9.9, 10.1);
        Assert.Equal("2024-07-03", steady[3]);
        // The stock-out week was imputed, not learnt as zero demand.
        Assert.InRange(Convert.ToDouble(byKey["store-1/sku-1"][2], CultureInfo.InvariantCulture), 9.5, 10.5);
        // No history, or nothing known: a reported fallback, never a failure.
        Assert.Contains("empty history", (string)byKey["store-2/sku-9"][4]!, StringComparison.Ordinal);
        Assert.Contains("no observed value", (string)byKey["store-2/sku-8"][4]!, StringComparison.Ordinal);
        Assert.All(recommendations, r => Assert.True(Convert.ToDouble(r[5], CultureInfo.InvariantCulture) >= 0));
    }

    private static List<object?[]> Query(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static int Cli(out string output, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = ForecastCommands.Run(args, stdout, stderr);
        output = stdout.ToString() + stderr;
        return code;
    }
}

/// <summary>One PostgreSQL server for the batch tests, started lazily so the tests that do not need it do not wait for it.</summary>
public sealed class PostgresServerFixture : IDisposable
{
    private readonly Lazy<PostgresServer> _server = new(() => new PostgresServer());

    public PostgresServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated) _server.Value.Dispose();
    }
}
