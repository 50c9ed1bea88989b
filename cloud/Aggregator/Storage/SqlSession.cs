using System.Data.Common;

namespace EdgeInventory.Cloud.Storage;

/// <summary>
/// One write transaction with its commands kept for reuse: a batch of thousands of messages runs the same few
/// statements over and over, and SQLite keeps a command's statement prepared. Synchronous on purpose: it runs on
/// the ingest loop's own thread, and Microsoft.Data.Sqlite's async methods are synchronous anyway.
/// </summary>
public sealed class SqlSession : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    private SqlSession(CloudDatabase database, DbConnection connection, DbTransaction transaction)
    {
        Database = database;
        Connection = connection;
        Transaction = transaction;
    }

    public CloudDatabase Database { get; }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    /// <summary>Opens a connection and a write transaction; dispose to roll back what was not committed.</summary>
    public static async Task<SqlSession> BeginAsync(CloudDatabase database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        DbConnection connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DbTransaction tx = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            return new SqlSession(database, connection, tx);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A read-only snapshot (SQLite: a deferred transaction, which takes no write lock; PostgreSQL: repeatable read).</summary>
    public static async Task<SqlSession> BeginReadAsync(CloudDatabase database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        DbConnection connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DbTransaction tx = connection is Microsoft.Data.Sqlite.SqliteConnection sqlite
                ? sqlite.BeginTransaction(deferred: true)
                : await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            return new SqlSession(database, connection, tx);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) => Prepare(sql, parameters).ExecuteNonQuery();

    public object? Scalar(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        object? value = Prepare(sql, parameters).ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public long? ScalarLong(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Scalar(sql, parameters) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A reader over the query; dispose it before the next statement.</summary>
    public DbDataReader Query(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) => Prepare(sql, parameters).ExecuteReader();

    public void Commit() => Transaction.Commit();

    public void Dispose()
    {
        foreach (DbCommand command in _commands.Values)
        {
            command.Dispose();
        }
        Transaction.Dispose();
        Connection.Dispose();
    }

    private DbCommand Prepare(string sql, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (_commands.TryGetValue(sql, out DbCommand? command) && SameNames(command.Parameters, parameters))
        {
            // The same parameter objects with new values: Npgsql's prepared statements stay bound to the objects they
            // were prepared with (new objects after Clear() made an auto-prepared statement reuse the old values).
            for (int i = 0; i < parameters.Length; i++)
            {
                command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
            }
            return command;
        }
        if (command is null)
        {
            command = CloudDatabase.Command(Connection, Transaction, sql);
            _commands[sql] = command;
        }
        command.Parameters.Clear();
        foreach ((string name, object? value) in parameters)
        {
            CloudDatabase.AddParameter(command, name, value);
        }
        return command;
    }

    private static bool SameNames(DbParameterCollection existing, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (existing.Count != parameters.Length)
        {
            return false;
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            if (existing[i].ParameterName != parameters[i].Name)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether trying again can help: a busy or locked SQLite, an I/O error, a PostgreSQL connection, resource or
    /// operator-intervention problem. A constraint, a type or a syntax error fails the same way every time.
    /// </summary>
    public static bool IsTransient(DbException e) => e switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 10 or 13 or 14 or 15,
        Npgsql.PostgresException pg => pg.SqlState.Length >= 2 && pg.SqlState[..2] is "08" or "40" or "53" or "57" or "58",
        _ => true, // connection failures that never reached the server (NpgsqlException without a state)
    };
}
