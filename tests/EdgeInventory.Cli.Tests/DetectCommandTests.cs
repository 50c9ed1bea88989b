using System.Text.Json;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;

namespace EdgeInventory.Cli.Tests;

/// <summary>`edgeinv detect` end to end: the real program, the real ONNX Runtime, fixture models.</summary>
public sealed class DetectCommandTests
{
    private static readonly string StaticModel = RepoPaths.OnnxFixture("yolov8_static.onnx");

    [Fact]
    public void Json_line_per_image_with_boxes_counts_and_timings()
    {
        using var temp = RepoPaths.NewTempFolder();
        string image = WriteJpeg(temp, "wide.jpg", 128, 64);
        CliRunner.Result r = CliRunner.Run("detect", image, "--model", StaticModel, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string line = Assert.Single(r.StdoutLines);
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        Assert.Equal(new[] { "image", "width", "height", "detections", "counts", "timings_ms" }, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(image, root.GetProperty("image").GetString());
        Assert.Equal(128, root.GetProperty("width").GetInt32());
        Assert.Equal(64, root.GetProperty("height").GetInt32());
        JsonElement[] detections = root.GetProperty("detections").EnumerateArray().ToArray();
        Assert.Equal(3, detections.Length);
        JsonElement first = detections[0];
        Assert.Equal(new[] { "x1", "y1", "x2", "y2", "score", "class", "label" }, first.EnumerateObject().Select(p => p.Name));
        // The fixture's top box, (24,28)-(40,36) in the 64×64 input, lands at (48,24)-(80,40) in the 128×64 image.
        Assert.Equal(48, first.GetProperty("x1").GetDouble(), 2);
        Assert.Equal(24, first.GetProperty("y1").GetDouble(), 2);
        Assert.Equal(80, first.GetProperty("x2").GetDouble(), 2);
        Assert.Equal(40, first.GetProperty("y2").GetDouble(), 2);
        Assert.Equal(0.9, first.GetProperty("score").GetDouble(), 4);
        Assert.Equal("cola, 330ml", first.GetProperty("label").GetString());
        Assert.Equal(128, detections[2].GetProperty("x2").GetDouble(), 2); // clipped to the image
        JsonElement counts = root.GetProperty("counts");
        Assert.Equal(1, counts.GetProperty("cola, 330ml").GetInt32());
        Assert.Equal(1, counts.GetProperty("it's: {one}").GetInt32());
        Assert.Equal(1, counts.GetProperty("plain").GetInt32());
        Assert.Equal(new[] { "decode", "preprocess", "inference", "postprocess", "total" },
            root.GetProperty("timings_ms").EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("timings_ms").GetProperty("total").ValueKind);
    }

    [Fact]
    public void Folder_with_bad_images_processes_the_good_and_reports_the_bad()
    {
        using var temp = RepoPaths.NewTempFolder();
        WriteJpeg(temp, "a_good.jpg", 128, 64);
        WriteJpeg(temp, "c_good.jpg", 64, 64);
        File.WriteAllBytes(temp.File("b_corrupt.jpg"), "not an image"u8.ToArray());
        byte[] whole = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "models", "samples", "images", "shelf_val_107.jpg"));
        File.WriteAllBytes(temp.File("d_truncated.jpg"), whole[..(whole.Length / 3)]);
        File.WriteAllText(temp.File("notes.txt"), "ignored: not an image name");

        CliRunner.Result r = CliRunner.Run("detect", temp.Path, "--model", StaticModel, "--json");
        Assert.Equal(1, r.ExitCode);
        string[] printed = r.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("image").GetString()!).ToArray();
        Assert.Equal(new[] { temp.File("a_good.jpg"), temp.File("c_good.jpg") }, printed);
        Assert.Contains(r.StderrLines, l => l == $"edgeinv detect: {temp.File("b_corrupt.jpg")}: not a JPEG or PNG image");
        Assert.Contains(r.StderrLines, l => l.StartsWith($"edgeinv detect: {temp.File("d_truncated.jpg")}: truncated JPEG", StringComparison.Ordinal));
        Assert.Contains(r.StderrLines, l => l == "edgeinv detect: 2 of 4 images could not be read");
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_output_counts_by_label_and_annotate_writes_pictures()
    {
        using var temp = RepoPaths.NewTempFolder();
        string image = WriteJpeg(temp, "wide.jpg", 128, 64);
        string annotated = Path.Combine(temp.Path, "annotated");
        CliRunner.Result r = CliRunner.Run("detect", image, "--model", StaticModel, "--conf", "0.65", "--annotate", annotated);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith($"{image}: 2 objects (cola, 330ml 1, it's: {{one}} 1)", Assert.Single(r.StdoutLines), StringComparison.Ordinal);
        using var reader = new StillImageReader();
        var picture = new BgrImage();
        reader.Read(Path.Combine(annotated, "wide.jpg"), picture);
        Assert.Equal((128, 64), (picture.Width, picture.Height));
    }

