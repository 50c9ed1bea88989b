using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.Storage;

namespace EdgeInventory.CloudBench;

/// <summary>
/// Seeds the chain for the read benchmark straight into the aggregator's tables (through <see cref="SqlSession"/>, the
/// aggregator's own statements' dialect): per store 2 devices, 10 cameras, the zones with their expected stock,
/// open and recently ended discrepancies and open alerts. Multi-row INSERTs, one transaction per store.
/// </summary>
internal static class OverviewSeed
{
    private const int RowsPerStatement = 100;

    public static string StoreId(int i) => $"b{i:D4}";

    public static async Task SeedAsync(CloudDatabase database, int stores, int zonesPerStore)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < stores; i++)
        {
            string store = StoreId(i);
            using SqlSession s = await SqlSession.BeginAsync(database).ConfigureAwait(false);
            Insert(s, "stores (store_id, name, region, time_zone, first_seen, last_seen, zone_count)",
                [[store, $"Bench store {i}", $"region-{i % 12}", "Europe/Stockholm", now - 86_400_000, now, zonesPerStore]]);
            Insert(s, "devices (store_id, device_id, status, status_at, last_seen, last_heartbeat, agent_version, model_version, outbox_pending, open_discrepancies, uptime_seconds)",
                [.. Enumerable.Range(0, 2).Select(d => new object?[] { store, $"edge-{d:D2}", "online", now, now, now, "1.0.0", "shelf-yolo11n 2025.06.1", 0L, 4, 3600L })]);
            Insert(s, "cameras (store_id, camera_id, device_id, state, state_at, frames_captured, frames_skipped)",
                [.. Enumerable.Range(0, 10).Select(c => new object?[] { store, $"cam-{c}", $"edge-{c % 2:D2}", "streaming", now, 100_000L, 10L })]);
            Insert(s, "zones (store_id, location_id, sku, zone_id, camera_id, device_id, facings, units, empty_fraction, occluded, observed_at, model_version, expected_units, planned_facings)",
                [.. Enumerable.Range(0, zonesPerStore).Select(z => new object?[] { store, Location(store, z), Sku(z), $"z{z}", $"cam-{z % 10}", $"edge-{z % 10 % 2:D2}", 3, 9, 0.1, 0, now - 30_000, "shelf-yolo11n 2025.06.1", 12, 3 })]);
            Insert(s, "expected_stock (store_id, location_id, sku, expected_units, min_facings, capacity, updated_at)",
                [.. Enumerable.Range(0, zonesPerStore).Select(z => new object?[] { store, Location(store, z), Sku(z), 12, 2, 24, now - 3_600_000 })]);
            // 8 open (4 out of stock with an alert each, 4 below minimum) and 8 ended in the last week.
            // Open and ended ones apart: a NULL ended_at would reach PostgreSQL as text, which a BIGINT column refuses.
            var opened = new List<object?[]>();
            var ended = new List<object?[]>();
            var alerts = new List<object?[]>();
            for (int d = 0; d < 16; d++)
            {
                int z = d * 7 % zonesPerStore;
                bool open = d < 8;
                string kind = d % 2 == 0 ? "outOfStock" : "belowMinimum";
                long started = now - ((d + 1) * 3_600_000L * (open ? 1 : 9));
                string id = Guid.CreateVersion7().ToString();
                (open ? opened : ended).Add([id, store, $"edge-{z % 10 % 2:D2}", $"cam-{z % 10}", $"z{z}", Location(store, z), Sku(z), kind, "warning", open ? "open" : "ended",
                    started, started, now, .. open ? Array.Empty<object?>() : [started + 1_800_000]]);
                if (open && kind == "outOfStock")
                {
                    alerts.Add([Guid.CreateVersion7().ToString(), $"{store}|{Location(store, z)}|{Sku(z)}|{kind}", store, $"z{z}", Location(store, z), Sku(z), $"cam-{z % 10}",
                        $"edge-{z % 10 % 2:D2}", kind, "warning", "open", 0, 1, "store-operators", "Out of stock", id, Guid.CreateVersion7().ToString(), started, started]);
                }
            }
            const string Columns = "discrepancies (discrepancy_id, store_id, device_id, camera_id, zone_id, location_id, sku, kind, severity, state, started_at, last_event_at, updated_at";
            Insert(s, Columns + ")", opened);
            Insert(s, Columns + ", ended_at)", ended);
            Insert(s, "alerts (alert_id, dedup_key, store_id, zone_id, location_id, sku, camera_id, device_id, kind, severity, state, unverified, paged, groups, message, discrepancy_id, source_event_id, opened_at, updated_at)",
                alerts);
            s.Commit();
        }
    }

    private static string Location(string store, int zone) => $"{store}/A{zone / 20}/{zone % 20}";

    private static string Sku(int zone) => $"731{zone:D10}";

    internal static void Insert(SqlSession s, string tableAndColumns, List<object?[]> rows)
    {
        for (int first = 0; first < rows.Count; first += RowsPerStatement)
        {
            int count = Math.Min(RowsPerStatement, rows.Count - first);
            int columns = rows[first].Length;
            var sql = new StringBuilder("INSERT INTO ").Append(tableAndColumns).Append(" VALUES ");
            var parameters = new (string, object?)[count * columns];
            for (int r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (int c = 0; c < columns; c++)
                {
                    string name = string.Create(CultureInfo.InvariantCulture, $"@r{r}c{c}");
                    sql.Append(c == 0 ? "" : ", ").Append(name);
                    parameters[(r * columns) + c] = (name, rows[first + r][c]);
                }
                sql.Append(')');
            }
            s.Execute(sql.ToString(), parameters);
        }
    }
}
