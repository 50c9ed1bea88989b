using System.Data;
using System.Data.Common;
using EdgeInventory.Cloud.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EdgeInventory.Cloud.Storage;

/// <summary>
/// The aggregator's one database, SQLite (default; WAL, <c>synchronous=FULL</c>) or PostgreSQL, behind plain ADO.NET:
/// every statement is written once in the SQL both understand (<c>ON CONFLICT</c> upserts, <c>@name</c> parameters,
/// times as UTC milliseconds since the epoch in <c>BIGINT</c>), and only the DDL's column types differ
/// (<see cref="Schema"/>). Several replicas share a PostgreSQL database; SQLite serves one process.
/// </summary>
public sealed class CloudDatabase
{
    private readonly string _connectionString;

    public CloudDatabase(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        _connectionString = provider == DatabaseProvider.Sqlite
            ? new SqliteConnectionStringBuilder(connectionString) { Pooling = true, DefaultTimeout = 30 }.ToString()
            : PostgresDefaults(connectionString);
    }

    /// <summary>
    /// Pooling on, and statements prepared after their fifth use unless the connection string says otherwise: ingest
    /// runs the same dozen statements all day, and unprepared each is parsed and planned by the server every time.
    /// </summary>
    private static string PostgresDefaults(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true };
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            b.MaxAutoPrepare = 64;
        }
        return b.ToString();
    }

    public static CloudDatabase FromOptions(CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string cs = options.Database.ConnectionString;
        if (options.Database.Provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(cs))
        {
            cs = $"Data Source={Path.Combine(options.StateDirectory, "cloud.db")}";
        }
        return new CloudDatabase(options.Database.Provider, cs);
    }

    public DatabaseProvider Provider { get; }

    public bool IsSqlite => Provider == DatabaseProvider.Sqlite;

    /// <summary>Where the data lives, without credentials, for logs.</summary>
    public string Describe()
    {
        if (IsSqlite)
        {
            return "SQLite " + new SqliteConnectionStringBuilder(_connectionString).DataSource;
        }
        var pg = new NpgsqlConnectionStringBuilder(_connectionString);
        return $"PostgreSQL {pg.Host}:{pg.Port}/{pg.Database}";
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection = IsSqlite ? new SqliteConnection(_connectionString) : new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (IsSqlite)
            {
                // Per connection: a committed batch survives a power cut (FULL), readers never block the writer (WAL),
                // and a second writer waits instead of failing at once.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF;", cancellationToken).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A write transaction. SQLite's is <c>BEGIN IMMEDIATE</c> (the write lock up front, so two writers queue on the busy
    /// timeout instead of one failing at its first write); PostgreSQL's is read committed.
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        }
        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 60;
        return command;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = Command(connection, transaction, sql);
        foreach ((string name, object? value) in parameters)
        {
            AddParameter(command, name, value);
        }
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = Command(connection, transaction, sql);
        foreach ((string name, object? value) in parameters)
        {
            AddParameter(command, name, value);
        }
        object? result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is DBNull ? null : result;
    }

    public static DbParameter AddParameter(DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        DbParameter p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        // A NULL goes untyped: PostgreSQL then takes the column's type (a text-typed NULL is refused by a BIGINT column).
        command.Parameters.Add(p);
        return p;
    }

    /// <summary>Milliseconds since the Unix epoch, the one way times are stored.</summary>
    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static long? Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? TimeOrNull(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));
    }

    public static string? StringOrNull(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    public static int? IntOrNull(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static double? DoubleOrNull(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);
    }
}
