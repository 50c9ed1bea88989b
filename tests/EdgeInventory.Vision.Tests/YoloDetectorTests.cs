using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

/// <summary>
/// The detector against the fixture models of tools/fixtures/make_detector_fixtures.py, whose
/// outputs are fixed: every expected box below is worked out by hand from those outputs and the
/// letterbox of a 128×64 image into 64×64 (scale 0.5, 16 px of padding above).
/// </summary>
public sealed class YoloDetectorTests
{
    private static readonly Detection[] Expected =
    [
        new(48, 24, 80, 40, 0.9f, 0),   // input box (24,28)-(40,36)
        new(48, 24, 80, 40, 0.7f, 1),   // same place, other class: not suppressed
        new(116, 40, 128, 56, 0.6f, 2), // runs past the right edge (x2 132): clipped to 128
    ];

    [Theory]
    [InlineData("yolov8_static.onnx", YoloOutputLayout.V8)]
    [InlineData("yolov5_static.onnx", YoloOutputLayout.V5)]
    [InlineData("yolo26_end2end.onnx", YoloOutputLayout.EndToEnd)]
    public void Each_layout_decodes_to_the_exact_boxes(string fixture, YoloOutputLayout layout)
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture(fixture));
        Assert.Equal(layout, detector.Model.Layout);
        Assert.Equal((64, 64), (detector.Model.InputWidth, detector.Model.InputHeight));
        var results = new List<Detection>();
        detector.Detect(WideImage(), results);
        AssertBoxes(Expected, results);
        Assert.Equal("cola, 330ml", detector.Model.Label(0));
        Assert.Equal("it's: {one}", detector.Model.Label(1));
    }

    [Fact]
    public void Settings_change_threshold_iou_and_cap()
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        var results = new List<Detection>();
        detector.Detect(WideImage(), results, new DetectionSettings { IoU = 0.95f });
        Assert.Equal(4, results.Count); // the 0.8 box overlapping the 0.9 one at IoU 0.88 survives
        Assert.Equal(0.8f, results[1].Score, 5);
        detector.Detect(WideImage(), results, new DetectionSettings { Confidence = 0.65f });
        AssertBoxes(Expected[..2], results);
        detector.Detect(WideImage(), results, new DetectionSettings { Confidence = 0.1f, MaxDetections = 1 });
        AssertBoxes(Expected[..1], results);
        detector.Detect(WideImage(), results, new DetectionSettings { Confidence = 0.1f });
        // The 0.2 box, (7,7)-(13,13) in the input, lies wholly in the padding above the picture
        // ((14,-18)-(26,-6) in source pixels): clipping leaves nothing of it.
        AssertBoxes(Expected, results);
    }

    [Fact]
    public void Dynamic_model_takes_size_from_imgsz_threshold_from_metadata_and_batches()
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_dynamic.onnx"));
        Assert.Null(detector.Model.FixedBatch);
        Assert.Equal(0.5f, detector.Model.DefaultConfidence);
        Assert.Equal("product", detector.Model.Label(0));
        var black = new BgrImage(64, 64);
        black.Fill(0, 0, 0);
        var white = new BgrImage(64, 64);
        white.Fill(255, 255, 255);
        List<Detection>[] results = [[], []];
        detector.Detect([black, white], results);
        // box 0 cx moves by 10 × mean pixel value; the 0.3 box is under edgeinv_conf 0.5
        AssertBoxes([new Detection(24, 28, 40, 36, 0.9f, 0)], results[0]);
        AssertBoxes([new Detection(34, 28, 50, 36, 0.9f, 0)], results[1]);

        var single = new List<Detection>();
        detector.Detect(white, single);
        AssertBoxes(results[1].ToArray(), single);
    }

    [Fact]
    public void The_models_edgeinv_iou_is_the_default_NMS_threshold_and_settings_override_it()
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_iou.onnx"));
        Assert.Equal(0.6f, detector.Model.DefaultIoU);
        var image = new BgrImage(64, 64);
        var results = new List<Detection>();
        detector.Detect(image, results); // the two boxes overlap at IoU 0.68: one is suppressed at the file's 0.6
        Assert.Equal([0.9f], results.Select(static d => d.Score));
        detector.Detect(image, results, new DetectionSettings { IoU = 0.7f });
        Assert.Equal([0.9f, 0.8f], results.Select(static d => d.Score));

        using var plain = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_dynamic.onnx"));
        Assert.Equal(YoloModelInfo.FallbackIoU, plain.Model.DefaultIoU);
    }

    [Fact]
    public void An_edgeinv_iou_outside_0_to_1_refuses_the_model_naming_the_value()
    {
        string path = RepoPaths.OnnxFixture("yolov8_bad_iou.onnx");
        var e = Assert.Throws<ModelFormatException>(() => YoloDetector.Open(path));
        Assert.Equal($"{path}: metadata 'edgeinv_iou' = '1.5' is not an IoU threshold above 0 and at most 1", e.Message);
    }

    [Fact]
    public void An_edgeinv_conf_of_NaN_refuses_the_model_instead_of_passing_its_range_check()
    {
        // NaN compares false with both bounds: a check written as "not below 0 or above 1" let it through,
        // and every detection would then have been dropped (a score is never >= NaN).
        string path = RepoPaths.OnnxFixture("yolov8_nan_conf.onnx");
        var e = Assert.Throws<ModelFormatException>(() => YoloDetector.Open(path));
        Assert.Equal($"{path}: metadata 'edgeinv_conf' = 'NaN' is not a threshold between 0 and 1", e.Message);
    }

    [Fact]
    public void Not_a_detector_is_refused_with_the_reason()
    {
        string path = RepoPaths.OnnxFixture("classifier.onnx");
        var e = Assert.Throws<ModelFormatException>(() => YoloDetector.Open(path));
        Assert.Equal($"{path}: the model's task is 'classify', not 'detect'", e.Message);
    }

    [Fact]
    public void Unsupported_layout_is_refused_naming_the_shape()
    {
        string path = RepoPaths.OnnxFixture("unknown_layout.onnx");
        var e = Assert.Throws<ModelFormatException>(() => YoloDetector.Open(path));
        Assert.StartsWith(path + ": output output0 Float [1, 1000] is not a YOLO detection layout", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        Assert.Throws<ArgumentException>(() => detector.Detect(WideImage(), [], new DetectionSettings { Confidence = 1.5f }));
        Assert.Throws<ArgumentException>(() => detector.Detect(WideImage(), [], new DetectionSettings { MaxDetections = 0 }));
    }

    [Fact]
    public void Steady_state_detection_allocates_nothing()
    {
        using var detector = YoloDetector.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        BgrImage image = WideImage();
        var results = new List<Detection>(16);
        for (int i = 0; i < 50; i++)
        {
            detector.Detect(image, results);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            detector.Detect(image, results);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3, results.Count);
    }

    private static BgrImage WideImage()
    {
        var image = new BgrImage(128, 64);
        image.Fill(0, 0, 0); // mean 0 keeps the fixtures' outputs as written
        return image;
    }

    private static void AssertBoxes(Detection[] expected, List<Detection> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Detection e = expected[i], a = actual[i];
            Assert.True(
                Math.Abs(e.X1 - a.X1) < 1e-3 && Math.Abs(e.Y1 - a.Y1) < 1e-3 && Math.Abs(e.X2 - a.X2) < 1e-3 && Math.Abs(e.Y2 - a.Y2) < 1e-3
                    && Math.Abs(e.Score - a.Score) < 1e-5 && e.ClassId == a.ClassId,
                $"detection {i}: expected {e}, got {a}");
        }
    }
}
