using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;
using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Vision.Tests;

public sealed class StillImageReaderTests
{
    [Fact]
    public void Jpeg_decodes_to_bgr_of_its_size()
    {
        using var reader = new StillImageReader();
        var decoded = new BgrImage();
        reader.Decode(TestImages.Jpeg(TestImages.Quadrants()), decoded, "quadrants.jpg");
        Assert.Equal((64, 32), (decoded.Width, decoded.Height));
        Assert.True(TestImages.Near(TestImages.Green, TestImages.Get(decoded, 4, 4)));
        Assert.True(TestImages.Near(TestImages.Red, TestImages.Get(decoded, 24, 28)));
        Assert.True(TestImages.Near(TestImages.Blue, TestImages.Get(decoded, 60, 16)));
    }

    [Theory]
    [InlineData(1, 64, 32, 4, 4)]    // as stored: green corner top-left
    [InlineData(2, 64, 32, 59, 4)]   // mirrored: top-right
    [InlineData(3, 64, 32, 59, 27)]  // 180°: bottom-right
    [InlineData(4, 64, 32, 4, 27)]   // flipped vertically: bottom-left
    [InlineData(5, 32, 64, 4, 4)]    // transposed: top-left
    [InlineData(6, 32, 64, 27, 4)]   // 90° clockwise: top-right
    [InlineData(7, 32, 64, 27, 59)]  // transverse: bottom-right
    [InlineData(8, 32, 64, 4, 59)]   // 90° counter-clockwise: bottom-left
    public void Exif_orientation_gives_the_picture_as_displayed(int orientation, int width, int height, int greenX, int greenY)
    {
        using var reader = new StillImageReader();
        var decoded = new BgrImage();
        byte[] jpeg = TestImages.WithExifOrientation(TestImages.Jpeg(TestImages.Quadrants()), orientation, littleEndian: orientation % 2 == 0);
        reader.Decode(jpeg, decoded, "rotated.jpg");
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.True(TestImages.Near(TestImages.Green, TestImages.Get(decoded, greenX, greenY)), $"orientation {orientation}: {TestImages.Get(decoded, greenX, greenY)} at ({greenX},{greenY})");
    }

    [Fact]
    public void Png_decodes_losslessly_through_ffmpeg()
    {
        using var temp = RepoPaths.NewTempFolder();
        BgrImage original = TestImages.Quadrants();
        new Random(3).NextBytes(original.Pixels[..300]);
        string png = temp.File("q.png");
        WritePng(original, png);
        using var reader = new StillImageReader();
        var decoded = new BgrImage();
        reader.Read(png, decoded);
        Assert.Equal((64, 32), (decoded.Width, decoded.Height));
        Assert.True(original.Pixels.SequenceEqual(decoded.Pixels));
    }

    [Fact]
    public void Real_shelf_photo_decodes()
    {
        using var reader = new StillImageReader();
        var decoded = new BgrImage();
        reader.Read(Path.Combine(RepoPaths.Root, "models", "samples", "images", "shelf_val_107.jpg"), decoded);
        Assert.Equal((768, 1024), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Truncated_jpeg_is_an_error_naming_the_file()
    {
        byte[] jpeg = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "models", "samples", "images", "shelf_val_107.jpg"));
        using var reader = new StillImageReader();
        var e = Assert.Throws<ImageDecodeException>(() => reader.Decode(jpeg.AsSpan(0, jpeg.Length / 2), new BgrImage(), "half.jpg"));
        Assert.StartsWith("half.jpg: truncated JPEG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_truncated_png_is_an_error()
    {
        using var temp = RepoPaths.NewTempFolder();
        string png = temp.File("q.png");
        WritePng(TestImages.Quadrants(), png);
        byte[] bytes = File.ReadAllBytes(png);
        using var reader = new StillImageReader();
        var e = Assert.Throws<ImageDecodeException>(() => reader.Decode(bytes.AsSpan(0, bytes.Length - 30), new BgrImage(), "cut.png"));
        Assert.StartsWith("cut.png: corrupt or truncated PNG", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0], "empty file")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, "not a JPEG or PNG image")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x00 }, "not a readable JPEG")]
    public void Bad_bytes_say_why(byte[] bytes, string reason)
    {
        using var reader = new StillImageReader();
        var e = Assert.Throws<ImageDecodeException>(() => reader.Decode(bytes, new BgrImage(), "x"));
        Assert.StartsWith(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_says_so()
    {
        using var reader = new StillImageReader();
        var e = Assert.Throws<ImageDecodeException>(() => reader.Read("/nonexistent/shelf.jpg", new BgrImage()));
        Assert.Equal("/nonexistent/shelf.jpg: no such file", e.Message);
    }

    private static void WritePng(BgrImage image, string path)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{image.Width}x{image.Height}", "-i", "pipe:0", path })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        p.StandardInput.BaseStream.Write(image.Pixels);
        p.StandardInput.Close();
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, errors);
    }
}
