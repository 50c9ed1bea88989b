using System.Text.Json.Nodes;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Agent.Tests.Agent;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Reconciliation;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Agent.Tests.State;

/// <summary>
/// A zone's baseline (what the detector reports when it is full) in the agent's SQLite database: learned from the
/// first confirmed state, kept across restarts, and what shortages are judged against (issue 13).
/// </summary>
public sealed class ZoneBaselinePersistenceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();
    private readonly BgrImage _frame = new(200, 200);
    private DateTimeOffset _now = T0;
    private long _sequence;

    public ZoneBaselinePersistenceTests() => _frame.Fill(90, 100, 110);

    public void Dispose() => _dir.Dispose();

    /// <summary><paramref name="z1"/> product boxes in zone z1 (left half of the top), 8 in z2 (right half).</summary>
    private static List<Detection> Boxes(int z1)
    {
        var boxes = new List<Detection>();
        for (int i = 0; i < z1; i++)
        {
            boxes.Add(new Detection(5 + (i * 12), 10, 15 + (i * 12), 80, 0.9f, 0));
        }

        for (int i = 0; i < 8; i++)
        {
            boxes.Add(new Detection(102 + (i * 12), 10, 112 + (i * 12), 80, 0.9f, 0));
        }

        return boxes;
    }

    /// <summary>Frames 5 s apart (the configuration's inertia is 1.5 s and 3 observations) until z1 is confirmed at <paramref name="facings"/>.</summary>
    private void FeedUntilConfirmed(RunningAgent agent, int facings)
    {
        CameraRuntime camera = agent.Zones.Cameras[0];
        for (int i = 0; i < 20 && camera.Pipeline.Smoother.Confirmed(0)?.Facings != facings; i++)
        {
            agent.Zones.ProcessFrame(camera, new CapturedFrame(_frame, _now, _sequence++), Boxes(facings));
            _now += TimeSpan.FromSeconds(5);
        }

        Assert.Equal(facings, camera.Pipeline.Smoother.Confirmed(0)?.Facings);
    }

    private static List<DiscrepancyEvent> Shortages(RunningAgent agent) =>
        [.. agent.Store.ReadEventLog(DiscrepancyEvent.SchemaId)
            .Select(static row => ContractParser.Parse<DiscrepancyEvent>(row.Payload).Message!)
            .Where(static e => e.ZoneId == "z1" && e.Kind is DiscrepancyKind.OutOfStock or DiscrepancyKind.BelowMinimum or DiscrepancyKind.Gap)];

    [Fact]
    public async Task A_detector_that_misses_products_does_not_page_before_or_after_a_restart_and_a_real_emptying_does()
    {
        // z1 plans 8 facings, minimum 3; the detector finds 2 of them on the full shelf, every frame.
        await using (RunningAgent commissioned = RunningAgent.Start(_dir))
        {
            FeedUntilConfirmed(commissioned, 2);
            ZonePipeline pipeline = commissioned.Zones.Cameras[0].Pipeline;
            ZoneBaseline learned = pipeline.Baselines[0]!;
            Assert.Equal((2, BaselineSource.Commissioning, pipeline.Smoother.Confirmed(0)!.Value.EmptyFraction), (learned.Facings, learned.Source, learned.EmptyFraction));
            Assert.Empty(Shortages(commissioned));
        }

        await using RunningAgent restarted = RunningAgent.Start(_dir);
        Assert.Equal(2, restarted.Zones.Cameras[0].Pipeline.Baselines[0]?.Facings);
        FeedUntilConfirmed(restarted, 1);
        Assert.DoesNotContain(Shortages(restarted), static e => e.Severity >= Severity.Warning); // 1 of 2 seen: about 4 of 8 left

        FeedUntilConfirmed(restarted, 0);
        DiscrepancyEvent empty = Assert.Single(Shortages(restarted), static e => e.Phase == DiscrepancyPhase.Start && e.Kind == DiscrepancyKind.OutOfStock);
        Assert.Equal(Severity.Critical, empty.Severity);
    }

    [Fact]
    public async Task Without_learning_at_commissioning_the_planned_facings_decide_until_a_full_scanner_count()
    {
        await using RunningAgent agent = RunningAgent.Start(_dir, static config => config["Agent"]!["Reconciliation"] = new JsonObject { ["LearnBaselineAtCommissioning"] = false });
        FeedUntilConfirmed(agent, 2);
        Assert.Null(agent.Zones.Cameras[0].Pipeline.Baselines[0]);
        DiscrepancyEvent below = Assert.Single(Shortages(agent), static e => e.Phase == DiscrepancyPhase.Start);
        Assert.Equal(DiscrepancyKind.BelowMinimum, below.Kind);

        // A handheld count of the 8 units planned that agrees with the camera: 2 facings is what full looks like here.
        var count = new ScannerCount
        {
            EventId = EventIds.NewId(),
            OccurredAt = _now,
            StoreId = "s042",
            DeviceId = "scanner-17",
            ModelVersion = null,
            LocationId = "s042/A1/B1/z1",
            Sku = "sku-z1",
            Quantity = 8,
            CountedAt = _now,
        };
        Assert.Equal(ScannerCountOutcome.Accepted, agent.Scanners.Accept(count).Outcome);
        Assert.Equal(BaselineSource.Scanner, agent.Zones.Cameras[0].Pipeline.Baselines[0]?.Source);

        agent.Zones.ProcessFrame(agent.Zones.Cameras[0], new CapturedFrame(_frame, _now, _sequence++), Boxes(2));
        Assert.Contains(Shortages(agent), e => e.DiscrepancyId == below.DiscrepancyId && e.Phase == DiscrepancyPhase.End);
    }

    [Fact]
    public void The_store_keeps_a_baseline_until_a_new_one_replaces_it()
    {
        string path = _dir.File("agent.db");
        var state = new ConfirmedZoneState(4, 0, 0.25, T0);
        var baseline = new ZoneBaseline(5, 0.2, T0, BaselineSource.Restock);
        using (var store = new AgentStore(path, new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-01")))
        {
            store.Record([new StoredZoneState("cam-1", "z1", state, 1, baseline), new StoredZoneState("cam-1", "z2", state, 1)], []);
            // A later state without a baseline leaves the stored one alone.
            store.Record([new StoredZoneState("cam-1", "z1", state with { Facings = 3 }, 1)], []);
        }

        using var reopened = new AgentStore(path, new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-01"));
        IReadOnlyList<StoredZoneState> states = reopened.LoadZoneStates();
        Assert.Equal(baseline, states.Single(static s => s.ZoneId == "z1").Baseline);
        Assert.Equal(3, states.Single(static s => s.ZoneId == "z1").State.Facings);
        Assert.Null(states.Single(static s => s.ZoneId == "z2").Baseline);
    }

    [Fact]
    public void The_bare_share_of_a_state_and_a_baseline_survives_a_restart_and_unread_pixels_stay_unread()
    {
        string path = _dir.File("agent.db");
        var read = new ConfirmedZoneState(4, 0, 0.25, T0, BareFraction: 0.375);
        var unread = new ConfirmedZoneState(4, 0, 0.25, T0);
        var baseline = new ZoneBaseline(5, 0.2, T0, BaselineSource.Commissioning, BareFraction: 0.125);
        using (var store = new AgentStore(path, new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-01")))
        {
            store.Record([new StoredZoneState("cam-1", "z1", read, 1, baseline), new StoredZoneState("cam-1", "z2", unread, 1, baseline with { BareFraction = double.NaN })], []);
        }

        using var reopened = new AgentStore(path, new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-01"));
        IReadOnlyList<StoredZoneState> states = reopened.LoadZoneStates();
        Assert.Equal(0.375, states.Single(static s => s.ZoneId == "z1").State.BareFraction);
        Assert.Equal(0.125, states.Single(static s => s.ZoneId == "z1").Baseline!.BareFraction);
        Assert.True(double.IsNaN(states.Single(static s => s.ZoneId == "z2").State.BareFraction));
        Assert.True(double.IsNaN(states.Single(static s => s.ZoneId == "z2").Baseline!.BareFraction));
    }

    [Fact]
    public void A_database_from_before_the_bare_share_opens_and_reads_it_as_unread()
    {
        string path = _dir.File("agent.db");
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE zone_state(camera_id TEXT NOT NULL, zone_id TEXT NOT NULL, facings INTEGER NOT NULL, foreign_facings INTEGER NOT NULL,
                    empty_fraction REAL NOT NULL, since TEXT NOT NULL, depth REAL NOT NULL, PRIMARY KEY(camera_id, zone_id));
                CREATE TABLE zone_baseline(camera_id TEXT NOT NULL, zone_id TEXT NOT NULL, facings INTEGER NOT NULL, empty_fraction REAL NOT NULL,
                    learned_at TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY(camera_id, zone_id));
                INSERT INTO zone_state VALUES ('cam-1', 'z1', 4, 0, 0.25, '2026-12-07T09:00:00.0000000Z', 1);
                INSERT INTO zone_baseline VALUES ('cam-1', 'z1', 5, 0.2, '2026-12-07T09:00:00.0000000Z', 'Commissioning');
                PRAGMA user_version=1;
                """;
            cmd.ExecuteNonQuery();
        }

        using var store = new AgentStore(path, new LocalEventLog(NullLogger<LocalEventLog>.Instance, "s042", "edge-01"));
        StoredZoneState z1 = Assert.Single(store.LoadZoneStates());
        Assert.Equal(4, z1.State.Facings);
        Assert.True(double.IsNaN(z1.State.BareFraction));
        Assert.True(double.IsNaN(z1.Baseline!.BareFraction));
    }
}
