using System.Collections.Concurrent;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Reconciliation;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>What a scanner post came to.</summary>
public enum ScannerCountOutcome
{
    Accepted,
    Duplicate,
    Rejected,

    /// <summary>Its <c>countedAt</c> lies beyond the clock-skew allowance ahead of this agent's clock: refused, nothing stored.</summary>
    FutureDated,
}

/// <summary>
/// The scanner count of each (location, SKU) accepted last: the one reconciled with the camera, whatever its
/// timestamp (the store reloads it by accept order too). Written by <see cref="ScannerIntake"/>, read by the zone
/// pipelines; thread-safe without a lock of its own, so a reader under the zone state's lock never waits for it.
/// </summary>
public sealed class LatestScannerCounts
{
    private readonly ConcurrentDictionary<(string Location, string Sku), ScannerCountRecord> _latest = new();

    public LatestScannerCounts(IEnumerable<ScannerCountRecord> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (ScannerCountRecord scan in stored)
        {
            _latest[(scan.LocationId, scan.Sku)] = scan;
        }
    }

    /// <summary>The count of this location and SKU accepted last, or null before the first.</summary>
    public ScannerCountRecord? Find(string locationId, string sku) => _latest.GetValueOrDefault((locationId, sku));

    internal void Accepted(ScannerCountRecord record) => _latest[(record.LocationId, record.Sku)] = record;
}

/// <summary>
/// Authoritative handheld counts, posted to the local endpoint or sent by the cloud: checked (this store, not
/// dated in the future, a known location, not a duplicate), stored, and the zone's depth refined when the count
/// agrees with the camera. Accepts one count at a time, so a count posted twice at once is stored once.
/// </summary>
public sealed class ScannerIntake(AgentSettings settings, ZoneStateKeeper zones, ExpectedStockKeeper expected, LatestScannerCounts latest, AgentStore store, TimeProvider clock)
{
    private readonly Lock _accepting = new();

    /// <summary>Applies a handheld count: stored, the zone's depth refined when the count agrees with the camera.</summary>
    public (ScannerCountOutcome Outcome, string Detail) Accept(ScannerCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        lock (_accepting)
        {
            if (count.StoreId != settings.StoreId)
            {
                return (ScannerCountOutcome.Rejected, $"storeId '{count.StoreId}' is not this agent's store '{settings.StoreId}'");
            }

            // A count from the future would stay the location's newest for years and jam its reconciliation (issue 15).
            DateTimeOffset now = clock.GetUtcNow();
            TimeSpan allowance = TimeSpan.FromSeconds(settings.Reconciliation.ScannerClockSkewSeconds);
            if (count.CountedAt - now > allowance)
            {
                return (ScannerCountOutcome.FutureDated,
                    $"countedAt {count.CountedAt:O} is {(count.CountedAt - now).TotalSeconds:0} s ahead of this agent's clock ({now:O}); at most {allowance.TotalSeconds:0} s (Reconciliation:ScannerClockSkewSeconds) is allowed");
            }

            if (!zones.HasZone(count.LocationId, count.Sku) && expected.Find(count.LocationId, count.Sku) is null)
            {
                return (ScannerCountOutcome.Rejected, $"unknown location '{count.LocationId}' with SKU '{count.Sku}': no zone or expected stock names it");
            }

            if (store.HasScannerCount(count.EventId))
            {
                return (ScannerCountOutcome.Duplicate, $"event {count.EventId} was already accepted");
            }

            var record = new ScannerCountRecord(count.LocationId, count.Sku, count.Quantity, count.CountedAt, count.DeviceId, count.EventId);
            string detail = zones.RecordScannerCount(record);
            // The latest accepted count is the one reconciled, whatever its timestamp: the store reloads it by accept order too.
            latest.Accepted(record);
            return (ScannerCountOutcome.Accepted, detail);
        }
    }

    /// <summary>The scanner count of this location and SKU accepted last (the one reconciled), or null before the first.</summary>
    public ScannerCountRecord? LatestScannerCount(string locationId, string sku) => latest.Find(locationId, sku);
}
