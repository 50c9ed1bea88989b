using EdgeInventory.Contracts;

namespace EdgeInventory.Messaging;

/// <summary>What happens to a message when the outbox is at its bound.</summary>
public enum OutboxRetention
{
    /// <summary>Discrepancies and alerts: never dropped, even past the bound.</summary>
    NeverDrop = 0,

    /// <summary>Count snapshots: a newer one supersedes them, so the oldest go first when the outbox is full.</summary>
    DropOldestWhenFull = 1,
}

/// <summary>
/// One event waiting for delivery. <see cref="OrderingKey"/> names the zone (or camera): the relay publishes
/// the events of one key strictly in the order they were enqueued, one at a time.
/// </summary>
public sealed record OutboxMessage(Guid EventId, string Topic, string OrderingKey, byte[] Payload, OutboxRetention Retention)
{
    public static OutboxMessage For(DiscrepancyEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.EventId, Topics.Discrepancy(e.StoreId, e.DeviceId), e.ZoneId ?? e.CameraId, ContractParser.Serialize(e), OutboxRetention.NeverDrop);
    }

    public static OutboxMessage For(ZoneCountSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.EventId, Topics.ZoneCounts(s.StoreId, s.DeviceId), s.CameraId, ContractParser.Serialize(s), OutboxRetention.DropOldestWhenFull);
    }
}

/// <summary>A delivered event, as the relay saw it: when it was enqueued and when the broker acknowledged it.</summary>
public readonly record struct OutboxDelivery(long Sequence, Guid EventId, string OrderingKey, long EnqueuedAtUnixMs, int Attempts);
