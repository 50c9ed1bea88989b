using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_counts_the_sample_photos_and_writes_annotated_copies()
    {
        using var temp = RepoPaths.NewTempFolder();
        // Any detector will do to check the demo's plumbing; the fixture keeps the test fast.
        CliRunner.Result r = CliRunner.Run(
            new Dictionary<string, string> { ["EDGEINV_MODEL"] = RepoPaths.OnnxFixture("yolov8_dynamic.onnx") },
            "demo", "--out", temp.Path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(r.StdoutLines, l => l.Contains("shelf_val_107.jpg: counted", StringComparison.Ordinal) && l.Contains("labelled 179", StringComparison.Ordinal));
        Assert.Contains(r.StdoutLines, l => l.Contains("shelf_val_229.jpg: counted", StringComparison.Ordinal) && l.Contains("labelled 466", StringComparison.Ordinal));
        Assert.Equal(
            new[] { "shelf_val_107.jpg", "shelf_val_229.jpg", "shelf_val_400.jpg" },
            Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_trained_default_model_detect_says_so()
    {
        CliRunner.Result r = CliRunner.Run(
            new Dictionary<string, string> { ["EDGEINV_MODEL"] = "/nonexistent/shelf-detector.onnx" },
            "detect", Path.Combine(RepoPaths.Root, "models", "samples", "images"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("edgeinv detect: /nonexistent/shelf-detector.onnx: no trained shelf model yet", Assert.Single(r.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_trained_default_model_the_demo_explains_what_to_do()
    {
        CliRunner.Result r = CliRunner.Run(
            new Dictionary<string, string> { ["EDGEINV_MODEL"] = "/nonexistent/shelf-detector.onnx" }, "demo");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no trained shelf model yet", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("tools/edgeinv train", r.Stdout, StringComparison.Ordinal);
    }
}
