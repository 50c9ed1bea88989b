using EdgeInventory.Contracts;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Agent.State;

/// <summary>
/// Where outgoing messages go, inside the SQLite transaction that records the state change they describe,
/// so that a message exists if and only if its state change does. <see cref="OutboxEventSink"/> puts them in
/// agent/Messaging's outbox (MQTT delivery); <see cref="LocalEventLog"/> keeps them in the agent's database
/// when no broker is configured.
/// </summary>
public interface IEventSink
{
    /// <summary>Sets up the store's connection for the sink (tables, pragmas); called once at start, outside any transaction.</summary>
    void Initialize(SqliteConnection connection);

    /// <summary>Stores <paramref name="message"/> for delivery as part of <paramref name="transaction"/>.</summary>
    void Enqueue(SqliteTransaction transaction, ContractMessage message);

    /// <summary>
    /// Called after every commit of a transaction that may hold enqueued messages (never before the commit: a
    /// deliverer woken earlier finds nothing). The outbox wakes its relay here.
    /// </summary>
    void Committed();
}
