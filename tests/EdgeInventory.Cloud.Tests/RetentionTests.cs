using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeInventory.Cloud.Tests;

/// <summary>The retention sweep removes what is past its keep time, and nothing younger.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task A_sweep_removes_old_count_history_hour_by_hour_old_event_ids_and_the_oldest_dead_letters_only()
    {
        await using CloudTestSystem system = await CloudTestSystem.StartAsync(extra: new Dictionary<string, string?> { ["Cloud:Retention:DeadLetters"] = "100" });
        var db = system.App.Services.GetRequiredService<CloudDatabase>();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), day = 86_400_000, hour = 3_600_000;
        using (SqlSession s = await SqlSession.BeginAsync(db))
        {
            // 91 and 92 days old (several hours apart, so several chunks), and one a day old.
            foreach (long at in new[] { now - (92 * day), now - (92 * day) + (5 * hour), now - (91 * day), now - day })
            {
                s.Execute("INSERT INTO count_history (store_id, location_id, sku, observed_at, facings, units, empty_fraction, occluded, event_id) VALUES ('s001', 'l', '', @t, 1, 1, 0, 0, 'e')", ("@t", at));
            }
            s.Execute("INSERT INTO received_events (event_id, received_at, schema_id) VALUES ('old', @t, 'x'), ('new', @n, 'x')", ("@t", now - (31 * day)), ("@n", now));
            for (int i = 0; i < 150; i++)
            {
                s.Execute("INSERT INTO dead_letters (received_at, topic, reason, detail, payload, payload_bytes) VALUES (@t, 't', 'r', 'd', @p, 0)", ("@t", now), ("@p", Array.Empty<byte>()));
            }
            s.Commit();
        }

        RetentionWorker worker = system.App.Services.GetServices<IHostedService>().OfType<RetentionWorker>().Single();
        Assert.Equal(3 + 1 + 50, await worker.SweepAsync(CancellationToken.None));

        using SqlSession read = await SqlSession.BeginReadAsync(db);
        Assert.Equal(now - day, read.ScalarLong("SELECT MIN(observed_at) FROM count_history"));
        Assert.Equal(1, read.ScalarLong("SELECT COUNT(*) FROM count_history"));
        Assert.Equal("new", read.Scalar("SELECT event_id FROM received_events"));
        Assert.Equal(100, read.ScalarLong("SELECT COUNT(*) FROM dead_letters"));
        Assert.Equal(51, read.ScalarLong("SELECT MIN(id) FROM dead_letters")); // the newest 100 are kept
    }
}
