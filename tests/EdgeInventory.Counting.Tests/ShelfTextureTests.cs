using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Counting.Tests;

/// <summary>What the pixels of a zone say about bare shelf (issue 13: a second witness beside the detector).</summary>
public class ShelfTextureTests
{
    private const int Size = 400;

    /// <summary>A shelf of "packaging": dark print strokes on light boxes, every column textured.</summary>
    private static BgrImage StockedShelf()
    {
        var image = new BgrImage(Size, Size);
        Span<byte> px = image.Pixels;
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                // Lettering: short strokes every few pixels in both directions, as print on a box has.
                bool ink = ((x / 3) + (y / 5)) % 3 == 0;
                byte v = ink ? (byte)40 : (byte)210;
                int o = (y * image.Stride) + (x * 3);
                px[o] = v;
                px[o + 1] = v;
                px[o + 2] = v;
            }
        }

        return image;
    }

    /// <summary>Paints columns [x0, x1) as bare shelf: a dark panel with sensor noise of ±7, as an empty slot looks.</summary>
    private static void PaintBare(BgrImage image, int x0, int x1, int y0 = 0, int y1 = Size)
    {
        var rng = new Random(7);
        Span<byte> px = image.Pixels;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                byte v = (byte)(60 + rng.Next(-7, 8));
                int o = (y * image.Stride) + (x * 3);
                px[o] = v;
                px[o + 1] = v;
                px[o + 2] = v;
            }
        }
    }

    private static readonly ZoneDefinition[] OneZone = [TestZones.Zone("z", 0.0, 0.25, 1.0, 0.75)];

    [Fact]
    public void A_stocked_zone_shows_no_bare_width_and_an_emptied_half_shows_half()
    {
        BgrImage frame = StockedShelf();
        Assert.Equal(0, ShelfTexture.BareFraction(frame, OneZone, 0));
        PaintBare(frame, 0, Size / 2);
        Assert.InRange(ShelfTexture.BareFraction(frame, OneZone, 0), 0.45, 0.55);
        PaintBare(frame, Size / 2, Size);
        Assert.Equal(1, ShelfTexture.BareFraction(frame, OneZone, 0));
    }

    [Fact]
    public void A_price_label_across_a_few_rows_of_an_empty_slot_does_not_make_it_stocked()
    {
        BgrImage frame = StockedShelf();
        PaintBare(frame, 0, Size);
        // The shelf edge with its labels keeps its print over the top eighth of the zone's box (inside the inset
        // would be left out anyway; this reaches below it).
        BgrImage stocked = StockedShelf();
        int y0 = (int)(0.25 * Size), y1 = y0 + (Size / 8);
        stocked.Pixels.Slice(y0 * frame.Stride, (y1 - y0) * frame.Stride).CopyTo(frame.Pixels[(y0 * frame.Stride)..]);
        Assert.Equal(1, ShelfTexture.BareFraction(frame, OneZone, 0));
    }

    [Fact]
    public void Pixels_inside_another_zone_are_not_this_zones()
    {
        // Zone a covers the whole width; zone b (drawn over a's right half) is stocked, a's own left half is bare.
        ZoneDefinition[] zones = [TestZones.Zone("a", 0.0, 0.25, 1.0, 0.75), TestZones.Zone("b", 0.5, 0.2, 1.0, 0.8)];
        BgrImage frame = StockedShelf();
        PaintBare(frame, 0, Size / 2);
        // Without b's pixels a is (nearly) all bare: 11 or 12 of its 12 own strips (the last one's gradient reads the
        // print across the border). Counting b's pixels as a's would make it half.
        Assert.InRange(ShelfTexture.BareFraction(frame, zones, 0), 0.9, 1.0);
        // The shared pixels are neither zone's: b, all but a sliver inside a's box, has too few of its own to tell.
        Assert.True(double.IsNaN(ShelfTexture.BareFraction(frame, zones, 1)));
    }

    [Fact]
    public void A_zone_too_small_in_the_frame_to_tell_is_not_measured()
    {
        ZoneDefinition[] tiny = [TestZones.Zone("t", 0.5, 0.5, 0.52, 0.51)];
        Assert.True(double.IsNaN(ShelfTexture.BareFraction(StockedShelf(), tiny, 0)));
    }

    [Fact]
    public void The_counter_reports_the_bare_share_only_when_given_the_frame_and_the_measure_is_on()
    {
        BgrImage frame = StockedShelf();
        PaintBare(frame, 0, Size / 4);
        var observations = new ZoneObservation[1];
        var counter = new ZoneCounter(OneZone);
        counter.Observe([], Size, Size, observations, frame);
        Assert.InRange(observations[0].BareFraction, 0.2, 0.3);
        counter.Observe([], Size, Size, observations);
        Assert.True(double.IsNaN(observations[0].BareFraction));
        new ZoneCounter(OneZone, new CountingSettings { ShelfTexture = null }).Observe([], Size, Size, observations, frame);
        Assert.True(double.IsNaN(observations[0].BareFraction));
    }
}
