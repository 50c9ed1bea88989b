using System.Text.Json.Nodes;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Contracts;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>Camera health through the whole agent (the tiny fixture model: detections do not matter here).</summary>
public sealed class CameraHealthEndToEndTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    private JsonObject Config(string video)
    {
        JsonObject config = AgentRun.Config(_dir.File("state"), AgentRun.FixtureModel, new Uri(video).AbsoluteUri,
            new JsonArray(AgentRun.Zone("z1", 0, 0, 1, 0.5, 8, 3)), TestSupport.FreePort());
        config["Agent"]!["Reconciliation"] = new JsonObject { ["CameraHealthInertiaSeconds"] = 1.5 };
        return config;
    }

    [Fact]
    public async Task An_unreachable_camera_is_reported_offline_while_the_other_camera_runs()
    {
        string video = TestSupport.MakeVideo(_dir.Path, "shelf", [SamplePhotos.Load("shelf_val_400")], secondsPerFrame: 2);
        JsonObject config = Config(video);
        var dead = JsonNode.Parse(config["Agent"]!["Cameras"]![0]!.ToJsonString())!.AsObject();
        dead["Id"] = "cam-dead";
        dead["Url"] = $"rtsp://127.0.0.1:{TestSupport.FreePort()}/stream";
        dead.Remove("Loop");
        dead["OfflineAfterSeconds"] = 1;
        dead["Zones"]![0]!["Id"] = "z2";
        dead["Zones"]![0]!["LocationId"] = "s042/A1/B1/z2";
        config["Agent"]!["Cameras"]!.AsArray().Add(dead);
        await using AgentRun run = await AgentRun.StartAsync(_dir, config);

        Assert.True(await TestSupport.WaitFor(() => AgentRun.Discrepancies(run.StateDirectory).Any(e => e.Kind == DiscrepancyKind.CameraOffline), TimeSpan.FromSeconds(20)));
        DiscrepancyEvent offline = AgentRun.Discrepancies(run.StateDirectory).First(e => e.Kind == DiscrepancyKind.CameraOffline);
        Assert.Equal("cam-dead", offline.CameraId);
        Assert.Equal(Severity.Critical, offline.Severity);
        Assert.Contains("refused", offline.Detail, StringComparison.OrdinalIgnoreCase);
        CameraRuntime ok = run.App.Services.GetRequiredService<ZoneStateKeeper>().Cameras.Single(c => c.Id == "cam-shelf");
        Assert.True(ok.FramesProcessed > 0);
    }

    [Fact]
    public async Task A_moved_camera_raises_view_changed_and_ends_it_when_put_back()
    {
        BgrImage photo = SamplePhotos.Load("shelf_val_107");
        BgrImage moved = SamplePhotos.Shifted(photo, photo.Width / 8, photo.Height / 16);
        // 3 s as installed (the reference view), then knocked aside for 8 s, then put back.
        string video = TestSupport.MakeVideo(_dir.Path, "moved", [photo, photo, photo, .. Enumerable.Repeat(moved, 8), .. Enumerable.Repeat(photo, 20)], secondsPerFrame: 1);
        await using AgentRun run = await AgentRun.StartAsync(_dir, Config(video));

        Assert.True(await TestSupport.WaitFor(() => AgentRun.Discrepancies(run.StateDirectory).Any(e => e.Kind == DiscrepancyKind.ViewChanged && e.Phase == DiscrepancyPhase.End), TimeSpan.FromSeconds(30)),
            string.Join("\n", AgentRun.Discrepancies(run.StateDirectory).Select(e => $"{e.Phase} {e.Kind} {e.Detail}")));
        List<DiscrepancyEvent> events = AgentRun.Discrepancies(run.StateDirectory);
        List<DiscrepancyEvent> view = events.Where(e => e.Kind == DiscrepancyKind.ViewChanged).ToList();
        Assert.Equal([DiscrepancyPhase.Start, DiscrepancyPhase.End], view.Select(e => e.Phase));
        Assert.Contains("moved or blocked", view[0].Detail);
        Assert.Null(view[0].ZoneId);
        // While the view was changed the zones were not counted, so no zone event can fall in that time.
        Assert.DoesNotContain(events, e => e.ZoneId is not null && e.OccurredAt > view[0].OccurredAt && e.OccurredAt < view[1].OccurredAt);
    }
}
