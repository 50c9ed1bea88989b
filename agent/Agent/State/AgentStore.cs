using System.Globalization;
using System.Text.Json;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.State;

/// <summary>A zone's persisted state: its confirmed observation and its depth (units per facing).</summary>
public sealed record StoredZoneState(string CameraId, string ZoneId, ConfirmedZoneState State, double Depth, ZoneBaseline? Baseline = null);

/// <summary>The planogram file the stored expected-stock updates were applied on top of (both null: no file).</summary>
public sealed record ExpectedStockBase(string? File, string? Sha256);

/// <summary>
/// The agent's durable state in SQLite (WAL): confirmed zone states, open discrepancies, scanner counts,
/// camera reference views and the cloud's expected-stock updates. Each change is written in one transaction
/// together with the messages it causes (through <see cref="IEventSink"/>), so a restart resumes exactly where
/// the agent stopped: open discrepancies are handed back to the reconciler and not raised again, and the
/// expected-stock book is the planogram file with the stored updates replayed. One connection; thread-safe, each
/// call holds it alone.
/// </summary>
public sealed class AgentStore : IDisposable
{
    // Tables added later (expected_stock_*, zone_baseline) are created if missing and ignored by older agents, so they do not
    // change the version: a rollback to an agent that knows only version 1 still opens the file. So are nullable columns
    // added later (bare_fraction: NULL where the pixels were not read), added by AddColumnIfMissing.
    private const int SchemaVersion = 1;

    /// <summary>
    /// How long the event id of a superseded expected-stock update is kept after it arrived. The cloud
    /// publishes again only until it holds the broker's PUBACK (minutes); a month is far beyond that.
    /// </summary>
    private static readonly TimeSpan SupersededUpdateIdRetention = TimeSpan.FromDays(30);

    // The parts of the agent commit from their own threads (the detection loop, scanner posts, cloud commands) on
    // this one connection: each call holds it alone.
    private readonly Lock _gate = new();
    private readonly SqliteConnection _db;
    private readonly IEventSink _sink;
    private readonly TimeProvider _clock;

    public AgentStore(string path, IEventSink sink, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DatabasePath = path;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL;");
        // FULL: a committed state change, and the events enqueued with it, survive a power cut.
        Execute("PRAGMA synchronous=FULL;");
        Execute("PRAGMA busy_timeout=5000;");
        int version = Convert.ToInt32(Scalar("PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"{path}: the database is of schema version {version}; this agent knows {SchemaVersion}");
        }

        Execute("""
            CREATE TABLE IF NOT EXISTS zone_state(
                camera_id TEXT NOT NULL, zone_id TEXT NOT NULL,
                facings INTEGER NOT NULL, foreign_facings INTEGER NOT NULL, empty_fraction REAL NOT NULL,
                since TEXT NOT NULL, depth REAL NOT NULL,
                PRIMARY KEY(camera_id, zone_id));
            CREATE TABLE IF NOT EXISTS open_discrepancy(
                camera_id TEXT NOT NULL, zone_id TEXT NOT NULL, kind TEXT NOT NULL,
                discrepancy_id TEXT NOT NULL, last_event BLOB NOT NULL,
                PRIMARY KEY(camera_id, zone_id, kind));
            CREATE TABLE IF NOT EXISTS scanner_count(
                event_id TEXT PRIMARY KEY, location_id TEXT NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
                counted_at TEXT NOT NULL, scanner_id TEXT NOT NULL, received_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS scanner_count_by_location ON scanner_count(location_id, sku, counted_at);
            CREATE TABLE IF NOT EXISTS camera_reference(
                camera_id TEXT PRIMARY KEY, signature BLOB NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS expected_stock_update(
                seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL, mode TEXT NOT NULL,
                payload BLOB);
            CREATE TABLE IF NOT EXISTS zone_baseline(
                camera_id TEXT NOT NULL, zone_id TEXT NOT NULL,
                facings INTEGER NOT NULL, empty_fraction REAL NOT NULL, learned_at TEXT NOT NULL, source TEXT NOT NULL,
                PRIMARY KEY(camera_id, zone_id));
            CREATE TABLE IF NOT EXISTS expected_stock_base(
                id INTEGER PRIMARY KEY CHECK (id = 1), planogram_file TEXT, planogram_sha256 TEXT, recorded_at TEXT NOT NULL);
            """);
        AddColumnIfMissing("zone_state", "bare_fraction", "REAL");
        AddColumnIfMissing("zone_baseline", "bare_fraction", "REAL");
        Execute($"PRAGMA user_version={SchemaVersion};");
        _sink.Initialize(_db);
    }

    public string DatabasePath { get; }

    public string JournalMode => (string)Scalar("PRAGMA journal_mode;")!;

    public IReadOnlyList<StoredZoneState> LoadZoneStates()
    {
        using Lock.Scope held = _gate.EnterScope();
        var states = new List<StoredZoneState>();
        using SqliteCommand cmd = Command("""
            SELECT s.camera_id, s.zone_id, s.facings, s.foreign_facings, s.empty_fraction, s.since, s.depth,
                   b.facings, b.empty_fraction, b.learned_at, b.source, s.bare_fraction, b.bare_fraction
            FROM zone_state s LEFT JOIN zone_baseline b ON b.camera_id = s.camera_id AND b.zone_id = s.zone_id
            """);
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            ZoneBaseline? baseline = r.IsDBNull(7) ? null
                : new ZoneBaseline(r.GetInt32(7), r.GetDouble(8), ParseTime(r.GetString(9)), Enum.Parse<BaselineSource>(r.GetString(10)), Fraction(r, 12));
            states.Add(new StoredZoneState(r.GetString(0), r.GetString(1),
                new ConfirmedZoneState(r.GetInt32(2), r.GetInt32(3), r.GetDouble(4), ParseTime(r.GetString(5)), Fraction(r, 11)), r.GetDouble(6), baseline));
        }

        return states;
    }

