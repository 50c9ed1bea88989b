using System.Data.Common;

namespace EdgeInventory.Cloud.Storage;

/// <summary>
/// The aggregator's schema as numbered migrations, applied in order at start, each in its own transaction and recorded
/// in <c>schema_migrations</c>; a database newer than this program is refused. Migrations are append-only: a change is
/// a new one. <c>{id}</c>, <c>{blob}</c> and <c>{real}</c> are the only words that differ between SQLite and PostgreSQL.
/// Times are UTC milliseconds since the epoch; SKU '' stands for "no SKU" so it can be part of a key.
/// </summary>
public static class Schema
{
    private static readonly string[] Migrations =
    [
        // 1: the first schema.
        """
        CREATE TABLE stores (
            store_id TEXT PRIMARY KEY,
            name TEXT, region TEXT, time_zone TEXT,
            first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
            zone_count INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE devices (
            store_id TEXT NOT NULL, device_id TEXT NOT NULL,
            status TEXT NOT NULL, status_reason TEXT, status_at BIGINT NOT NULL,
            last_seen BIGINT NOT NULL, last_heartbeat BIGINT,
            agent_version TEXT, model_version TEXT,
            outbox_pending BIGINT, open_discrepancies INTEGER, uptime_seconds BIGINT,
            PRIMARY KEY (store_id, device_id));
        CREATE TABLE cameras (
            store_id TEXT NOT NULL, camera_id TEXT NOT NULL, device_id TEXT NOT NULL,
            state TEXT NOT NULL, state_at BIGINT NOT NULL,
            frames_captured BIGINT, frames_skipped BIGINT,
            health_issue TEXT, health_discrepancy_id TEXT,
            PRIMARY KEY (store_id, camera_id));
        CREATE TABLE zones (
            store_id TEXT NOT NULL, location_id TEXT NOT NULL, sku TEXT NOT NULL,
            zone_id TEXT NOT NULL, camera_id TEXT NOT NULL, device_id TEXT NOT NULL,
            facings INTEGER, units INTEGER, empty_fraction {real}, occluded INTEGER NOT NULL DEFAULT 0,
            observed_at BIGINT, model_version TEXT, expected_units INTEGER, planned_facings INTEGER,
            PRIMARY KEY (store_id, location_id, sku));
        CREATE INDEX zones_camera ON zones (store_id, camera_id);
        CREATE TABLE count_history (
            store_id TEXT NOT NULL, location_id TEXT NOT NULL, sku TEXT NOT NULL,
            observed_at BIGINT NOT NULL, facings INTEGER NOT NULL, units INTEGER NOT NULL,
            empty_fraction {real} NOT NULL, occluded INTEGER NOT NULL, event_id TEXT NOT NULL);
        CREATE INDEX count_history_zone ON count_history (store_id, location_id, sku, observed_at);
        CREATE INDEX count_history_time ON count_history (observed_at);
        CREATE TABLE received_events (
            event_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL, schema_id TEXT NOT NULL);
        CREATE INDEX received_events_time ON received_events (received_at);
        CREATE TABLE discrepancies (
            discrepancy_id TEXT PRIMARY KEY,
            store_id TEXT NOT NULL, device_id TEXT NOT NULL, camera_id TEXT NOT NULL,
            zone_id TEXT, location_id TEXT, sku TEXT,
            kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
            started_at BIGINT NOT NULL, ended_at BIGINT, last_event_at BIGINT NOT NULL,
            observed_units INTEGER, expected_units INTEGER, observed_facings INTEGER, planned_facings INTEGER,
            empty_fraction {real}, evidence_id TEXT, evidence_sha256 TEXT, detail TEXT, model_version TEXT,
            updated_at BIGINT NOT NULL);
        CREATE INDEX discrepancies_open ON discrepancies (state, store_id);
        CREATE INDEX discrepancies_store ON discrepancies (store_id, started_at);
        CREATE INDEX discrepancies_location ON discrepancies (store_id, location_id, started_at);
        CREATE INDEX discrepancies_evidence ON discrepancies (evidence_id);
        CREATE TABLE discrepancy_events (
            event_id TEXT PRIMARY KEY, discrepancy_id TEXT NOT NULL, store_id TEXT NOT NULL,
            phase TEXT NOT NULL, occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL,
            severity TEXT NOT NULL, observed_units INTEGER, expected_units INTEGER, empty_fraction {real},
            evidence_id TEXT, evidence_sha256 TEXT, detail TEXT);
        CREATE INDEX discrepancy_events_discrepancy ON discrepancy_events (discrepancy_id, occurred_at);
        CREATE INDEX discrepancy_events_evidence ON discrepancy_events (evidence_id);
        CREATE TABLE evidence (
            evidence_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL,
            discrepancy_id TEXT NOT NULL, source_event_id TEXT NOT NULL, camera_id TEXT NOT NULL, zone_id TEXT,
            sha256 TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
            bytes {blob} NOT NULL, received_at BIGINT NOT NULL);
        CREATE INDEX evidence_time ON evidence (received_at);
        CREATE TABLE alerts (
            alert_id TEXT PRIMARY KEY, dedup_key TEXT NOT NULL,
            store_id TEXT NOT NULL, zone_id TEXT, location_id TEXT, sku TEXT, camera_id TEXT NOT NULL, device_id TEXT NOT NULL,
            kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
            unverified INTEGER NOT NULL, paged INTEGER NOT NULL, groups TEXT NOT NULL, message TEXT NOT NULL,
            discrepancy_id TEXT NOT NULL, source_event_id TEXT NOT NULL, model_version TEXT,
            opened_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            acknowledged_at BIGINT, acknowledged_by TEXT, acknowledge_comment TEXT, snoozed_until BIGINT,
            resolved_at BIGINT, resolved_by TEXT, resolution TEXT);
        CREATE UNIQUE INDEX alerts_active ON alerts (dedup_key) WHERE state <> 'resolved';
        CREATE INDEX alerts_store ON alerts (store_id, state, opened_at);
        CREATE INDEX alerts_state ON alerts (state, opened_at);
        CREATE INDEX alerts_discrepancy ON alerts (discrepancy_id);
        CREATE INDEX alerts_camera ON alerts (store_id, camera_id, state);
        CREATE TABLE alert_audit (
            seq {id}, alert_id TEXT NOT NULL, store_id TEXT NOT NULL, at BIGINT NOT NULL,
            action TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT);
        CREATE INDEX alert_audit_alert ON alert_audit (alert_id, seq);
        CREATE TABLE alert_deliveries (
            id {id}, alert_id TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL, payload {blob} NOT NULL,
            state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL, lease_until BIGINT NOT NULL,
            lease_owner TEXT, last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT);
        CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_at);
        CREATE TABLE dead_letters (
            id {id}, received_at BIGINT NOT NULL, topic TEXT NOT NULL, store_id TEXT,
            reason TEXT NOT NULL, detail TEXT NOT NULL, payload {blob} NOT NULL, payload_bytes INTEGER NOT NULL);
        CREATE TABLE expected_stock (
            store_id TEXT NOT NULL, location_id TEXT NOT NULL, sku TEXT NOT NULL,
            expected_units INTEGER NOT NULL, min_facings INTEGER, capacity INTEGER, updated_at BIGINT NOT NULL,
            PRIMARY KEY (store_id, location_id, sku));
        CREATE TABLE scanner_counts (
            event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL,
            location_id TEXT NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
            counted_at BIGINT NOT NULL, received_at BIGINT NOT NULL, received_by TEXT NOT NULL);
        CREATE INDEX scanner_counts_location ON scanner_counts (store_id, location_id, counted_at);
        """,
        // 2: forecasts and reorder recommendations (Forecasts/): the POS feed, per-SKU replenishment parameters, results, runs.
        """
        CREATE TABLE pos_sales (
            store_id TEXT NOT NULL, sku TEXT NOT NULL, sold_at BIGINT NOT NULL, quantity {real} NOT NULL, imported_at BIGINT NOT NULL,
            PRIMARY KEY (store_id, sku, sold_at));
        CREATE TABLE sku_parameters (
            store_id TEXT NOT NULL, sku TEXT NOT NULL,
            lead_time_days {real} NOT NULL, lead_time_sd_days {real} NOT NULL, review_period_days INTEGER NOT NULL,
            service_level {real} NOT NULL, pack_size INTEGER NOT NULL, updated_at BIGINT NOT NULL,
            PRIMARY KEY (store_id, sku));
        CREATE TABLE recommendations (
            store_id TEXT NOT NULL, sku TEXT NOT NULL, run_id TEXT NOT NULL, computed_at BIGINT NOT NULL,
            demand_source TEXT NOT NULL, method TEXT NOT NULL, fallback TEXT,
            history_days INTEGER NOT NULL, censored_days INTEGER NOT NULL, horizon_days INTEGER NOT NULL,
            forecast_per_day {real} NOT NULL, forecast_low {real} NOT NULL, forecast_high {real} NOT NULL, interval_level {real} NOT NULL,
            on_hand {real} NOT NULL, stockout_date TEXT,
            reorder_point {real} NOT NULL, safety_stock {real} NOT NULL, order_up_to {real} NOT NULL, order_quantity {real} NOT NULL,
            pack_size INTEGER NOT NULL, lead_time_days {real} NOT NULL, service_level {real} NOT NULL,
            PRIMARY KEY (store_id, sku));
        CREATE INDEX recommendations_stockout ON recommendations (stockout_date);
        CREATE TABLE forecast_runs (
            run_id TEXT PRIMARY KEY, partition_spec TEXT NOT NULL, trigger_kind TEXT NOT NULL,
            started_at BIGINT NOT NULL, finished_at BIGINT, series INTEGER, fallbacks INTEGER, error TEXT);
        CREATE INDEX forecast_runs_partition ON forecast_runs (partition_spec, started_at);
        """,
        // 3: the floor plan an admin uploads for a store's stock map (Web/StoreLayout.cs); JSON as it was accepted.
        """
        CREATE TABLE store_layouts (
            store_id TEXT PRIMARY KEY, layout TEXT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL);
        """,
    ];

