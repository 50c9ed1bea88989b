using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Scenes.Tests;

/// <summary>The layout and the renderer on the real sample photos the repository ships (models/samples).</summary>
public sealed class ShelfSceneTests
{
    public static TheoryData<string> Samples => new() { "shelf_val_107", "shelf_val_229", "shelf_val_400" };

    private static ShelfPhoto Sample(string name) => ShelfPhoto.Load(
        Path.Combine(RepoPaths.Root, "models", "samples", "images", name + ".jpg"),
        Path.Combine(RepoPaths.Root, "models", "samples", "labels", name + ".txt"));

    [Theory]
    [MemberData(nameof(Samples))]
    public void Rows_and_bays_are_found_and_hold_their_own_products(string name)
    {
        ShelfPhoto photo = Sample(name);
        ShelfLayout layout = ShelfLayout.Find(photo);

        Assert.True(layout.Rows.Count >= 3, $"{name}: {layout.Rows.Count} rows");
        Assert.True(layout.Bays.Count >= 6, $"{name}: {layout.Bays.Count} bays");
        var seen = new HashSet<int>();
        foreach (ShelfBay bay in layout.Bays)
        {
            Assert.True(bay.PlannedFacings >= 3, $"{bay.Id}: {bay.PlannedFacings} products");
            foreach (int i in bay.ProductIndices)
            {
                Assert.True(seen.Add(i), $"product {i} is in two bays");
                ProductBox p = photo.Products[i];
                Assert.True(bay.Contains(p.CenterX / photo.Width, p.CenterY / photo.Height));
            }

            // Left to right, as the planogram's facings are.
            for (int k = 1; k < bay.ProductIndices.Count; k++)
            {
                Assert.True(photo.Products[bay.ProductIndices[k - 1]].CenterX <= photo.Products[bay.ProductIndices[k]].CenterX);
            }

            Assert.Equal(bay.PlannedFacings, bay.ToZone("loc-" + bay.Id, "sku", 1).PlannedFacings);
        }

        // Rows run top to bottom, and the bays of a row do not overlap.
        for (int r = 1; r < layout.Rows.Count; r++)
        {
            Assert.True(layout.Rows[r - 1].ProductIndices.Average(i => photo.Products[i].CenterY) <= layout.Rows[r].ProductIndices.Average(i => photo.Products[i].CenterY));
        }

        foreach (ShelfRow row in layout.Rows)
        {
            for (int b = 1; b < row.Bays.Count; b++)
            {
                Assert.True(row.Bays[b - 1].X2 <= row.Bays[b].X1 + 1e-9, $"{row.Bays[b - 1].Id} overlaps {row.Bays[b].Id}");
            }
        }

        // Nor does a bay lie largely over the bays before it (its pixels would be their products).
        AssertNoBayLargelyOverEarlierOnes(layout, new ShelfLayoutOptions().MaxOverlapShare);
    }

    [Fact]
    public void A_bay_lying_over_earlier_bays_is_left_out_and_its_products_stay_unzoned()
    {
        // Two chains of boxes: a row of 18 tall boxes (three bays) and, over the middle of its first bay, a row
        // of 4 short boxes that touch the tall ones (2 px of 20), so they chain apart. With bands as tall as the
        // products (BandHalfHeight 1) the short row's bay lies over 35 % of the tall row's first bay, which keeps
        // three products outside it: that bay is left out, and only with the rule.
        var lines = new List<string>();
        for (int i = 0; i < 18; i++)
        {
            lines.Add(Label(10 + (i * 30), 100, 28, 60)); // tall row: y 100..160
        }

        for (int i = 0; i < 4; i++)
        {
            lines.Add(Label(70 + (i * 24), 82, 20, 20)); // short row: y 82..102, x 70..162
        }

        ShelfPhoto photo = ShelfPhoto.FromImage("two-chains", new BgrImage(600, 240), lines, "test");
        var tall = new ShelfLayoutOptions { BandHalfHeight = 1 };
        ShelfLayout unfiltered = ShelfLayout.Find(photo, tall with { MaxOverlapShare = 1 });
        Assert.Contains(unfiltered.Bays, b => Covered(unfiltered, b) > 0.25);

        ShelfLayout layout = ShelfLayout.Find(photo, tall);
        AssertNoBayLargelyOverEarlierOnes(layout, tall.MaxOverlapShare);
        Assert.Equal(unfiltered.Bays.Count - 1, layout.Bays.Count);
        // Its three products outside the short row's bay belong to no zone now (planned facings count them nowhere).
        Assert.Equal(unfiltered.Bays.Sum(static b => b.PlannedFacings) - 3, layout.Bays.Sum(static b => b.PlannedFacings));
    }

