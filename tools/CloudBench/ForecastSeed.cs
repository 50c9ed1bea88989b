using EdgeInventory.Cloud.Storage;

namespace EdgeInventory.CloudBench;

/// <summary>
/// Seeds the forecast benchmark straight into the aggregator's tables: <c>stores</c> of 100 SKUs each (Europe/Stockholm),
/// one shelf per SKU with one count a day over the history (each SKU its own rate with day-to-day noise, refilled when
/// it runs low, which hides that interval's depletion as a real restock does), the zone's latest count, and an ended
/// camera stock-out on every 20th SKU. Deterministic (a fixed seed per series).
/// </summary>
internal static class ForecastSeed
{
    public const int SkusPerStore = 100;

    public static async Task<long> SeedAsync(CloudDatabase database, int series, int days)
    {
        DateTimeOffset today = new(DateOnly.FromDateTime(DateTime.UtcNow).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        long now = CloudDatabase.Ms(DateTimeOffset.UtcNow);
        int stores = (series + SkusPerStore - 1) / SkusPerStore;
        long rows = 0;
        for (int st = 0; st < stores; st++)
        {
            string store = $"f{st:D5}";
            using SqlSession s = await SqlSession.BeginAsync(database).ConfigureAwait(false);
            OverviewSeed.Insert(s, "stores (store_id, name, region, time_zone, first_seen, last_seen, zone_count)",
                [[store, $"Forecast store {st}", $"region-{st % 12}", "Europe/Stockholm", now - (days * 86_400_000L), now, SkusPerStore]]);
            var counts = new List<object?[]>(SkusPerStore * (days + 1));
            var zones = new List<object?[]>(SkusPerStore);
            var stockOuts = new List<object?[]>();
            for (int k = 0; k < SkusPerStore && (st * SkusPerStore) + k < series; k++)
            {
                int index = (st * SkusPerStore) + k;
                var random = new Random(index);
                string sku = $"742{index:D10}", location = $"{store}/A{k / 20}/{k % 20}";
                double rate = 0.5 + (random.NextDouble() * 20), capacity = Math.Ceiling(rate * 12) + 5, units = capacity;
                for (int d = 0; d <= days; d++)
                {
                    // One count a day at 10:00 UTC; then a day's sales; a refill when less than two days are left.
                    counts.Add([store, location, sku, CloudDatabase.Ms(today.AddDays(d - days).AddHours(10)), 1, (int)units, 0.0, 0, $"{index}-{d}"]);
                    units = Math.Max(0, units - Math.Round(rate * (0.6 + (0.8 * random.NextDouble()))));
                    if (units < 2 * rate)
                    {
                        units = capacity;
                    }
                }
                zones.Add([store, location, sku, $"z{k}", $"cam-{k % 10}", "edge-00", 1, (int)units, CloudDatabase.Ms(today)]);
                if (index % 20 == 0)
                {
                    long from = CloudDatabase.Ms(today.AddDays(-10 - (index % 30)));
                    stockOuts.Add([Guid.CreateVersion7().ToString(), store, "edge-00", $"cam-{k % 10}", $"z{k}", location, sku, "outOfStock", "warning", "ended",
                        from, from + (3 * 86_400_000L), from + (3 * 86_400_000L), from + (3 * 86_400_000L)]);
                }
            }
            OverviewSeed.Insert(s, "count_history (store_id, location_id, sku, observed_at, facings, units, empty_fraction, occluded, event_id)", counts);
            OverviewSeed.Insert(s, "zones (store_id, location_id, sku, zone_id, camera_id, device_id, facings, units, observed_at)", zones);
            OverviewSeed.Insert(s, "discrepancies (discrepancy_id, store_id, device_id, camera_id, zone_id, location_id, sku, kind, severity, state, started_at, ended_at, last_event_at, updated_at)", stockOuts);
            s.Commit();
            rows += counts.Count;
        }
        return rows;
    }
}