    /// <summary>The schema version this program writes.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>Applies the migrations the database lacks; refuses a database made by a newer program.</summary>
    public static async Task<int> MigrateAsync(CloudDatabase database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using DbConnection connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await CloudDatabase.ExecuteAsync(connection, null,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        int applied = 0;
        for (int version = 1; version <= Migrations.Length; version++)
        {
            await using DbTransaction tx = await database.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            if (!database.IsSqlite)
            {
                // Replicas starting together: one migrates, the others wait here and then find the version applied.
                await CloudDatabase.ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(720431)", cancellationToken).ConfigureAwait(false);
            }
            object? max = await CloudDatabase.ScalarAsync(connection, tx, "SELECT MAX(version) FROM schema_migrations", cancellationToken).ConfigureAwait(false);
            int current = max is null ? 0 : Convert.ToInt32(max, System.Globalization.CultureInfo.InvariantCulture);
            if (current > Migrations.Length)
            {
                throw new InvalidOperationException($"the database is at schema version {current}, newer than this aggregator's {Migrations.Length}: run a newer aggregator");
            }
            if (current >= version)
            {
                continue;
            }
            await CloudDatabase.ExecuteAsync(connection, tx, Dialect(database, Migrations[version - 1]), cancellationToken).ConfigureAwait(false);
            await CloudDatabase.ExecuteAsync(connection, tx, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                ("@v", version), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            applied++;
        }
        return applied;
    }

    private static string Dialect(CloudDatabase database, string ddl) => database.IsSqlite
        ? ddl.Replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal).Replace("{blob}", "BLOB", StringComparison.Ordinal).Replace("{real}", "REAL", StringComparison.Ordinal)
        : ddl.Replace("{id}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", StringComparison.Ordinal).Replace("{blob}", "BYTEA", StringComparison.Ordinal).Replace("{real}", "DOUBLE PRECISION", StringComparison.Ordinal);
}
