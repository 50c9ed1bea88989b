using EdgeInventory.Contracts;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.State;

/// <summary>
/// Where outgoing messages go, inside the SQLite transaction that records the state change they describe,
/// so that a message exists if and only if its state change does. Today <see cref="LocalEventLog"/> keeps
/// them in the agent's database and writes them to the log; the MQTT delivery (agent/Messaging's outbox)
/// plugs in here by implementing this interface over the same connection.
/// </summary>
public interface IEventSink
{
    /// <summary>Creates the sink's tables if needed (called once at start, outside any transaction).</summary>
    void Initialize(SqliteConnection connection);

    /// <summary>Stores <paramref name="message"/> for delivery as part of <paramref name="transaction"/>.</summary>
    void Enqueue(SqliteTransaction transaction, ContractMessage message);
}
