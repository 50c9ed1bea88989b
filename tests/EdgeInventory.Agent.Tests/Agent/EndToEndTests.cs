using System.Text.Json.Nodes;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Yolo;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// The whole agent on a video made of a real shelf photo (models/samples, SKU-110K val_107) with the
/// default model: a shelf row whose products are painted out must raise one out-of-stock discrepancy
/// and end it when restocked; a large blob in front of two shelf rows (a shopper) must raise nothing;
/// ffmpeg killed mid-stream is restarted and counting continues; a restarted agent does not raise an
/// open discrepancy again. Expected counts are what the model sees on the unmodified photo, measured
/// here, never numbers written into the test.
/// </summary>
public sealed class EndToEndTests : IDisposable
{
    internal const string Photo = "shelf_val_107";

    // Three shelf rows of the photo (normalised), the lower one apart from the other two.
    internal static readonly (string Id, double Y1, double Y2)[] Rows = [("row-a", 0.40, 0.55), ("row-b", 0.55, 0.70), ("row-c", 0.75, 0.95)];

    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    internal sealed record Baseline(int[] Facings, double[] Empty);

    /// <summary>What the model counts per row on the unmodified photo.</summary>
    internal static Baseline Measure(BgrImage photo)
    {
        ZoneDefinition[] zones = [.. Rows.Select(r => new ZoneDefinition
        {
            Id = r.Id, LocationId = r.Id, Sku = "x", Polygon = ZonePolygon.Rectangle(0.02, r.Y1, 0.98, r.Y2), PlannedFacings = 10, MinFacings = 1,
        })];
        using YoloDetector detector = YoloDetector.Open(AgentRun.DefaultModel);
        var boxes = new List<Detection>();
        detector.Detect(photo, boxes);
        var obs = new ZoneObservation[zones.Length];
        new ZoneCounter(zones).Observe(boxes, photo.Width, photo.Height, obs);
        return new Baseline([.. obs.Select(o => o.Facings)], [.. obs.Select(o => o.EmptyFraction)]);
    }

    /// <summary>
    /// A full row keeps its baseline within 15% or 3 facings, whichever is larger: the video frames went
    /// through a second JPEG encoding (Motion-JPEG, q 3) that the still did not, which moves a few
    /// low-confidence boxes across the threshold on a shelf of 40-odd products.
    /// </summary>
    internal static int Tolerance(int baseline) => Math.Max(3, (int)Math.Ceiling(baseline * 0.15));

    private JsonObject Config(string video, Baseline baseline, int port) => Config(_dir, video, baseline, port);

    /// <summary>One camera over <paramref name="video"/> watching the three rows, each planned at what the model counts on the full photo.</summary>
    internal static JsonObject Config(TempFolder dir, string video, Baseline baseline, int port)
    {
        var zones = new JsonArray();
        for (int i = 0; i < Rows.Length; i++)
        {
            Assert.True(baseline.Facings[i] >= 8, $"the model sees only {baseline.Facings[i]} products on {Rows[i].Id} of the unmodified photo; the test needs a stocked row");
            zones.Add(AgentRun.Zone(Rows[i].Id, 0.02, Rows[i].Y1, 0.98, Rows[i].Y2, baseline.Facings[i], Math.Max(1, baseline.Facings[i] / 2)));
        }

        JsonObject config = AgentRun.Config(dir.File("state"), AgentRun.DefaultModel, new Uri(video).AbsoluteUri, zones, port);
        // A full row must not look like a gap: the threshold sits well above what the model leaves uncovered on the full photo.
        config["Agent"]!["Reconciliation"] = new JsonObject { ["GapThreshold"] = Math.Min(0.9, Math.Max(0.3, baseline.Empty.Max() + 0.25)) };
        return config;
    }

    private static BgrImage Painted(BgrImage photo, double x1, double y1, double x2, double y2, (byte, byte, byte) colour)
    {
        BgrImage copy = photo.Clone();
        SamplePhotos.Paint(copy, (int)(x1 * photo.Width), (int)(y1 * photo.Height), (int)(x2 * photo.Width), (int)(y2 * photo.Height), colour);
        return copy;
    }

