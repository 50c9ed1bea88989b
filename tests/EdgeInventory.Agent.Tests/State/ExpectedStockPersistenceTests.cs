using System.Security.Cryptography;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Contracts;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Agent.Tests.State;

/// <summary>
/// The cloud's expected-stock updates survive a restart. Each test starts a real <see cref="AgentStore"/> and
/// <see cref="ExpectedStockKeeper"/> on a SQLite file in a temporary folder (configuration loaded from a file, as the agent
/// does), stops them, and starts new ones on the same file, as a power cut and a reboot would. No camera or model
/// run is needed: the agent's parts are built without starting its captures.
/// </summary>
public sealed class ExpectedStockPersistenceTests : IDisposable
{
    private const string Z1 = "s042/A1/B1/z1";
    private const string Z2 = "s042/A1/B1/z2";
    private const string Z3 = "s042/A1/B1/z3";

    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    private string Planogram => _dir.File("planogram.csv");

    private void WritePlanogram(int z1Units, int z2Units) =>
        File.WriteAllText(Planogram, $"location_id,sku,expected_units\n{Z1},sku-z1,{z1Units}\n{Z2},sku-z2,{z2Units}\n");

    [Fact]
    public async Task A_merge_from_the_cloud_survives_a_restart()
    {
        WritePlanogram(10, 20);
        await using (RunningAgent first = Start())
        {
            Assert.True(first.ExpectedStock.Apply(Update(ExpectedStockMode.Merge, (Z1, 3))));
            Assert.Equal(Book((Z1, 3), (Z2, 20)), Units(first));
        }

        // The same planogram written again (a new modification time, the same content) is not a new planogram.
        WritePlanogram(10, 20);
        await using RunningAgent second = Start();
        Assert.Equal(Book((Z1, 3), (Z2, 20)), Units(second));
        Assert.DoesNotContain(second.Log.Lines, l => l.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_replace_then_a_merge_replay_to_the_same_book_and_the_updates_before_the_replace_are_compacted()
    {
        WritePlanogram(10, 20);
        ExpectedStockUpdate before = Update(ExpectedStockMode.Merge, (Z1, 5));
        ExpectedStockUpdate replace = Update(ExpectedStockMode.Replace, (Z2, 7), (Z3, 4));
        ExpectedStockUpdate after = Update(ExpectedStockMode.Merge, (Z3, 9));
        await using (RunningAgent first = Start())
        {
            Assert.True(first.ExpectedStock.Apply(before));
            Assert.True(first.ExpectedStock.Apply(replace));
            Assert.True(first.ExpectedStock.Apply(after));
            // Z1 is not in the replace: nothing is expected there any more, the planogram's 10 included.
            Assert.Equal(Book((Z2, 7), (Z3, 9)), Units(first));
        }

        await using RunningAgent second = Start();
        Assert.Equal(Book((Z2, 7), (Z3, 9)), Units(second));
        Assert.Equal(new[] { replace.EventId, after.EventId }, second.Store.LoadExpectedStockUpdates().Select(u => u.EventId));
        // The merge before the replace keeps only its id (for redeliveries); its payload is gone.
        Assert.Equal(new List<(Guid, bool)> { (before.EventId, false), (replace.EventId, true), (after.EventId, true) }, StoredRows());
    }

    [Fact]
    public async Task A_redelivered_update_changes_nothing_even_after_a_replace_superseded_it_and_after_a_restart()
    {
        WritePlanogram(10, 20);
        ExpectedStockUpdate five = Update(ExpectedStockMode.Merge, (Z1, 5));
        ExpectedStockUpdate six = Update(ExpectedStockMode.Merge, (Z1, 6));
        ExpectedStockUpdate replace = Update(ExpectedStockMode.Replace, (Z1, 1), (Z2, 2));
        await using (RunningAgent first = Start())
        {
            Assert.True(first.ExpectedStock.Apply(five));
            Assert.True(first.ExpectedStock.Apply(six));
            Assert.False(first.ExpectedStock.Apply(five)); // applied again it would set Z1 back to 5
            Assert.Equal(Book((Z1, 6), (Z2, 20)), Units(first));

            Assert.True(first.ExpectedStock.Apply(replace));
            Assert.False(first.ExpectedStock.Apply(six)); // its payload was compacted, its id is still known
            Assert.Equal(Book((Z1, 1), (Z2, 2)), Units(first));
        }

        await using RunningAgent second = Start();
        Assert.False(second.ExpectedStock.Apply(five));
        Assert.False(second.ExpectedStock.Apply(replace));
        Assert.Equal(Book((Z1, 1), (Z2, 2)), Units(second));
        Assert.Equal(new List<(Guid, bool)> { (five.EventId, false), (six.EventId, false), (replace.EventId, true) }, StoredRows());
    }

    [Fact]
    public async Task A_changed_planogram_file_discards_the_stored_updates_with_one_warning_naming_the_file()
    {
        WritePlanogram(10, 20);
        ExpectedStockUpdate merge = Update(ExpectedStockMode.Merge, (Z1, 3));
        await using (RunningAgent first = Start())
        {
            Assert.True(first.ExpectedStock.Apply(merge));
            Assert.Equal(Book((Z1, 3), (Z2, 20)), Units(first));
        }

        // The operator deploys a new planogram while the agent is down.
        WritePlanogram(12, 20);
        await using (RunningAgent second = Start())
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Planogram))), second.Settings.ExpectedStockSha256);
            Assert.Equal(Book((Z1, 12), (Z2, 20)), Units(second));
            (LogLevel _, EventId _, string message) = Assert.Single(second.Log.Lines, l => l.Level >= LogLevel.Warning);
            Assert.Contains(Planogram, message, StringComparison.Ordinal);
            Assert.Contains("1 stored cloud updates are discarded", message, StringComparison.Ordinal);
            Assert.Empty(second.Store.LoadExpectedStockUpdates());
        }

        // Started again on the new planogram: nothing more to discard, and the old update stays known.
        await using RunningAgent third = Start();
        Assert.DoesNotContain(third.Log.Lines, l => l.Level >= LogLevel.Warning);
        Assert.False(third.ExpectedStock.Apply(merge));
        Assert.Equal(Book((Z1, 12), (Z2, 20)), Units(third));
    }

    [Fact]
    public void The_id_of_a_superseded_update_is_kept_for_30_days_after_it_arrived()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        ExpectedStockUpdate old = Update(ExpectedStockMode.Merge, (Z1, 5));
        using var store = new AgentStore(_dir.File("agent.db"), new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-test"));
        Assert.True(store.RecordExpectedStock(old, t0));
        Assert.True(store.RecordExpectedStock(Update(ExpectedStockMode.Replace, (Z1, 1)), t0.AddDays(1)));
        Assert.True(store.RecordExpectedStock(Update(ExpectedStockMode.Merge, (Z2, 2)), t0.AddDays(29)));
        Assert.False(store.RecordExpectedStock(old, t0.AddDays(29)));

        // Any write more than 30 days after it arrived forgets it; a live update is never forgotten.
        Assert.True(store.RecordExpectedStock(Update(ExpectedStockMode.Merge, (Z2, 3)), t0.AddDays(31)));
        Assert.True(store.RecordExpectedStock(old, t0.AddDays(31)));
        Assert.Equal(4, store.LoadExpectedStockUpdates().Count);
    }

    private static ExpectedStockUpdate Update(ExpectedStockMode mode, params (string Location, int Units)[] items) =>
        TestMessages.ExpectedStock(mode,
            [.. items.Select(i => new ExpectedStockItem { LocationId = i.Location, Sku = "sku-" + i.Location[(i.Location.LastIndexOf('/') + 1)..], ExpectedUnits = i.Units })]);

    private static Dictionary<string, int> Book(params (string Location, int Units)[] entries) => entries.ToDictionary(e => e.Location, e => e.Units);

    private static Dictionary<string, int> Units(RunningAgent agent) => agent.ExpectedStock.Snapshot().ToDictionary(e => e.LocationId, e => e.ExpectedUnits);

    /// <summary>Every row of <c>expected_stock_update</c> in order: its event id and whether it still has its payload.</summary>
    private List<(Guid EventId, bool HasPayload)> StoredRows()
    {
        var rows = new List<(Guid, bool)>();
        using var connection = new SqliteConnection($"Data Source={_dir.File("state/agent.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT event_id, payload IS NOT NULL FROM expected_stock_update ORDER BY seq";
        using SqliteDataReader r = cmd.ExecuteReader();
        while (r.Read())
        {
            rows.Add((Guid.Parse(r.GetString(0)), r.GetBoolean(1)));
        }

        return rows;
    }

    /// <summary>An agent configured with the planogram file.</summary>
    private RunningAgent Start() => RunningAgent.Start(_dir, config => config["Agent"]!["ExpectedStockFile"] = "planogram.csv");
}
