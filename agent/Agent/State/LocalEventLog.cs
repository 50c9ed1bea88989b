using EdgeInventory.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.State;

/// <summary>
/// The event sink when no <c>Messaging</c> section is configured: every message is kept in the <c>event_log</c>
/// table (with the topic it would be published on) and written to the log. Idempotent by event id.
/// </summary>
public sealed partial class LocalEventLog(ILogger<LocalEventLog> logger, string storeId, string deviceId) : IEventSink
{
    public void Initialize(SqliteConnection connection)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS event_log(
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL UNIQUE,
                schema TEXT NOT NULL,
                topic TEXT NOT NULL,
                payload BLOB NOT NULL,
                created_at TEXT NOT NULL);
            """;
        cmd.ExecuteNonQuery();
    }

    public void Enqueue(SqliteTransaction transaction, ContractMessage message)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        (string topic, byte[] payload) = message switch
        {
            DiscrepancyEvent e => (Topics.Discrepancy(storeId, deviceId), ContractParser.Serialize(e)),
            ZoneCountSnapshot s => (Topics.ZoneCounts(storeId, deviceId), ContractParser.Serialize(s)),
            _ => throw new ArgumentException($"the agent does not send {message.Schema} through the event log", nameof(message)),
        };
        using SqliteCommand cmd = transaction.Connection!.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = "INSERT OR IGNORE INTO event_log(event_id, schema, topic, payload, created_at) VALUES ($id, $schema, $topic, $payload, $at)";
        cmd.Parameters.AddWithValue("$id", message.EventId.ToString());
        cmd.Parameters.AddWithValue("$schema", message.Schema);
        cmd.Parameters.AddWithValue("$topic", topic);
        cmd.Parameters.AddWithValue("$payload", payload);
        cmd.Parameters.AddWithValue("$at", message.OccurredAt.UtcDateTime.ToString("O"));
        cmd.ExecuteNonQuery();
        if (message is DiscrepancyEvent d)
        {
            LogDiscrepancy(logger, d.Phase, d.Kind, d.Severity, d.CameraId, d.ZoneId ?? "-", d.LocationId ?? "-", d.Detail ?? "", d.EventId);
        }
    }

    /// <summary>Nothing waits for the log's rows.</summary>
    public void Committed()
    {
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "discrepancy {Phase} {Kind} ({Severity}) camera {CameraId} zone {ZoneId} location {LocationId}: {Detail} [event {EventId}]")]
    private static partial void LogDiscrepancy(ILogger logger, DiscrepancyPhase phase, DiscrepancyKind kind, Severity severity, string cameraId, string zoneId, string locationId, string detail, Guid eventId);
}