    /// <summary>Row C emptied: its products painted over with a flat shelf-back colour.</summary>
    internal static BgrImage RowCEmpty(BgrImage photo) => Painted(photo, 0.02, 0.75, 0.98, 0.95, (120, 130, 140));

    /// <summary>A dark blob (a person, a trolley) over most of rows A and B.</summary>
    private static BgrImage Blob(BgrImage photo) => Painted(photo, 0.05, 0.38, 0.85, 0.72, (40, 40, 40));

    internal static List<BgrImage> Seconds(BgrImage frame, int seconds) => [.. Enumerable.Repeat(frame, seconds)];

    [NeedsDefaultModelFact]
    public async Task Emptied_row_raises_out_of_stock_once_occlusion_raises_nothing_and_counting_survives_an_ffmpeg_kill()
    {
        BgrImage photo = SamplePhotos.Load(Photo);
        Baseline baseline = Measure(photo);
        // 20 s, looped: full 4 s, blob over rows A+B 3 s, full 2 s, row C empty 6 s, full 5 s.
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [.. Seconds(photo, 4), .. Seconds(Blob(photo), 3), .. Seconds(photo, 2), .. Seconds(RowCEmpty(photo), 6), .. Seconds(photo, 5)], secondsPerFrame: 1);
        await using AgentRun run = await AgentRun.StartAsync(_dir, Config(video, baseline, TestSupport.FreePort()));
        CameraRuntime camera = run.App.Services.GetRequiredService<ZoneStateKeeper>().Cameras[0];

        // Counting starts: every row confirmed.
        Assert.True(await TestSupport.WaitFor(() => AgentRun.Snapshots(run.StateDirectory).Any(s => s.Zones.Count == 3), TimeSpan.FromSeconds(15)), "no snapshot with all three rows");
        int pid = camera.Capture.ProcessId!.Value;
        TestSupport.Signal(pid, "KILL");
        int snapshotsAtKill = AgentRun.Snapshots(run.StateDirectory).Count;

        bool ended = await TestSupport.WaitFor(() => AgentRun.Discrepancies(run.StateDirectory).Any(e => e.ZoneId == "row-c" && e.Phase == DiscrepancyPhase.End), TimeSpan.FromSeconds(40));
        List<DiscrepancyEvent> events = AgentRun.Discrepancies(run.StateDirectory);
        List<ZoneCountSnapshot> snapshots = AgentRun.Snapshots(run.StateDirectory);
        string story = string.Join("\n", events.Select(e => $"{e.Phase} {e.Kind} {e.ZoneId} {e.Detail}"))
            + "\nbaseline " + string.Join(", ", baseline.Facings)
            + "\nsnapshots " + string.Join(" | ", snapshots.Select(s => string.Join(" ", s.Zones.Select(z => $"{z.ZoneId}={z.Facings}{(z.Occluded ? "*" : "")}"))));
        Assert.True(ended, "row C's discrepancy did not end\n" + story);

        // ffmpeg was restarted and counting went on.
        Assert.True(camera.Capture.Restarts >= 1);
        Assert.NotEqual(pid, camera.Capture.ProcessId);
        Assert.True(snapshots.Count >= snapshotsAtKill + 5, story);

        // Row C: exactly one out-of-stock discrepancy, started and ended, with evidence of row C only.
        List<DiscrepancyEvent> rowC = events.Where(e => e.ZoneId == "row-c").ToList();
        Assert.True(rowC.Count == 2, story);
        Assert.Equal((DiscrepancyPhase.Start, DiscrepancyKind.OutOfStock), (rowC[0].Phase, rowC[0].Kind));
        Assert.Equal((DiscrepancyPhase.End, DiscrepancyKind.OutOfStock), (rowC[1].Phase, rowC[1].Kind));
        Assert.Equal(rowC[0].DiscrepancyId, rowC[1].DiscrepancyId);
        Assert.Equal(Severity.Critical, rowC[0].Severity);
        Assert.Equal(0, rowC[0].ObservedFacings);
        Assert.Equal(baseline.Facings[2], rowC[0].PlannedFacings);
        Assert.False(string.IsNullOrEmpty(rowC[0].ModelVersion));
        EvidenceRef evidence = rowC[0].Evidence!;
        Assert.True(File.Exists(Path.Combine(run.StateDirectory, "evidence", evidence.EvidenceId + ".jpg")));
        Assert.InRange(evidence.Height, (int)(photo.Height * 0.2), (int)(photo.Height * 0.25)); // row C and its margin, not the scene

