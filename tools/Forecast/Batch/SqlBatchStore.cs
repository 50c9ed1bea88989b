using System.Data.Common;
using System.Globalization;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EdgeInventory.Forecast.Cli.Batch;

/// <summary>
/// The batch tables over ADO.NET: SQLite (a file, the default) or PostgreSQL (a connection string). The
/// SQL is shared; dates travel as DateOnly parameters (TEXT yyyy-MM-dd in SQLite, date in PostgreSQL) and
/// are read back as text.
/// </summary>
internal sealed class SqlBatchStore : IBatchStore
{
    private readonly DbConnection _connection;

    private SqlBatchStore(DbConnection connection)
    {
        _connection = connection;
    }

    public static SqlBatchStore OpenSqlite(string path, bool create)
    {
        if (!create && !File.Exists(path))
            throw new FileNotFoundException($"SQLite database '{path}' does not exist (create it with 'forecast init-db --db {path}')", path);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return new SqlBatchStore(connection);
    }

    public static SqlBatchStore OpenPostgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"PostgreSQL connection string is not valid: {ex.Message}", nameof(connectionString), ex);
        }
        var connection = new NpgsqlConnection(builder.ToString());
        try
        {
            connection.Open();
        }
        catch (NpgsqlException ex)
        {
            connection.Dispose();
            throw new InvalidDataException($"cannot connect to PostgreSQL at {builder.Host}:{builder.Port} database '{builder.Database}': {ex.Message}", ex);
        }
        return new SqlBatchStore(connection);
    }

    public DbConnection Connection => _connection;

    public void CreateSchema()
    {
        foreach (string sql in BatchSchema.CreateStatements)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    public IEnumerable<DemandRow> ReadDemand()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT store_id, sku, CAST(day AS TEXT), quantity, CASE WHEN censored THEN 1 ELSE 0 END FROM demand_history";
        using var reader = Execute(command, "demand_history");
        while (reader.Read())
        {
            string dayText = reader.GetString(2);
            if (!DateOnly.TryParseExact(dayText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                throw new InvalidDataException($"demand_history: day '{dayText}' of {reader.GetString(0)}/{reader.GetString(1)} is not yyyy-MM-dd");
            double? quantity = reader.IsDBNull(3) ? null : Convert.ToDouble(reader.GetValue(3), CultureInfo.InvariantCulture);
            yield return new DemandRow(new SeriesKey(reader.GetString(0), reader.GetString(1)), day, quantity,
                Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture) != 0);
        }
    }

    public Dictionary<SeriesKey, (double OnHand, double OnOrder)> ReadStock()
    {
        var result = new Dictionary<SeriesKey, (double, double)>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT store_id, sku, on_hand, on_order FROM stock_levels";
        using var reader = Execute(command, "stock_levels");
        while (reader.Read())
            result[new SeriesKey(reader.GetString(0), reader.GetString(1))] = (reader.GetDouble(2), reader.GetDouble(3));
        return result;
    }

    public Dictionary<SeriesKey, ReplenishmentSettings> ReadSettings()
    {
        var result = new Dictionary<SeriesKey, ReplenishmentSettings>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT store_id, sku, lead_time_days, lead_time_sd_days, review_period_days, fill_rate_target, cycle_service_level FROM replenishment_settings";
        using var reader = Execute(command, "replenishment_settings");
        while (reader.Read())
        {
            var key = new SeriesKey(reader.GetString(0), reader.GetString(1));
            var settings = new ReplenishmentSettings(reader.GetDouble(2), reader.GetDouble(3), Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture),
                reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.GetDouble(6));
            settings.Validate($"replenishment_settings {key}");
            result[key] = settings;
        }
        return result;
    }

    public void Write(string runId, IReadOnlyList<BatchOutcome> outcomes)
    {
        using var transaction = _connection.BeginTransaction();
        using var deleteForecasts = Command(transaction, "DELETE FROM demand_forecasts WHERE run_id = @run AND store_id = @store AND sku = @sku",
            "run", "store", "sku");
        using var insertForecast = Command(transaction,
            "INSERT INTO demand_forecasts (run_id, store_id, sku, day, quantity, method) VALUES (@run, @store, @sku, @day, @quantity, @method)",
            "run", "store", "sku", "day", "quantity", "method");
        using var upsert = Command(transaction, """
            INSERT INTO reorder_recommendations (run_id, store_id, sku, method, fallback, forecast_per_day, on_hand, on_order,
                reorder_point, order_up_to, safety_stock, order_quantity, stockout_date)
            VALUES (@run, @store, @sku, @method, @fallback, @rate, @on_hand, @on_order, @rop, @upto, @safety, @quantity, @stockout)
            ON CONFLICT (run_id, store_id, sku) DO UPDATE SET method = excluded.method, fallback = excluded.fallback,
                forecast_per_day = excluded.forecast_per_day, on_hand = excluded.on_hand, on_order = excluded.on_order,
                reorder_point = excluded.reorder_point, order_up_to = excluded.order_up_to, safety_stock = excluded.safety_stock,
                order_quantity = excluded.order_quantity, stockout_date = excluded.stockout_date
            """, "run", "store", "sku", "method", "fallback", "rate", "on_hand", "on_order", "rop", "upto", "safety", "quantity", "stockout");
        foreach (var o in outcomes)
        {
            Set(deleteForecasts, runId, o.Key.StoreId, o.Key.Sku);
            deleteForecasts.ExecuteNonQuery();
            for (int h = 0; h < o.Forecast.Length; h++)
            {
                Set(insertForecast, runId, o.Key.StoreId, o.Key.Sku, o.FirstForecastDay.AddDays(h), o.Forecast[h], o.Method);
                insertForecast.ExecuteNonQuery();
            }
            var r = o.Recommendation;
            Set(upsert, runId, o.Key.StoreId, o.Key.Sku, o.Method, o.Fallback, Mean(o.Forecast), o.OnHand, o.OnOrder,
                Finite(r.ReorderPoint), Finite(r.OrderUpTo), Finite(r.SafetyStock), Finite(r.OrderQuantity), o.StockoutDate);
            upsert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static double Mean(double[] values) => values.Length == 0 ? 0 : values.Average();

    // Infinite levels (an unreachable service target) are stored as a large number rather than failing the write.
    private static double Finite(double value) => double.IsFinite(value) ? value : double.MaxValue;

    private DbCommand Command(DbTransaction transaction, string sql, params string[] names)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (string name in names)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            command.Parameters.Add(p);
        }
        return command;
    }

    private static void Set(DbCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private static DbDataReader Execute(DbCommand command, string table)
    {
        try
        {
            return command.ExecuteReader();
        }
        catch (DbException ex)
        {
            throw new InvalidDataException($"cannot read table {table} ({ex.Message}); see tools/Forecast/README.md for the schema, or run 'forecast init-db'", ex);
        }
    }

    public void Dispose() => _connection.Dispose();
}
