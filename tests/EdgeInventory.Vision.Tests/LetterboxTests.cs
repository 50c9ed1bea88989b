using EdgeInventory.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

public sealed class LetterboxTests
{
    [Theory]
    [InlineData(128, 64, 64, 64, 64, 32, 0, 16)]
    [InlineData(1024, 768, 640, 640, 640, 480, 0, 80)]
    [InlineData(768, 1024, 640, 640, 480, 640, 80, 0)]
    [InlineData(100, 37, 64, 64, 64, 24, 0, 20)]   // dh = 20 exactly
    [InlineData(64, 63, 64, 64, 64, 63, 0, 0)]     // dh = 0.5: top round(0.4)=0, bottom round(0.6)=1, as Ultralytics
    [InlineData(32, 32, 64, 64, 64, 64, 0, 0)]     // scaled up
    public void Geometry_matches_ultralytics(int sw, int sh, int iw, int ih, int rw, int rh, int left, int top)
    {
        var g = LetterboxGeometry.Compute(sw, sh, iw, ih);
        Assert.Equal((rw, rh, left, top), (g.ResizedWidth, g.ResizedHeight, g.PadLeft, g.PadTop));
    }

    [Fact]
    public void Inverse_mapping_returns_source_pixels()
    {
        var g = LetterboxGeometry.Compute(1024, 768, 640, 640);
        Assert.Equal(0f, g.ToSourceX(0f));
        Assert.Equal(1024f, g.ToSourceX(640f), 3);
        Assert.Equal(0f, g.ToSourceY(80f));
        Assert.Equal(768f, g.ToSourceY(560f), 3);
        Assert.Equal(512f, g.ToSourceX(320f), 3);
    }

    [Fact]
    public void Uniform_image_fills_content_and_pads_with_114()
    {
        var image = new BgrImage(128, 64);
        image.Fill(b: 10, g: 20, r: 30);
        float[] chw = new float[3 * 64 * 64];
        new LetterboxResizer().Apply(image, chw, 64, 64);
        int plane = 64 * 64;
        // content rows 16..47; R plane first (RGB order)
        Assert.Equal(30f / 255f, chw[(20 * 64) + 5], 6);
        Assert.Equal(20f / 255f, chw[plane + (20 * 64) + 5], 6);
        Assert.Equal(10f / 255f, chw[(2 * plane) + (47 * 64) + 63], 6);
        foreach (int y in new[] { 0, 15, 48, 63 })
        {
            Assert.Equal(114f / 255f, chw[(y * 64) + 7], 6);
            Assert.Equal(114f / 255f, chw[(2 * plane) + (y * 64) + 63], 6);
        }
    }

    [Theory]
    [InlineData(97, 53, 64, 64)]   // downscale, odd sizes
    [InlineData(20, 30, 64, 48)]   // upscale into a non-square input
    [InlineData(1, 1, 8, 8)]
    public void Resize_matches_a_reference_bilinear(int sw, int sh, int iw, int ih)
    {
        var image = new BgrImage(sw, sh);
        var rng = new Random(7);
        rng.NextBytes(image.Pixels);
        float[] chw = new float[3 * iw * ih];
        LetterboxGeometry g = new LetterboxResizer().Apply(image, chw, iw, ih);
        int plane = iw * ih;
        for (int y = 0; y < g.ResizedHeight; y++)
        {
            for (int x = 0; x < g.ResizedWidth; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double expected = ReferenceBilinear(image, x, y, g, 2 - c) / 255.0;
                    float actual = chw[(c * plane) + ((y + g.PadTop) * iw) + x + g.PadLeft];
                    Assert.True(Math.Abs(expected - actual) < 1e-4, $"({x},{y}) channel {c}: {actual} vs {expected}");
                }
            }
        }
    }

    /// <summary>OpenCV INTER_LINEAR semantics written plainly: half-pixel centres, border clamp.</summary>
    private static double ReferenceBilinear(BgrImage img, int x, int y, LetterboxGeometry g, int bgrChannel)
    {
        double fx = ((x + 0.5) * img.Width / g.ResizedWidth) - 0.5;
        double fy = ((y + 0.5) * img.Height / g.ResizedHeight) - 0.5;
        fx = Math.Max(fx, 0);
        fy = Math.Max(fy, 0);
        int x0 = Math.Min((int)Math.Floor(fx), img.Width - 1), y0 = Math.Min((int)Math.Floor(fy), img.Height - 1);
        int x1 = Math.Min(x0 + 1, img.Width - 1), y1 = Math.Min(y0 + 1, img.Height - 1);
        double ax = x0 == img.Width - 1 ? 0 : fx - x0, ay = y0 == img.Height - 1 ? 0 : fy - y0;
        double P(int px, int py) => img.Pixels[(((py * img.Width) + px) * 3) + bgrChannel];
        return ((1 - ay) * (((1 - ax) * P(x0, y0)) + (ax * P(x1, y0)))) + (ay * (((1 - ax) * P(x0, y1)) + (ax * P(x1, y1))));
    }
}
