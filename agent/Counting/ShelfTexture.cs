using EdgeInventory.Imaging;

namespace EdgeInventory.Counting;

/// <summary>
/// What the pixels of a zone say about empty shelf, independently of the detector: the share of the zone's width
/// whose columns show (almost) no edges. Packaging has print, labels and outlines; the back panel of an empty slot
/// is a smooth surface in shade. The zone's box is cut into vertical strips; a strip is bare when most of its rows
/// (<see cref="ShelfTextureSettings.BareQuietRows"/>) are quiet: almost none of their pixels have a luma gradient of at
/// least <see cref="ShelfTextureSettings.EdgeThreshold"/> (on a 2×2-averaged image, so sensor noise is not an edge).
/// A price label on the shelf edge or a product beside the slot crosses a few rows of a strip, not most of them.
/// A bare stretch is only evidence of empty shelf against the zone's own look when full (a plain box is also
/// smooth): the reconciler compares it with the zone's baseline, never with zero. Pure; no allocation per call.
/// </summary>
public static class ShelfTexture
{
    /// <summary>
    /// The bare share of zone <paramref name="index"/>'s width in <paramref name="frame"/>, 0..1. Pixels inside
    /// another zone's box are not this zone's (zones drawn on a slanted shelf overlap); a strip with too few of its
    /// own pixels is left out. NaN when too little is left to tell (fewer than 4 strips or 8 rows of pixels).
    /// </summary>
    public static double BareFraction(BgrImage frame, IReadOnlyList<ZoneDefinition> zones, int index, ShelfTextureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, zones.Count);
        ZonePolygon zone = zones[index].Polygon;
        settings ??= ShelfTextureSettings.Default;
        int w = frame.Width, h = frame.Height;
        if (w < 4 || h < 4)
        {
            return double.NaN;
        }

        // Work on 2x2 blocks: block (bx, by) averages pixels (2bx..2bx+1, 2by..2by+1).
        double inset = settings.VerticalInset;
        int bx0 = Math.Max(0, (int)Math.Ceiling(zone.MinX * w / 2));
        int bx1 = Math.Min((w / 2) - 1, (int)Math.Floor(zone.MaxX * w / 2));
        double top = zone.MinY + (zone.Height * inset), bottom = zone.MaxY - (zone.Height * inset);
        int by0 = Math.Max(1, (int)Math.Ceiling(top * h / 2));
        int by1 = Math.Min((h / 2) - 2, (int)Math.Floor(bottom * h / 2));
        int blocksWide = bx1 - bx0;
        int rows = by1 - by0;
        int strips = Math.Min(settings.Strips, blocksWide / 2);
        if (strips < 4 || rows < 8)
        {
            return double.NaN;
        }

        ReadOnlySpan<byte> px = frame.Pixels;
        int stride = frame.Stride;
        int bare = 0, known = 0;
        double stripWidth = (double)blocksWide / strips;
        // Block sums of the rows above, at and below the current one, for the strip's blocks and one either side:
        // each block is summed once per strip, not once for each neighbour whose gradient reads it.
        int span = (int)Math.Ceiling(stripWidth) + 3;
        Span<int> cache = stackalloc int[3 * span];
        for (int s = 0; s < strips; s++)
        {
            int sx0 = bx0 + (int)Math.Round(s * stripWidth);
            int sx1 = bx0 + (int)Math.Round((s + 1) * stripWidth);
            int from = Math.Max(1, sx0), to = Math.Min(sx1, (w / 2) - 1);
            int quietRows = 0, ownRows = 0, own = 0, all = 0;
            // Cache row r holds blocks from-1 .. to (inclusive) of block row by-1+r, rotating as by advances.
            BlockRow(px, stride, from - 1, to, by0 - 1, cache.Slice(((by0 - 1) % 3) * span, span));
            BlockRow(px, stride, from - 1, to, by0, cache.Slice((by0 % 3) * span, span));
            for (int by = by0; by < by1; by++)
            {
                BlockRow(px, stride, from - 1, to, by + 1, cache.Slice(((by + 1) % 3) * span, span));
                ReadOnlySpan<int> above = cache.Slice(((by - 1) % 3) * span, span);
                ReadOnlySpan<int> row = cache.Slice((by % 3) * span, span);
                ReadOnlySpan<int> below = cache.Slice(((by + 1) % 3) * span, span);
                int edges = 0, total = 0;
                for (int bx = from; bx < to; bx++)
                {
                    all++;
                    if (InOtherZone(zones, index, ((2 * bx) + 1.0) / w, ((2 * by) + 1.0) / h))
                    {
                        continue;
                    }

                    int i = bx - from + 1;
                    int gx = Math.Abs(row[i + 1] - row[i - 1]);
                    int gy = Math.Abs(below[i] - above[i]);
                    // Block sums are 4 pixels of luma x 256: compare with the threshold on the same scale.
                    if (gx + gy >= settings.EdgeThreshold * 4 * 256)
                    {
                        edges++;
                    }

                    total++;
                }

                if (total == 0)
                {
                    continue;
                }

                own += total;
                ownRows++;
                if (edges <= settings.QuietRowEdgeShare * total)
                {
                    quietRows++;
                }
            }

            if (ownRows < 8 || own < all * settings.MinOwnPixels)
            {
                continue;
            }

            known++;
            if (quietRows >= settings.BareQuietRows * ownRows)
            {
                bare++;
            }
        }

        return known < 4 ? double.NaN : (double)bare / known;
    }

    private static bool InOtherZone(IReadOnlyList<ZoneDefinition> zones, int index, double x, double y)
    {
        for (int z = 0; z < zones.Count; z++)
        {
            ZonePolygon p = zones[z].Polygon;
            if (z != index && x >= p.MinX && x < p.MaxX && y >= p.MinY && y < p.MaxY)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sums of the luma (x256) of the four pixels of blocks <paramref name="first"/>..<paramref name="last"/> of block row <paramref name="by"/>.</summary>
    private static void BlockRow(ReadOnlySpan<byte> px, int stride, int first, int last, int by, Span<int> sums)
    {
        for (int bx = first; bx <= last; bx++)
        {
            int o = (2 * by * stride) + (6 * bx);
            sums[bx - first] = BgrImage.Luma256(px, o) + BgrImage.Luma256(px, o + 3) + BgrImage.Luma256(px, o + stride) + BgrImage.Luma256(px, o + stride + 3);
        }
    }
}

/// <summary>How <see cref="ShelfTexture"/> tells bare shelf from packaging.</summary>
public sealed record ShelfTextureSettings
{
    public static ShelfTextureSettings Default { get; } = new();

    /// <summary>Vertical strips the zone's width is cut into (fewer when the zone is narrow in the frame).</summary>
    public int Strips { get; init; } = 24;

    /// <summary>Luma difference across two blocks (0..255) that counts as an edge.</summary>
    public double EdgeThreshold { get; init; } = 24;

    /// <summary>A row of a strip is quiet when at most this share of its pixels are edges.</summary>
    public double QuietRowEdgeShare { get; init; } = 0.1;

    /// <summary>A strip is bare when at least this share of its rows are quiet (a shelf-edge label or the product
    /// left beside a slot crosses a few rows, never most of them).</summary>
    public double BareQuietRows { get; init; } = 0.6;

    /// <summary>A strip with less than this share of its pixels outside other zones is left out.</summary>
    public double MinOwnPixels { get; init; } = 0.3;

    /// <summary>Share of the zone's height left out at the top and at the bottom.</summary>
    public double VerticalInset { get; init; } = 0.12;
}
