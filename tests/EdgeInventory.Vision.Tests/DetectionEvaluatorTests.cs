using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Evaluation;

namespace EdgeInventory.Vision.Tests;

/// <summary>Hand-made cases whose AP and count errors are worked out on paper.</summary>
public sealed class DetectionEvaluatorTests
{
    [Fact]
    public void Perfect_detections_score_one()
    {
        var e = new DetectionEvaluator();
        e.Add([new GroundTruthBox(0, 0, 0, 10, 10), new GroundTruthBox(0, 20, 20, 30, 30)],
              [new Detection(0, 0, 10, 10, 0.9f, 0), new Detection(20, 20, 30, 30, 0.8f, 0)]);
        EvaluationResult r = e.Compute(0.5f);
        Assert.Equal(1.0, r.AP50, 6);
        Assert.Equal(1.0, r.AP50To95, 6);
        Assert.Equal((1.0, 1.0, 0.0), (r.Precision, r.Recall, r.CountMae));
    }

    [Fact]
    public void Interpolated_ap_of_hit_miss_hit()
    {
        // Scores 0.9 hit, 0.8 miss, 0.7 hit over two labels: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
        // Envelope 1 up to recall 0.5 (51 of the 101 points), 2/3 beyond (50 points).
        var e = new DetectionEvaluator();
        e.Add([new GroundTruthBox(0, 0, 0, 10, 10), new GroundTruthBox(0, 50, 50, 60, 60)],
              [new Detection(0, 0, 10, 10, 0.9f, 0), new Detection(100, 100, 110, 110, 0.8f, 0), new Detection(50, 50, 60, 60, 0.7f, 0)]);
        EvaluationResult r = e.Compute(0.75f);
        Assert.Equal(((51 * 1.0) + (50 * 2.0 / 3.0)) / 101.0, r.AP50, 9);
        // At 0.75 only the 0.9 and 0.8 boxes count: one hit, one miss.
        Assert.Equal(0.5, r.Precision, 9);
        Assert.Equal(0.5, r.Recall, 9);
    }

    [Fact]
    public void Ap50_95_counts_only_the_thresholds_a_box_passes()
    {
        // IoU 0.62: a hit at 0.50, 0.55 and 0.60, a miss at the seven thresholds above.
        var e = new DetectionEvaluator();
        e.Add([new GroundTruthBox(0, 0, 0, 10, 10)], [new Detection(0, 0, 10, 6.2f, 0.9f, 0)]);
        EvaluationResult r = e.Compute(0.5f);
        Assert.Equal(1.0, r.AP50, 6);
        Assert.Equal(0.3, r.AP50To95, 6);
    }

    [Fact]
    public void Classes_are_averaged_and_never_matched_across()
    {
        var e = new DetectionEvaluator();
        e.Add([new GroundTruthBox(0, 0, 0, 10, 10), new GroundTruthBox(1, 20, 20, 30, 30)],
              [new Detection(0, 0, 10, 10, 0.9f, 0), new Detection(20, 20, 30, 30, 0.9f, 0)]);
        EvaluationResult r = e.Compute(0.5f);
        Assert.Equal(0.5, r.AP50, 6); // class 0: 1.0 (its extra box ranks after the hit); class 1: nothing found
        Assert.Equal(0.5, r.Precision, 6);
    }

    [Fact]
    public void Count_errors_per_image()
    {
        var e = new DetectionEvaluator();
        GroundTruthBox[] three = [new(0, 0, 0, 1, 1), new(0, 2, 2, 3, 3), new(0, 4, 4, 5, 5)];
        GroundTruthBox[] two = [new(0, 0, 0, 1, 1), new(0, 2, 2, 3, 3)];
        e.Add(three, [new Detection(0, 0, 1, 1, 0.9f, 0), new Detection(2, 2, 3, 3, 0.9f, 0), new Detection(9, 9, 10, 10, 0.1f, 0)]);
        e.Add(two, Enumerable.Range(0, 4).Select(i => new Detection(i * 10, 0, (i * 10) + 1, 1, 0.6f, 0)));
        EvaluationResult r = e.Compute(0.5f);
        // image 1: 2 counted − 3 labelled = −1; image 2: 4 − 2 = +2
        Assert.Equal(1.5, r.CountMae, 9);
        Assert.Equal(Math.Sqrt(2.5), r.CountRmse, 9);
        Assert.Equal(0.5, r.CountMeanError, 9);
        Assert.Equal((2, 5), (r.Images, r.Instances));
    }

    [Fact]
    public void Yolo_labels_become_pixel_boxes_and_bad_lines_name_the_line()
    {
        using var temp = RepoPaths.NewTempFolder();
        File.WriteAllText(temp.File("a.txt"), "0 0.5 0.5 0.2 0.4\n\n1 0.1 0.1 0.2 0.2\n");
        List<GroundTruthBox> boxes = YoloLabels.Read(temp.File("a.txt"), 200, 100);
        Assert.Equal(0, boxes[0].ClassId);
        Assert.Equal(new[] { 80f, 30f, 120f, 70f }, new[] { boxes[0].X1, boxes[0].Y1, boxes[0].X2, boxes[0].Y2 }, new FloatTolerance(1e-3f));
        Assert.Equal(1, boxes[1].ClassId);
        Assert.Empty(YoloLabels.Read(temp.File("missing.txt"), 10, 10));
        File.WriteAllText(temp.File("b.txt"), "0 0.5 0.5 0.2 0.4\n0 0.5 oops 0.2\n");
        var ex = Assert.Throws<FormatException>(() => YoloLabels.Read(temp.File("b.txt"), 10, 10));
        Assert.StartsWith(temp.File("b.txt") + ":2:", ex.Message, StringComparison.Ordinal);
    }
}

internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(float obj) => 0;
}