    public IReadOnlyList<DiscrepancyEvent> LoadOpenDiscrepancies()
    {
        using Lock.Scope held = _gate.EnterScope();
        var open = new List<DiscrepancyEvent>();
        using SqliteCommand cmd = Command("SELECT last_event FROM open_discrepancy");
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            byte[] json = (byte[])r[0];
            ContractParseResult<DiscrepancyEvent> parsed = ContractParser.Parse<DiscrepancyEvent>(json);
            open.Add(parsed.Message ?? throw new InvalidOperationException($"{DatabasePath}: an open discrepancy cannot be read back: {parsed.Rejection}"));
        }

        return open;
    }

    /// <summary>
    /// The scanner count of each (location, SKU) accepted last, by insertion order (SQLite's rowid grows with each
    /// insert; rows are never deleted and the file is never vacuumed), not the largest <c>counted_at</c>: a wrong
    /// timestamp must not outrank the counts accepted after it.
    /// </summary>
    public IReadOnlyList<ScannerCountRecord> LoadLatestScannerCounts()
    {
        using Lock.Scope held = _gate.EnterScope();
        var counts = new List<ScannerCountRecord>();
        using SqliteCommand cmd = Command("""
            SELECT location_id, sku, quantity, counted_at, scanner_id, event_id FROM scanner_count s
            WHERE rowid = (SELECT MAX(rowid) FROM scanner_count t WHERE t.location_id = s.location_id AND t.sku = s.sku)
            """);
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            counts.Add(new ScannerCountRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), ParseTime(r.GetString(3)), r.GetString(4), Guid.Parse(r.GetString(5))));
        }

        return counts;
    }

    public byte[]? LoadReference(string cameraId)
    {
        using Lock.Scope held = _gate.EnterScope();
        using SqliteCommand cmd = Command("SELECT signature FROM camera_reference WHERE camera_id = $c");
        cmd.Parameters.AddWithValue("$c", cameraId);
        return cmd.ExecuteScalar() as byte[];
    }

    public void SaveReference(string cameraId, byte[] signature, DateTimeOffset at)
    {
        using Lock.Scope held = _gate.EnterScope();
        using SqliteCommand cmd = Command("INSERT OR REPLACE INTO camera_reference(camera_id, signature, created_at) VALUES ($c, $s, $t)");
        cmd.Parameters.AddWithValue("$c", cameraId);
        cmd.Parameters.AddWithValue("$s", signature);
        cmd.Parameters.AddWithValue("$t", Time(at));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Forgets a camera's reference view (after the camera was deliberately moved): the next frame becomes it.</summary>
    public bool ResetReference(string cameraId)
    {
        using Lock.Scope held = _gate.EnterScope();
        using SqliteCommand cmd = Command("DELETE FROM camera_reference WHERE camera_id = $c");
        cmd.Parameters.AddWithValue("$c", cameraId);
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Whether a scanner count with this event id was already accepted (a redelivery).</summary>
    public bool HasScannerCount(Guid eventId)
    {
        using Lock.Scope held = _gate.EnterScope();
        using SqliteCommand cmd = Command("SELECT 1 FROM scanner_count WHERE event_id = $id");
        cmd.Parameters.AddWithValue("$id", eventId.ToString());
        return cmd.ExecuteScalar() is not null;
    }

    /// <summary>Which planogram the stored expected-stock updates build on; null until a start has recorded one.</summary>
    public ExpectedStockBase? LoadExpectedStockBase()
    {
        using Lock.Scope held = _gate.EnterScope();
        using SqliteCommand cmd = Command("SELECT planogram_file, planogram_sha256 FROM expected_stock_base WHERE id = 1");
        using SqliteDataReader r = cmd.ExecuteReader();
        return r.Read() ? new ExpectedStockBase(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)) : null;
    }

    /// <summary>Records which planogram the stored updates build on (the first start, or the same content at a new path).</summary>
    public void SaveExpectedStockBase(ExpectedStockBase planogram)
    {
        using Lock.Scope held = _gate.EnterScope();
        ArgumentNullException.ThrowIfNull(planogram);
        using SqliteTransaction tx = _db.BeginTransaction();
        SaveExpectedStockBase(planogram, tx);
        tx.Commit();
    }

    /// <summary>
    /// The cloud updates the book needs on top of the planogram, in the order they were accepted: the last
    /// <c>replace</c>, if any, and the <c>merge</c>s after it.
    /// </summary>
    public IReadOnlyList<ExpectedStockUpdate> LoadExpectedStockUpdates()
    {
        using Lock.Scope held = _gate.EnterScope();
        var updates = new List<ExpectedStockUpdate>();
        using SqliteCommand cmd = Command("SELECT event_id, payload FROM expected_stock_update WHERE payload IS NOT NULL ORDER BY seq");
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            // Read back without ContractParser's size limit: it was validated when it arrived, and serializing it
            // again (non-ASCII escaped) can make a message that arrived just under the limit a little larger.
            ExpectedStockUpdate? update;
            try
            {
                update = JsonSerializer.Deserialize((byte[])r[1], ExpectedStockUpdate.JsonTypeInfo);
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"{DatabasePath}: expected-stock update {r.GetString(0)} cannot be read back: {e.Message}", e);
            }

            updates.Add(update ?? throw new InvalidOperationException($"{DatabasePath}: expected-stock update {r.GetString(0)} is JSON null"));
        }

        return updates;
    }

    /// <summary>
    /// Stores an accepted cloud update, in one transaction, before the caller changes the book; false, writing
    /// nothing, when its event id was accepted before (a redelivery). A <c>replace</c> supersedes every stored
    /// update: their payloads are dropped, since the book no longer needs them, but their event ids stay for
    /// <see cref="SupersededUpdateIdRetention"/>, so a late redelivery of one is still known and not applied on
    /// top of the replace.
    /// </summary>
    public bool RecordExpectedStock(ExpectedStockUpdate update, DateTimeOffset receivedAt)
    {
        using Lock.Scope held = _gate.EnterScope();
        ArgumentNullException.ThrowIfNull(update);
        byte[] payload = ContractParser.Serialize(update);
        using SqliteTransaction tx = _db.BeginTransaction();
        using (SqliteCommand seen = Command("SELECT 1 FROM expected_stock_update WHERE event_id = $id", tx))
        {
            seen.Parameters.AddWithValue("$id", update.EventId.ToString());
            if (seen.ExecuteScalar() is not null)
            {
                return false;
            }
        }

        if (update.Mode == ExpectedStockMode.Replace)
        {
            using SqliteCommand supersede = Command("UPDATE expected_stock_update SET payload = NULL WHERE payload IS NOT NULL", tx);
            supersede.ExecuteNonQuery();
        }

        using (SqliteCommand prune = Command("DELETE FROM expected_stock_update WHERE payload IS NULL AND received_at < $cutoff", tx))
        {
            prune.Parameters.AddWithValue("$cutoff", Time(receivedAt - SupersededUpdateIdRetention));
            prune.ExecuteNonQuery();
        }

        using (SqliteCommand insert = Command("INSERT INTO expected_stock_update(event_id, received_at, mode, payload) VALUES ($id, $at, $mode, $payload)", tx))
        {
            insert.Parameters.AddWithValue("$id", update.EventId.ToString());
            insert.Parameters.AddWithValue("$at", Time(receivedAt));
            insert.Parameters.AddWithValue("$mode", update.Mode == ExpectedStockMode.Replace ? "replace" : "merge");
            insert.Parameters.AddWithValue("$payload", payload);
            insert.ExecuteNonQuery();
        }

        tx.Commit();
        return true;
    }

    /// <summary>
    /// A different planogram was deployed: every stored update is superseded (as by a <c>replace</c>: the ids stay
    /// for de-duplication) and <paramref name="planogram"/> becomes the base, in one transaction. Returns how many
    /// updates the book no longer replays.
    /// </summary>
    public int DiscardExpectedStockUpdates(ExpectedStockBase planogram)
    {
        using Lock.Scope held = _gate.EnterScope();
        ArgumentNullException.ThrowIfNull(planogram);
        using SqliteTransaction tx = _db.BeginTransaction();
        using SqliteCommand supersede = Command("UPDATE expected_stock_update SET payload = NULL WHERE payload IS NOT NULL", tx);
        int discarded = supersede.ExecuteNonQuery();
        SaveExpectedStockBase(planogram, tx);
        tx.Commit();
        return discarded;
    }

    /// <summary>
    /// Records, in one transaction: changed zone states (with their baselines), the events (open discrepancies follow their
    /// lifecycle), a scanner count, and any other messages, each handed to the sink in that order: an evidence
    /// photo among <paramref name="messages"/> is enqueued after the event that names it.
    /// </summary>
    public void Record(IReadOnlyList<StoredZoneState> zones, IReadOnlyList<DiscrepancyEvent> events, ScannerCountRecord? scan = null, IReadOnlyList<ContractMessage>? messages = null)
    {
        using Lock.Scope held = _gate.EnterScope();
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(events);
        using SqliteTransaction tx = _db.BeginTransaction();
        foreach (StoredZoneState z in zones)
        {
            using SqliteCommand cmd = Command("""
                INSERT INTO zone_state(camera_id, zone_id, facings, foreign_facings, empty_fraction, since, depth, bare_fraction)
                VALUES ($c, $z, $f, $ff, $e, $s, $d, $b)
                ON CONFLICT(camera_id, zone_id) DO UPDATE SET facings = $f, foreign_facings = $ff, empty_fraction = $e, since = $s, depth = $d,
                    bare_fraction = $b
                """, tx);
            cmd.Parameters.AddWithValue("$c", z.CameraId);
            cmd.Parameters.AddWithValue("$z", z.ZoneId);
            cmd.Parameters.AddWithValue("$f", z.State.Facings);
            cmd.Parameters.AddWithValue("$ff", z.State.ForeignFacings);
            cmd.Parameters.AddWithValue("$e", z.State.EmptyFraction);
            cmd.Parameters.AddWithValue("$s", Time(z.State.Since));
            cmd.Parameters.AddWithValue("$d", z.Depth);
            cmd.Parameters.AddWithValue("$b", Nullable(z.State.BareFraction));
            cmd.ExecuteNonQuery();
            if (z.Baseline is { } b)
            {
                using SqliteCommand baseline = Command("""
                    INSERT INTO zone_baseline(camera_id, zone_id, facings, empty_fraction, learned_at, source, bare_fraction) VALUES ($c, $z, $f, $e, $t, $s, $b)
                    ON CONFLICT(camera_id, zone_id) DO UPDATE SET facings = $f, empty_fraction = $e, learned_at = $t, source = $s, bare_fraction = $b
                    """, tx);
                baseline.Parameters.AddWithValue("$c", z.CameraId);
                baseline.Parameters.AddWithValue("$z", z.ZoneId);
                baseline.Parameters.AddWithValue("$f", b.Facings);
                baseline.Parameters.AddWithValue("$e", b.EmptyFraction);
                baseline.Parameters.AddWithValue("$t", Time(b.LearnedAt));
                baseline.Parameters.AddWithValue("$s", b.Source.ToString());
                baseline.Parameters.AddWithValue("$b", Nullable(b.BareFraction));
                baseline.ExecuteNonQuery();
            }
        }

        foreach (DiscrepancyEvent e in events)
        {
            using SqliteCommand cmd = e.Phase == DiscrepancyPhase.End
                ? Command("DELETE FROM open_discrepancy WHERE camera_id = $c AND zone_id = $z AND kind = $k", tx)
                : Command("INSERT OR REPLACE INTO open_discrepancy(camera_id, zone_id, kind, discrepancy_id, last_event) VALUES ($c, $z, $k, $id, $json)", tx);
            cmd.Parameters.AddWithValue("$c", e.CameraId);
            cmd.Parameters.AddWithValue("$z", e.ZoneId ?? "");
            cmd.Parameters.AddWithValue("$k", e.Kind.ToString());
            if (e.Phase != DiscrepancyPhase.End)
            {
                cmd.Parameters.AddWithValue("$id", e.DiscrepancyId.ToString());
                cmd.Parameters.AddWithValue("$json", ContractParser.Serialize(e));
            }

            cmd.ExecuteNonQuery();
            _sink.Enqueue(tx, e);
        }

        if (scan is not null)
        {
            using SqliteCommand cmd = Command("""
                INSERT INTO scanner_count(event_id, location_id, sku, quantity, counted_at, scanner_id, received_at)
                VALUES ($id, $l, $s, $q, $t, $dev, $now)
                """, tx);
            cmd.Parameters.AddWithValue("$id", scan.EventId.ToString());
            cmd.Parameters.AddWithValue("$l", scan.LocationId);
            cmd.Parameters.AddWithValue("$s", scan.Sku);
            cmd.Parameters.AddWithValue("$q", scan.Quantity);
            cmd.Parameters.AddWithValue("$t", Time(scan.CountedAt));
            cmd.Parameters.AddWithValue("$dev", scan.ScannerId);
            cmd.Parameters.AddWithValue("$now", Time(_clock.GetUtcNow()));
            cmd.ExecuteNonQuery();
        }

        foreach (ContractMessage m in messages ?? [])
        {
            _sink.Enqueue(tx, m);
        }

        tx.Commit();
        _sink.Committed();
    }

    /// <summary>Rows of the local event log, oldest first (for tests and diagnostics).</summary>
    public IReadOnlyList<(string Topic, byte[] Payload)> ReadEventLog(string? schema = null)
    {
        using Lock.Scope held = _gate.EnterScope();
        var rows = new List<(string, byte[])>();
        using SqliteCommand cmd = Command(schema is null ? "SELECT topic, payload FROM event_log ORDER BY seq" : "SELECT topic, payload FROM event_log WHERE schema = $s ORDER BY seq");
        if (schema is not null)
        {
            cmd.Parameters.AddWithValue("$s", schema);
        }

        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            rows.Add((r.GetString(0), (byte[])r[1]));
        }

        return rows;
    }

    public void Dispose() => _db.Dispose();

    /// <summary>A fraction that may be unmeasured: NaN is stored as NULL (SQLite has no NaN) and read back as NaN.</summary>
    private static object Nullable(double fraction) => double.IsNaN(fraction) ? DBNull.Value : fraction;

    private static double Fraction(SqliteDataReader r, int column) => r.IsDBNull(column) ? double.NaN : r.GetDouble(column);

    private void AddColumnIfMissing(string table, string column, string type)
    {
        using SqliteCommand info = Command($"SELECT 1 FROM pragma_table_info('{table}') WHERE name = '{column}'");
        if (info.ExecuteScalar() is null)
        {
            Execute($"ALTER TABLE {table} ADD COLUMN {column} {type}");
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private void SaveExpectedStockBase(ExpectedStockBase planogram, SqliteTransaction tx)
    {
        using SqliteCommand cmd = Command("""
            INSERT INTO expected_stock_base(id, planogram_file, planogram_sha256, recorded_at) VALUES (1, $f, $h, $t)
            ON CONFLICT(id) DO UPDATE SET planogram_file = $f, planogram_sha256 = $h, recorded_at = $t
            """, tx);
        cmd.Parameters.AddWithValue("$f", (object?)planogram.File ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$h", (object?)planogram.Sha256 ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$t", Time(_clock.GetUtcNow()));
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        SqliteCommand cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private void Execute(string sql)
    {
        using SqliteCommand cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using SqliteCommand cmd = Command(sql);
        return cmd.ExecuteScalar();
    }
}
