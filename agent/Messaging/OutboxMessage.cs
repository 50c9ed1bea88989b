using EdgeInventory.Contracts;

namespace EdgeInventory.Messaging;

/// <summary>
/// What happens to a message when the outbox is at its bound. Room is made by dropping the oldest count snapshot,
/// and only when none is left the oldest evidence photo; a message never pushes out one kept longer than itself
/// (a snapshot never makes room by dropping a photo). The values are stored in the <c>outbox</c> table.
/// </summary>
public enum OutboxRetention
{
    /// <summary>Discrepancies and alerts: never dropped, even past the bound.</summary>
    NeverDrop = 0,

    /// <summary>Count snapshots: a newer one supersedes them, so the oldest go first when the outbox is full.</summary>
    DropOldestWhenFull = 1,

    /// <summary>
    /// Evidence photos: no newer message supersedes one, so they go only after every snapshot, oldest first. The
    /// discrepancy event that names the photo is kept, and so is the JPEG on the device (for its retention).
    /// </summary>
    DropOldestAfterSnapshots = 2,
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

    /// <summary>The outbox message for a contract message the agent keeps for delivery (discrepancies, count snapshots, evidence photos).</summary>
    public static OutboxMessage From(ContractMessage message) => message switch
    {
        DiscrepancyEvent e => For(e),
        ZoneCountSnapshot s => For(s),
        EvidencePhoto p => For(p),
        null => throw new ArgumentNullException(nameof(message)),
        _ => throw new ArgumentException($"{message.Schema} messages are not kept in the outbox (heartbeats and status are published directly; the others flow cloud → edge)", nameof(message)),
    };

    public static OutboxMessage For(ZoneCountSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.EventId, Topics.ZoneCounts(s.StoreId, s.DeviceId), s.CameraId, ContractParser.Serialize(s), OutboxRetention.DropOldestWhenFull);
    }

    /// <summary>
    /// On <c>edgeinv/&lt;store&gt;/&lt;device&gt;/evidence/&lt;evidenceId&gt;</c>, with the ordering key of the discrepancy
    /// event it belongs to (its zone, else its camera): enqueued after that event, it is published only once the
    /// event's PUBACK has come.
    /// </summary>
    public static OutboxMessage For(EvidencePhoto p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.EventId, Topics.Evidence(p.StoreId, p.DeviceId, p.EvidenceId), p.ZoneId ?? p.CameraId, ContractParser.Serialize(p), OutboxRetention.DropOldestAfterSnapshots);
    }
}

/// <summary>A delivered event, as the relay saw it: when it was enqueued and when the broker acknowledged it.</summary>
public readonly record struct OutboxDelivery(long Sequence, Guid EventId, string OrderingKey, long EnqueuedAtUnixMs, int Attempts);