    [Fact]
    public void Exif_rotated_photo_reports_displayed_size()
    {
        using var temp = RepoPaths.NewTempFolder();
        byte[] jpeg = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "models", "samples", "images", "shelf_val_107.jpg"));
        // APP1 Exif with orientation 6 (stored sideways, shown turned 90° clockwise).
        byte[] exif = [0xFF, 0xE1, 0, 34, .. "Exif\0\0"u8.ToArray(), (byte)'M', (byte)'M', 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
        File.WriteAllBytes(temp.File("rotated.jpg"), [.. jpeg[..2], .. exif, .. jpeg[2..]]);
        CliRunner.Result r = CliRunner.Run("detect", temp.File("rotated.jpg"), "--model", StaticModel, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonElement root = JsonDocument.Parse(r.StdoutLines[0]).RootElement;
        Assert.Equal((1024, 768), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        foreach (JsonElement d in root.GetProperty("detections").EnumerateArray())
        {
            Assert.InRange(d.GetProperty("x2").GetDouble(), 0, 1024);
            Assert.InRange(d.GetProperty("y2").GetDouble(), 0, 768);
        }
    }

    [Theory]
    [InlineData("/nonexistent/model.onnx", "/nonexistent/model.onnx: no such model file")]
    [InlineData("@/classifier.onnx", "@/classifier.onnx: the model's task is 'classify', not 'detect'")]
    [InlineData("@/unknown_layout.onnx", "@/unknown_layout.onnx: output output0 Float [1, 1000] is not a YOLO detection layout")]
    [InlineData("@/truncated.onnx", "@/truncated.onnx: Load model from @/truncated.onnx failed:")]
    public void Bad_model_is_one_line_and_exit_2(string model, string expectedStart)
    {
        string fixtures = Path.Combine(RepoPaths.Root, "tests", "fixtures", "onnx");
        model = model.Replace("@", fixtures, StringComparison.Ordinal);
        expectedStart = expectedStart.Replace("@", fixtures, StringComparison.Ordinal);
        using var temp = RepoPaths.NewTempFolder();
        CliRunner.Result r = CliRunner.Run("detect", WriteJpeg(temp, "a.jpg", 64, 64), "--model", model);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StderrLines);
        Assert.StartsWith("edgeinv detect: " + expectedStart, line, StringComparison.Ordinal);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void Missing_native_library_is_one_line_and_exit_2()
    {
        using var temp = RepoPaths.NewTempFolder();
        CliRunner.Result r = CliRunner.Run(
            new Dictionary<string, string> { ["EDGEINV_ORT_LIBRARY"] = "/nonexistent/libonnxruntime.so.1" },
            "detect", WriteJpeg(temp, "a.jpg", 64, 64), "--model", StaticModel);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("edgeinv detect: ONNX Runtime native library not found (/nonexistent/libonnxruntime.so.1: no such file)", Assert.Single(r.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        CliRunner.Result r = CliRunner.Run("detect", "x.jpg", "--model", "/nonexistent/model.onnx", "--verbose");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--conf", "2")]
    [InlineData("--max-det", "0")]
    [InlineData("--bogus", "1")]
    [InlineData("--provider", "npu")]
    public void Usage_errors_exit_2(string option, string value)
    {
        CliRunner.Result r = CliRunner.Run("detect", "x.jpg", "--model", StaticModel, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, Assert.Single(r.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_provider_on_the_cpu_build_fails_clearly_or_falls_back_when_asked()
    {
        using var temp = RepoPaths.NewTempFolder();
        string image = WriteJpeg(temp, "a.jpg", 64, 64);
        CliRunner.Result refused = CliRunner.Run("detect", image, "--model", StaticModel, "--provider", "cuda");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("the Cuda execution provider cannot be used", refused.Stderr, StringComparison.Ordinal);
        CliRunner.Result fellBack = CliRunner.Run("detect", image, "--model", StaticModel, "--provider", "cuda", "--cpu-fallback");
        Assert.Equal(0, fellBack.ExitCode);
        Assert.Contains("warning: running on the CPU", fellBack.Stderr, StringComparison.Ordinal);
    }

    private static string WriteJpeg(TempFolder temp, string name, int width, int height)
    {
        var image = new BgrImage(width, height);
        image.Fill(0, 0, 0); // black keeps the fixture outputs as written (they add 0 × mean)
        using var codec = new TurboJpegCodec();
        string path = temp.File(name);
        File.WriteAllBytes(path, codec.Encode(image));
        return path;
    }
}