    private static string Label(double x1, double y1, double w, double h) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture, $"0 {(x1 + (w / 2)) / 600} {(y1 + (h / 2)) / 240} {w / 600} {h / 240}");

    private static double Covered(ShelfLayout layout, ShelfBay bay)
    {
        double covered = 0;
        foreach (ShelfBay earlier in layout.Bays.TakeWhile(b => b != bay))
        {
            covered += Math.Max(0, Math.Min(bay.X2, earlier.X2) - Math.Max(bay.X1, earlier.X1))
                * Math.Max(0, Math.Min(bay.Y2, earlier.Y2) - Math.Max(bay.Y1, earlier.Y1));
        }

        return covered / ((bay.X2 - bay.X1) * (bay.Y2 - bay.Y1));
    }

    private static void AssertNoBayLargelyOverEarlierOnes(ShelfLayout layout, double maxShare)
    {
        foreach (ShelfBay bay in layout.Bays)
        {
            Assert.True(Covered(layout, bay) <= maxShare + 1e-9, $"{bay.Id}: {Covered(layout, bay):P0} of it lies over earlier bays");
        }
    }

    [Fact]
    public void Removed_products_change_pixels_inside_their_bare_regions_only_and_keep_the_products_that_remain()
    {
        ShelfPhoto photo = Sample("shelf_val_229");
        ShelfBay bay = ShelfLayout.Find(photo).Bays[2];
        int[] removed = [bay.ProductIndices[0], bay.ProductIndices[1]];
        var renderer = new ShelfRenderer(photo, seed: 7);
        BgrImage rendered = renderer.Render(removed);

        var removedBoxes = renderer.BareRegions(removed).ToList();
        // Every removed product lies inside a bare region; neighbours on the row share one.
        Assert.All(removed, i => Assert.Contains(removedBoxes, r => r.X1 <= photo.Products[i].X1 && r.X2 >= photo.Products[i].X2 && r.Y1 <= photo.Products[i].Y1 && r.Y2 >= photo.Products[i].Y2));
        var keptBoxes = photo.Products.Where((_, i) => !removed.Contains(i)).ToList();
        long changedInside = 0, pixelsInside = 0;
        for (int y = 0; y < photo.Height; y++)
        {
            for (int x = 0; x < photo.Width; x++)
            {
                bool changed = PixelDiffers(photo.Image, rendered, x, y);
                bool inRemoved = removedBoxes.Any(b => Inside(b, x, y));
                if (!inRemoved || keptBoxes.Any(b => Inside(b, x, y)))
                {
                    Assert.False(changed, $"pixel ({x}, {y}) changed outside the bare regions or inside a product that remains");
                    continue;
                }

                pixelsInside++;
                changedInside += changed ? 1 : 0;
            }
        }

        Assert.True(pixelsInside > 100);
        Assert.True(changedInside > pixelsInside * 0.9, $"only {changedInside} of {pixelsInside} pixels of the removed products changed");
    }

    [Fact]
    public void Bare_shelf_is_darker_than_the_products_it_replaces_and_not_flat()
    {
        ShelfPhoto photo = Sample("shelf_val_107");
        ShelfBay bay = ShelfLayout.Find(photo).Bays[0];
        BgrImage rendered = new ShelfRenderer(photo).Render(bay.ProductIndices.ToArray());
        ProductBox box = photo.Products[bay.ProductIndices[0]];
        var values = new List<int>();
        for (int y = (int)box.Y1 + 3; y < (int)box.Y2 - 3; y++)
        {
            for (int x = (int)box.X1 + 3; x < (int)box.X2 - 3; x++)
            {
                values.Add(rendered.Pixels[(y * rendered.Stride) + (x * 3) + 1]);
            }
        }

        double mean = values.Average();
        double spread = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, 10, 120);
        Assert.True(spread > 3, $"the bare shelf is flat (standard deviation {spread:0.0})");
    }

    [Fact]
    public void Rendering_is_deterministic_whatever_the_order_and_changes_with_the_seed()
    {
        ShelfPhoto photo = Sample("shelf_val_400");
        ShelfLayout layout = ShelfLayout.Find(photo);
        int[] removed = [.. layout.Bays[0].ProductIndices.Take(3), .. layout.Bays[1].ProductIndices.Take(2)];
        var occluder = new Occluder(OccluderKind.Shopper, 0.4, 0.2);

        byte[] first = new ShelfRenderer(photo, seed: 3).Render(removed, occluder).Pixels.ToArray();
        byte[] again = new ShelfRenderer(photo, seed: 3).Render(removed.Reverse().ToArray(), occluder).Pixels.ToArray();
        byte[] otherSeed = new ShelfRenderer(photo, seed: 4).Render(removed, occluder).Pixels.ToArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
        Assert.Equal(ShelfLayout.Find(photo).Bays.Select(b => (b.Id, b.X1, b.ProductIndices.Count)), layout.Bays.Select(b => (b.Id, b.X1, b.ProductIndices.Count)));
    }

    [Theory]
    [InlineData(OccluderKind.Shopper)]
    [InlineData(OccluderKind.Trolley)]
    public void An_occluder_draws_within_its_band_only(OccluderKind kind)
    {
        ShelfPhoto photo = Sample("shelf_val_107");
        BgrImage rendered = new ShelfRenderer(photo).Render([], new Occluder(kind, 0.5, 0.2));
        int left = (int)(0.4 * photo.Width) - 1, right = (int)(0.6 * photo.Width) + 1;
        long changedInside = 0;
        for (int y = 0; y < photo.Height; y++)
        {
            for (int x = 0; x < photo.Width; x++)
            {
                bool changed = PixelDiffers(photo.Image, rendered, x, y);
                if (x < left || x > right)
                {
                    Assert.False(changed, $"pixel ({x}, {y}) outside the occluder changed");
                }
                else if (changed)
                {
                    changedInside++;
                }
            }
        }

        Assert.True(changedInside > (right - left) * photo.Height / 10, $"{kind} changed only {changedInside} pixels");
    }

    [Fact]
    public void The_truth_follows_the_agents_precedence()
    {
        ShelfPhoto photo = Sample("shelf_val_229");
        ShelfBay bay = ShelfLayout.Find(photo).Bays[0];
        int n = bay.PlannedFacings;
        int min = Math.Max(1, n / 2);

        Assert.Equal(TrueShortage.None, ShortageTruth.Judge(photo, bay, [], min, 0.3));
        Assert.Equal(0, ShortageTruth.EmptiedFraction(photo, bay, []));
        Assert.Equal(TrueShortage.OutOfStock, ShortageTruth.Judge(photo, bay, bay.ProductIndices.ToArray(), min, 0.3));
        Assert.Equal(TrueShortage.BelowMinimum, ShortageTruth.Judge(photo, bay, bay.ProductIndices.Take(n - min + 1).ToArray(), min, 0.3));
        // One product of many: a narrow sliver, no gap; half of the row gone (still at the minimum): a gap.
        Assert.Equal(TrueShortage.None, ShortageTruth.Judge(n, n + 10, 1, ShortageTruth.EmptiedFraction(photo, bay, [bay.ProductIndices[1]]) / 4, 0.3));
        Assert.Equal(TrueShortage.Gap, ShortageTruth.Judge(n - min, n, 1, ShortageTruth.EmptiedFraction(photo, bay, bay.ProductIndices.Take(min).ToArray()), 0.3));
    }

    [Fact]
    public void A_malformed_label_is_refused_naming_the_file_and_line()
    {
        var image = new BgrImage(100, 80);
        var error = Assert.Throws<InvalidDataException>(() => ShelfPhoto.FromImage("p", image, ["0 0.5 0.5 0.2 0.2", "0 0.5 abc 0.2 0.2"], "p.txt"));
        Assert.Contains("p.txt:2", error.Message, StringComparison.Ordinal);
    }

    private static bool Inside(ProductBox b, int x, int y) => x + 0.5 >= b.X1 && x + 0.5 < b.X2 && y + 0.5 >= b.Y1 && y + 0.5 < b.Y2;

    private static bool PixelDiffers(BgrImage a, BgrImage b, int x, int y)
    {
        int o = (y * a.Stride) + (x * 3);
        return a.Pixels[o] != b.Pixels[o] || a.Pixels[o + 1] != b.Pixels[o + 1] || a.Pixels[o + 2] != b.Pixels[o + 2];
    }
}
