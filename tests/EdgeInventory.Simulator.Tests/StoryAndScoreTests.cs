using EdgeInventory.Simulator.Scoring;
using EdgeInventory.Simulator.Story;

namespace EdgeInventory.Simulator.Tests;

/// <summary>The story's ground truth and the scoring of alerts against it, without any process.</summary>
public sealed class StoryAndScoreTests
{
    private static ShelfView View(params int[] productsPerBay) => new("shelf", renderer: null,
        [.. productsPerBay.Select((n, i) => new Bay($"r{i}b0", 0, i * 0.1, 1, (i + 1) * 0.1, [.. Enumerable.Range(100 * i, n)], n, 0.1))]);

    [Fact]
    public void A_bay_sold_out_is_short_from_the_moment_fewer_than_half_its_products_are_left_until_its_restock()
    {
        var sale = new Sale(Camera: 0, Bay: 0, SaleStart: 10, SaleEnd: 20, Products: 10, SellTo: 0, Restock: 50);
        Assert.Equal(0, sale.RemovedAt(9.9));
        Assert.Equal(10, sale.RemovedAt(20));
        Assert.Equal(0, sale.RemovedAt(50));
        double start = sale.ShortageStart!.Value;
        // 6 of 10 gone (4 left, fewer than half) from the start on, 5 gone (half left) just before it.
        Assert.Equal(6, sale.RemovedAt(start));
        Assert.Equal(5, sale.RemovedAt(start - 0.01));
        Assert.True(Enumerable.Range(100, 100).Select(t => sale.RemovedAt(t / 10.0)).Zip(Enumerable.Range(101, 100).Select(t => sale.RemovedAt(t / 10.0))).All(p => p.First <= p.Second),
            "products came back during the sale");
    }

    [Fact]
    public void A_bay_sold_to_three_quarters_is_never_short()
    {
        Assert.Null(new Sale(0, 0, 10, 20, Products: 12, SellTo: 9, Restock: 50).ShortageStart);
        Assert.Null(new Sale(0, 0, 10, 20, Products: 12, SellTo: 6, Restock: 50).ShortageStart); // half left is not short
        Assert.NotNull(new Sale(0, 0, 10, 20, Products: 12, SellTo: 5, Restock: 50).ShortageStart);
    }

    [Fact]
    public void The_story_sells_out_a_bay_per_camera_per_day_and_only_the_first_store_loses_a_camera_and_the_last_its_uplink()
    {
        ShelfView[] cameras = [View(10, 12, 14), View(9, 11)];
        var first = new StoreStory("s001", 0, 3, cameras, daySeconds: 120, horizonSeconds: 360, seed: 7);
        var middle = new StoreStory("s002", 1, 3, cameras, daySeconds: 120, horizonSeconds: 360, seed: 7);
        var last = new StoreStory("s003", 2, 3, cameras, daySeconds: 120, horizonSeconds: 360, seed: 7);

        List<TruthShortage> truth = [.. first.Truth(360)];
        Assert.True(truth.Count >= 6, $"expected a sell-out per camera per day over 3 days, got {truth.Count}");
        Assert.All(truth, t => Assert.True(t.End > t.Start));
        // The first camera's rush: short within seconds of the opening.
        Assert.Contains(truth, t => t.Camera == 0 && t.Start < 10);
        // What the feed shows agrees with the truth: at a shortage's start its bay has fewer than half its products.
        foreach (TruthShortage t in truth)
        {
            int bay = Array.FindIndex([.. cameras[t.Camera].Bays], b => StoreStory.ZoneId(t.Camera, b.Id) == t.ZoneId);
            int products = cameras[t.Camera].Bays[bay].Products.Count;
            Assert.True(products - first.RemovedAt(t.Camera, t.Start + 1e-6)[bay] < products / 2.0, $"{t.ZoneId} at {t.Start}");
            Assert.Equal(0, first.RemovedAt(t.Camera, t.End)[bay]);
        }

        Assert.NotEmpty(first.CameraOffline);
        Assert.Empty(middle.CameraOffline);
        Assert.Empty(last.CameraOffline);
        Assert.NotEmpty(last.UplinkDown);
        Assert.Empty(first.UplinkDown);
        Window down = last.UplinkDown[0];
        Assert.True(last.IsUplinkDown((down.Start + down.End) / 2) && !last.IsUplinkDown(down.End + 1));
        Assert.NotEmpty(first.Occlusions);
        Assert.Equal(first.Sales.Count, new StoreStory("s001", 0, 3, cameras, 120, 360, seed: 7).Sales.Count);
    }

    [Fact]
    public void Alerts_are_scored_against_the_truth_for_precision_recall_and_delay()
    {
        DateTimeOffset t0 = DateTimeOffset.Parse("2026-12-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        DateTimeOffset At(double s) => t0.AddSeconds(s);
        TruthShortage[] truth =
        [
            new("s001", "cam-1-bay-1", 0, "cam-1", Start: 10, End: 100),
            new("s001", "cam-1-bay-2", 0, "cam-1", Start: 20, End: 120),
            new("s002", "cam-2-bay-1", 1, "cam-2", Start: 30, End: 130),
            new("s002", "cam-2-bay-2", 1, "cam-2", Start: 290, End: 400), // began too late to be due
        ];
        CloudAlert[] alerts =
        [
            new("a1", "s001", "cam-1-bay-1", "belowMinimum", "warning", "resolved", At(14)),
            new("a2", "s001", "cam-1-bay-1", "outOfStock", "critical", "resolved", At(18)), // a second alert on the same shortage: right, not a new report
            new("a3", "s002", "cam-2-bay-1", "outOfStock", "critical", "open", At(38)),
            new("a4", "s001", "cam-1-bay-3", "gap", "warning", "open", At(40)),            // no shortage there
            new("a5", "s001", "cam-1-bay-2", "gap", "warning", "open", At(200)),           // long after that shortage ended
        ];
        AlertScore score = AlertScore.Of(truth, alerts, At, At(300));
        Assert.Equal((5, 3, 4, 3, 2), (score.Alerts, score.RightAlerts, score.TrueShortages, score.DueShortages, score.Reported));
        Assert.Equal(0.6, score.Precision!.Value, 6);
        Assert.Equal(2.0 / 3, score.Recall!.Value, 6);
        Assert.Equal((4.0, 8.0), (score.DelayP50, score.DelayMax));
        Assert.Equal(2, score.FalseAlerts.Count);
        Assert.Contains("s001/cam-1-bay-2", Assert.Single(score.Missed), StringComparison.Ordinal);
    }
}
