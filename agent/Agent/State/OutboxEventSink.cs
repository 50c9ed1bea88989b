using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.State;

/// <summary>
/// The event sink when MQTT delivery is configured: messages go into agent/Messaging's durable outbox
/// (the <c>outbox</c> table of the agent's own database) inside the state change's transaction, and the
/// relay publishes them. Discrepancies are also written to the log, as with the local event log.
/// </summary>
public sealed partial class OutboxEventSink(SqliteOutbox outbox, ILogger<OutboxEventSink> logger) : IEventSink
{
    /// <summary>The outbox created its tables when it was constructed on the same database file.</summary>
    public void Initialize(SqliteConnection connection)
    {
    }

    public void Enqueue(SqliteTransaction transaction, ContractMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        OutboxMessage entry = message switch
        {
            DiscrepancyEvent e => OutboxMessage.For(e),
            ZoneCountSnapshot s => OutboxMessage.For(s),
            _ => throw new ArgumentException($"the agent does not send {message.Schema} through the outbox", nameof(message)),
        };
        outbox.Enqueue(transaction, entry);
        if (message is DiscrepancyEvent d)
        {
            LogDiscrepancy(logger, d.Phase, d.Kind, d.Severity, d.CameraId, d.ZoneId ?? "-", d.LocationId ?? "-", d.Detail ?? "", d.EventId);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "discrepancy {Phase} {Kind} ({Severity}) camera {CameraId} zone {ZoneId} location {LocationId}: {Detail} [event {EventId}]")]
    private static partial void LogDiscrepancy(ILogger logger, DiscrepancyPhase phase, DiscrepancyKind kind, Severity severity, string cameraId, string zoneId, string locationId, string detail, Guid eventId);
}