        // Rows A and B: the blob made them occluded for a while, and raised nothing.
        Assert.True(events.All(e => e.ZoneId == "row-c"), story);
        Assert.Contains(snapshots, s => s.Zones.Any(z => z.ZoneId == "row-a" && z.Occluded) && s.Zones.Any(z => z.ZoneId == "row-b" && z.Occluded));

        // Full rows keep their baseline count in every snapshot, within the tolerance.
        foreach (ZoneCountSnapshot s in snapshots)
        {
            foreach (ZoneCount z in s.Zones.Where(z => z.ZoneId != "row-c"))
            {
                int b = baseline.Facings[Array.FindIndex(Rows, r => r.Id == z.ZoneId)];
                Assert.True(Math.Abs(z.Facings - b) <= Tolerance(b), $"{z.ZoneId}: {z.Facings} facings against a baseline of {b}\n{story}");
            }
        }

        // While row C was confirmed empty, the count was near zero (the painted shelf has no products to find).
        Assert.Contains(snapshots, s => s.Zones.Any(z => z.ZoneId == "row-c" && z.Facings <= 1));
    }

    [NeedsDefaultModelFact]
    public async Task A_restarted_agent_does_not_raise_an_open_discrepancy_again()
    {
        BgrImage photo = SamplePhotos.Load(Photo);
        Baseline baseline = Measure(photo);
        BgrImage empty = RowCEmpty(photo);
        string before = TestSupport.MakeVideo(_dir.Path, "before", [.. Seconds(photo, 4), .. Seconds(empty, 20)], secondsPerFrame: 1);
        string after = TestSupport.MakeVideo(_dir.Path, "after", [.. Seconds(empty, 10)], secondsPerFrame: 1);

        await using (AgentRun first = await AgentRun.StartAsync(_dir, Config(before, baseline, TestSupport.FreePort())))
        {
            Assert.True(await TestSupport.WaitFor(() => AgentRun.Discrepancies(first.StateDirectory).Any(e => e.ZoneId == "row-c" && e.Phase == DiscrepancyPhase.Start), TimeSpan.FromSeconds(30)),
                "the first agent raised no out-of-stock for row C");
        }

        // The shelf is still empty when the agent comes back (the same camera and state, a new process state).
        int snapshotsBefore = AgentRun.Snapshots(_dir.File("state")).Count;
        await using (AgentRun second = await AgentRun.StartAsync(_dir, Config(after, baseline, TestSupport.FreePort()), "agent-2.json"))
        {
            Assert.Equal(1, second.App.Services.GetRequiredService<ZoneStateKeeper>().OpenDiscrepancyTotal);
            // Long enough for a new discrepancy to pass the inertia several times over.
            Assert.True(await TestSupport.WaitFor(() => AgentRun.Snapshots(second.StateDirectory).Count >= snapshotsBefore + 8, TimeSpan.FromSeconds(30)));
        }

        List<DiscrepancyEvent> events = AgentRun.Discrepancies(_dir.File("state"));
        DiscrepancyEvent start = Assert.Single(events);
        Assert.Equal((DiscrepancyPhase.Start, DiscrepancyKind.OutOfStock, "row-c"), (start.Phase, start.Kind, start.ZoneId));
        Assert.Contains(AgentRun.Snapshots(_dir.File("state")).Skip(snapshotsBefore), s => s.Zones.Any(z => z.ZoneId == "row-c" && z.Facings == 0));
    }
}
