using EdgeInventory.Contracts;
using EdgeInventory.Testing;
using Microsoft.Data.Sqlite;

namespace EdgeInventory.Messaging.Tests;

public sealed class SqliteOutboxTests : IDisposable
{
    private readonly string database = Fixtures.TempDatabase();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (string f in new[] { database, database + "-wal", database + "-shm" })
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void Connections_use_wal_and_synchronous_full()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using SqliteConnection connection = outbox.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, command.ExecuteScalar()); // FULL
    }

    [Fact]
    public void An_event_is_stored_only_if_the_state_change_that_caused_it_commits()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using SqliteConnection connection = outbox.OpenConnection();
        using (SqliteCommand create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE zone_state (zone TEXT PRIMARY KEY, state TEXT)";
            create.ExecuteNonQuery();
        }

        using (SqliteTransaction rolledBack = connection.BeginTransaction())
        {
            ChangeState(connection, rolledBack, "zone-1", "empty");
            Assert.True(outbox.Enqueue(rolledBack, OutboxMessage.For(TestMessages.Discrepancy("zone-1"))));
            rolledBack.Rollback();
        }
        Assert.Equal(0, outbox.Stats().Count);

        using (SqliteTransaction committed = connection.BeginTransaction())
        {
            ChangeState(connection, committed, "zone-1", "empty");
            outbox.Enqueue(committed, OutboxMessage.For(TestMessages.Discrepancy("zone-1")));
            committed.Commit();
        }
        Assert.Equal(1, outbox.Stats().Count);
    }

    [Fact]
    public void An_event_is_dated_by_the_clock_the_outbox_is_given()
    {
        var at = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database }, clock: new FixedClock(at));
        using SqliteConnection connection = outbox.OpenConnection();
        using (SqliteTransaction transaction = connection.BeginTransaction())
        {
            Assert.True(outbox.Enqueue(transaction, OutboxMessage.For(TestMessages.Discrepancy("zone-1"))));
            transaction.Commit();
        }
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT created_at FROM outbox";
        Assert.Equal(at.ToUnixTimeMilliseconds(), (long)read.ExecuteScalar()!);
    }


    private static void ChangeState(SqliteConnection connection, SqliteTransaction transaction, string zone, string state)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR REPLACE INTO zone_state VALUES ($z, $s)";
        command.Parameters.AddWithValue("$z", zone);
        command.Parameters.AddWithValue("$s", state);
        command.ExecuteNonQuery();
    }

    [Fact]
    public void When_full_the_oldest_snapshots_go_first_and_discrepancies_are_never_dropped()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database, MaxEvents = 100 });
        var snapshots = Enumerable.Range(0, 60).Select(_ => OutboxMessage.For(Fixtures.Snapshot())).ToList();
        var discrepancies = Enumerable.Range(0, 110).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % 7}"))).ToList();
        Assert.Equal(60, outbox.EnqueueBatch(snapshots));
        Assert.Equal(40, outbox.EnqueueBatch(discrepancies[..40]));
        Assert.Equal(100, outbox.Stats().Count);

        // 10 more discrepancies: the 10 oldest snapshots make room.
        outbox.EnqueueBatch(discrepancies[40..50]);
        Assert.Equal(100, outbox.Stats().Count);
        HashSet<string> stored = StoredIds();
        Assert.DoesNotContain(snapshots[9].EventId.ToString(), stored);
        Assert.Contains(snapshots[10].EventId.ToString(), stored);

        // 60 more: the remaining 50 snapshots go, then the outbox grows past its bound rather than lose one.
        outbox.EnqueueBatch(discrepancies[50..]);
        Assert.Equal(110, outbox.Stats().Count);
        stored = StoredIds();
        Assert.All(discrepancies, d => Assert.Contains(d.EventId.ToString(), stored));
        Assert.DoesNotContain(stored, id => snapshots.Any(s => s.EventId.ToString() == id));

        // Full of discrepancies: a new snapshot is refused.
        Assert.Equal(0, outbox.EnqueueBatch([OutboxMessage.For(Fixtures.Snapshot())]));
        Assert.Equal(110, outbox.Stats().Count);
    }

    [Fact]
    public void When_full_evidence_photos_go_after_the_snapshots_and_never_make_room_for_one()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database, MaxEvents = 100 });
        var events = Enumerable.Range(0, 80).Select(i => TestMessages.Discrepancy($"zone-{i % 7}")).ToList();
        var photos = events.Select(e => OutboxMessage.For(TestMessages.Evidence(e))).ToList();
        var snapshots = Enumerable.Range(0, 20).Select(_ => OutboxMessage.For(Fixtures.Snapshot())).ToList();
        Assert.Equal(20, outbox.EnqueueBatch(snapshots));
        Assert.Equal(40, outbox.EnqueueBatch(photos[..40]));
        Assert.Equal(40, outbox.EnqueueBatch(events[..40].Select(OutboxMessage.For)));
        Assert.Equal(100, outbox.Stats().Count);

        // A new photo makes room by dropping the oldest snapshot, not a photo.
        Assert.Equal(1, outbox.EnqueueBatch([photos[40]]));
        HashSet<string> stored = StoredIds();
        Assert.DoesNotContain(snapshots[0].EventId.ToString(), stored);
        Assert.All(photos[..41], p => Assert.Contains(p.EventId.ToString(), stored));

        // 19 discrepancies take the remaining snapshots, the next 5 the 5 oldest photos.
        outbox.EnqueueBatch(events[40..64].Select(OutboxMessage.For));
        Assert.Equal(100, outbox.Stats().Count);
        stored = StoredIds();
        Assert.DoesNotContain(stored, id => snapshots.Any(s => s.EventId.ToString() == id));
        Assert.All(photos[..5], p => Assert.DoesNotContain(p.EventId.ToString(), stored));
        Assert.All(photos[5..41], p => Assert.Contains(p.EventId.ToString(), stored));

        // With photos and discrepancies only, a snapshot is refused rather than push out a photo…
        Assert.Equal(0, outbox.EnqueueBatch([OutboxMessage.For(Fixtures.Snapshot())]));
        // …and a new photo replaces the oldest one.
        Assert.Equal(1, outbox.EnqueueBatch([photos[41]]));
        stored = StoredIds();
        Assert.DoesNotContain(photos[5].EventId.ToString(), stored);
        Assert.Contains(photos[41].EventId.ToString(), stored);

        // Discrepancies push out every photo and then grow the outbox past its bound; a photo is then refused.
        outbox.EnqueueBatch(events[64..].Select(OutboxMessage.For));
        outbox.EnqueueBatch(Enumerable.Range(0, 30).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % 7}"))));
        stored = StoredIds();
        Assert.All(events, e => Assert.Contains(e.EventId.ToString(), stored));
        Assert.DoesNotContain(stored, id => photos.Any(p => p.EventId.ToString() == id));
        Assert.Equal(110, outbox.Stats().Count);
        Assert.Equal(0, outbox.EnqueueBatch([photos[42]]));
        Assert.Equal(110, outbox.Stats().Count);
    }

    private HashSet<string> StoredIds()
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT event_id FROM outbox";
        using SqliteDataReader reader = command.ExecuteReader();
        var ids = new HashSet<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    [Fact]
    public void Bad_options_are_refused_naming_the_key()
    {
        Assert.Contains("Outbox:DatabasePath", Assert.Throws<ArgumentException>(() => new SqliteOutbox(new OutboxOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("Outbox:MaxEvents", Assert.Throws<ArgumentException>(() => new SqliteOutbox(new OutboxOptions { DatabasePath = database, MaxEvents = 5 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_the_caller_opened_is_set_to_synchronous_full_and_must_be_on_the_outbox_file()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        using (var own = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            own.Open();
            using SqliteCommand command = own.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL";
            command.ExecuteNonQuery();
            outbox.PrepareConnection(own);
            command.CommandText = "PRAGMA synchronous";
            Assert.Equal(2L, command.ExecuteScalar()); // FULL
        }

        string other = Fixtures.TempDatabase();
        try
        {
            using var elsewhere = new SqliteConnection($"Data Source={other};Pooling=False");
            elsewhere.Open();
            var refused = Assert.Throws<ArgumentException>(() => outbox.PrepareConnection(elsewhere));
            Assert.Contains(other, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(other);
        }
    }

    [Fact]
    public void Committed_is_raised_by_commit_and_batches_but_not_by_enqueue()
    {
        var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = database });
        int raised = 0;
        outbox.Committed += () => raised++;
        using SqliteConnection connection = outbox.OpenConnection();
        using (SqliteTransaction transaction = connection.BeginTransaction())
        {
            outbox.Enqueue(transaction, OutboxMessage.For(TestMessages.Discrepancy("zone-1")));
            Assert.Equal(0, raised); // before the commit the relay would find nothing
            outbox.Commit(transaction);
        }
        Assert.Equal(1, raised);
        outbox.EnqueueBatch([OutboxMessage.For(TestMessages.Discrepancy("zone-2"))]);
        Assert.Equal(2, raised);
        Assert.Equal(2, outbox.Stats().Count);
    }

    [Fact]
    public void Only_discrepancies_count_snapshots_and_evidence_photos_are_kept_in_the_outbox()
    {
        DiscrepancyEvent discrepancy = TestMessages.Discrepancy("zone-1");
        Assert.Equal(OutboxRetention.NeverDrop, OutboxMessage.From(discrepancy).Retention);
        Assert.Equal(OutboxRetention.DropOldestWhenFull, OutboxMessage.From(Fixtures.Snapshot()).Retention);
        EvidencePhoto photo = TestMessages.Evidence(discrepancy);
        OutboxMessage evidence = OutboxMessage.From(photo);
        // Its own topic, named by the evidence id, and the event's ordering key: published after the event.
        Assert.Equal(($"edgeinv/s042/edge-01/evidence/{photo.EvidenceId}", OutboxRetention.DropOldestAfterSnapshots), (evidence.Topic, evidence.Retention));
        Assert.Equal(OutboxMessage.From(discrepancy).OrderingKey, evidence.OrderingKey);
        Assert.Equal(photo.Jpeg, ContractParser.Parse<EvidencePhoto>(evidence.Payload).Message!.Jpeg);
        var heartbeat = new Contracts.Heartbeat
        {
            EventId = Contracts.EventIds.NewId(),
            OccurredAt = DateTimeOffset.UtcNow,
            StoreId = "s042",
            DeviceId = "edge-01",
            ModelVersion = "test-model 1",
            UptimeSeconds = 1,
            Cameras = [],
            OutboxPending = 0,
            OutboxOldestAgeSeconds = null,
            OpenDiscrepancies = 0,
        };
        Assert.Contains("edgeinv.heartbeat/1", Assert.Throws<ArgumentException>(() => OutboxMessage.From(heartbeat)).Message, StringComparison.Ordinal);
    }
}
