using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Messaging;

public sealed class OutboxOptions
{
    /// <summary>The agent's SQLite database file; the outbox tables live beside the agent's state.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>Bound on stored events. At the bound the oldest droppable event goes; never-drop events are kept past it.</summary>
    public int MaxEvents { get; set; } = 200_000;

    public void Validate(string section = "Outbox")
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            throw new ArgumentException($"{section}:DatabasePath is empty");
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(DatabasePath));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new ArgumentException($"{section}:DatabasePath '{DatabasePath}': directory '{dir}' does not exist");
        }
        if (MaxEvents < 100)
        {
            throw new ArgumentException($"{section}:MaxEvents {MaxEvents} is below 100");
        }
    }
}

/// <summary>
/// The durable outbox in the agent's SQLite database (WAL, <c>synchronous=FULL</c>: a committed event survives
/// power loss). An event is written with <see cref="Enqueue"/> inside the caller's own transaction, the one
/// that records the state change that caused it, so either both are stored or neither is. Delivered events
/// are deleted when the broker acknowledges them (see <see cref="OutboxRelay"/>).
/// </summary>
public sealed partial class SqliteOutbox
{
    private static readonly Meter Meter = new("EdgeInventory.Messaging");
    private static readonly Counter<long> Dropped = Meter.CreateCounter<long>("edgeinv_outbox_dropped_total", description: "events dropped because the outbox was full");

    private readonly ILogger logger;
    private long overBoundWarnedAt;

    public SqliteOutbox(OutboxOptions options, ILogger<SqliteOutbox>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand create = connection.CreateCommand();
        create.CommandText = """
            CREATE TABLE IF NOT EXISTS outbox (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id     TEXT    NOT NULL UNIQUE,
                topic        TEXT    NOT NULL,
                ordering_key TEXT    NOT NULL,
                retention    INTEGER NOT NULL,
                payload      BLOB    NOT NULL,
                created_at   INTEGER NOT NULL,
                attempts     INTEGER NOT NULL DEFAULT 0,
                last_error   TEXT
            );
            CREATE INDEX IF NOT EXISTS outbox_droppable ON outbox (retention, seq);
            -- COUNT(*) is a full scan in SQLite; the size is kept by triggers, in the same transactions.
            CREATE TABLE IF NOT EXISTS outbox_size (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
            INSERT OR IGNORE INTO outbox_size (id, n) SELECT 1, COUNT(*) FROM outbox;
            CREATE TRIGGER IF NOT EXISTS outbox_counted_in AFTER INSERT ON outbox BEGIN UPDATE outbox_size SET n = n + 1 WHERE id = 1; END;
            CREATE TRIGGER IF NOT EXISTS outbox_counted_out AFTER DELETE ON outbox BEGIN UPDATE outbox_size SET n = n - 1 WHERE id = 1; END;
            """;
        create.ExecuteNonQuery();
    }

    public OutboxOptions Options { get; }

    /// <summary>Raised after <see cref="Enqueue"/> (before the caller commits); the relay uses it as a wake-up hint.</summary>
    public event Action? Enqueued;

    /// <summary>Opens a connection configured as the outbox needs (WAL, synchronous=FULL, busy timeout); also for the caller's state.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        using SqliteCommand pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Writes <paramref name="message"/> in <paramref name="transaction"/>. Applies the bound: when full, the
    /// oldest droppable event is deleted (logged, counted); if there is none, a droppable message is refused
    /// (returns false) and a never-drop message is stored past the bound (logged).
    /// </summary>
    public bool Enqueue(SqliteTransaction transaction, OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        SqliteConnection connection = transaction.Connection ?? throw new ArgumentException("the transaction has no connection", nameof(transaction));

        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT n FROM outbox_size WHERE id = 1";
        long size = (long)(command.ExecuteScalar() ?? 0L);
        if (size >= Options.MaxEvents && !MakeRoom(command, message, size))
        {
            return false;
        }

        command.CommandText = """
            INSERT INTO outbox (event_id, topic, ordering_key, retention, payload, created_at)
            VALUES ($id, $topic, $key, $retention, $payload, $created)
            """;
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$id", message.EventId.ToString());
        command.Parameters.AddWithValue("$topic", message.Topic);
        command.Parameters.AddWithValue("$key", message.OrderingKey);
        command.Parameters.AddWithValue("$retention", (int)message.Retention);
        command.Parameters.AddWithValue("$payload", message.Payload);
        command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        Enqueued?.Invoke();
        return true;
    }

    /// <summary>Enqueues a batch in one transaction of its own (one fsync for all of them).</summary>
    public int EnqueueBatch(IEnumerable<OutboxMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using SqliteConnection connection = OpenConnection();
        using SqliteTransaction transaction = connection.BeginTransaction();
        int stored = messages.Count(m => Enqueue(transaction, m));
        transaction.Commit();
        Enqueued?.Invoke();
        return stored;
    }

    private bool MakeRoom(SqliteCommand command, OutboxMessage incoming, long size)
    {
        command.CommandText = $"""
            DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox WHERE retention = {(int)OutboxRetention.DropOldestWhenFull} ORDER BY seq LIMIT 1)
            RETURNING event_id, topic
            """;
        using (SqliteDataReader dropped = command.ExecuteReader())
        {
            if (dropped.Read())
            {
                Dropped.Add(1);
                LogDroppedOldest(logger, Options.MaxEvents, dropped.GetString(0), dropped.GetString(1));
                return true;
            }
        }
        if (incoming.Retention == OutboxRetention.DropOldestWhenFull)
        {
            Dropped.Add(1);
            LogRefusedNew(logger, Options.MaxEvents, incoming.EventId, incoming.Topic);
            return false;
        }
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref overBoundWarnedAt) > 60_000)
        {
            Interlocked.Exchange(ref overBoundWarnedAt, now);
            LogOverBound(logger, size + 1, Options.MaxEvents);
        }
        return true;
    }

    /// <summary>Events stored (delivered ones are gone) and the enqueue time of the oldest.</summary>
    public (long Count, DateTimeOffset? Oldest) Stats()
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT n FROM outbox_size WHERE id = 1), (SELECT MIN(created_at) FROM outbox)";
        using SqliteDataReader reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "outbox full ({MaxEvents}): dropped the oldest count snapshot {EventId} ({Topic})")]
    private static partial void LogDroppedOldest(ILogger logger, int maxEvents, string eventId, string topic);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "outbox full ({MaxEvents}) of events that are never dropped: refused the new count snapshot {EventId} ({Topic})")]
    private static partial void LogRefusedNew(ILogger logger, int maxEvents, Guid eventId, string topic);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "outbox holds {Size} events, over its bound of {MaxEvents}: discrepancies are never dropped, so it grows until the broker is reachable")]
    private static partial void LogOverBound(ILogger logger, long size, int maxEvents);
}
