using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.State;

/// <summary>
/// The event sink with MQTT delivery: messages go into agent/Messaging's durable outbox (the <c>outbox</c> table
/// of the agent's own database) inside the state change's transaction, and the relay, woken after the commit,
/// publishes them. Discrepancies are also written to the log, as with the local event log.
/// </summary>
public sealed partial class OutboxEventSink(SqliteOutbox outbox, ILogger<OutboxEventSink> logger) : IEventSink
{
    /// <summary>
    /// The outbox checks the connection is on its own database file (an event and its state change must share
    /// one transaction) and sets WAL and <c>synchronous=FULL</c> on it: a committed discrepancy survives a power cut.
    /// </summary>
    public void Initialize(SqliteConnection connection) => outbox.PrepareConnection(connection);

    public void Enqueue(SqliteTransaction transaction, ContractMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // False only for a count snapshot or evidence photo refused by a full outbox (nothing it may drop for it); the
        // outbox logs and counts that, and the discrepancy in the same transaction is stored all the same.
        outbox.Enqueue(transaction, OutboxMessage.From(message));
        if (message is DiscrepancyEvent d)
        {
            LogDiscrepancy(logger, d.Phase, d.Kind, d.Severity, d.CameraId, d.ZoneId ?? "-", d.LocationId ?? "-", d.Detail ?? "", d.EventId);
        }
    }

    /// <summary>Wakes the relay now; without it the events would wait for its next poll.</summary>
    public void Committed() => outbox.NotifyCommitted();

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "discrepancy {Phase} {Kind} ({Severity}) camera {CameraId} zone {ZoneId} location {LocationId}: {Detail} [event {EventId}]")]
    private static partial void LogDiscrepancy(ILogger logger, DiscrepancyPhase phase, DiscrepancyKind kind, Severity severity, string cameraId, string zoneId, string locationId, string detail, Guid eventId);
}
