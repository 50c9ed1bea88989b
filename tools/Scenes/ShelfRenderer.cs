using EdgeInventory.Imaging;

namespace EdgeInventory.Scenes;

public enum OccluderKind
{
    /// <summary>A person standing between camera and shelf: head, torso and legs, a tall opaque band.</summary>
    Shopper,

    /// <summary>A shopping trolley: a wire basket over the lower shelves, the products partly visible through it.</summary>
    Trolley,
}

/// <summary>Something passing in front of the shelf, centred at <see cref="CenterX"/> and <see cref="Width"/> wide (both normalised).</summary>
public sealed record Occluder(OccluderKind Kind, double CenterX, double Width);

/// <summary>
/// Renders a shelf photo with products taken away and, optionally, a shopper or trolley passing.
/// Removed products are painted as bare shelf (<see cref="BareRegions"/>: neighbours on a row merge into
/// one empty stretch): the photo's own dark back-panel tone (a low percentile of the pixels between the
/// labelled products), shaded darker under the shelf above, with per-pixel noise and a feathered border;
/// products that remain keep their pixels even where their box overlaps a removed one, and nothing
/// outside the bare regions changes. Deterministic: the noise is a
/// hash of the seed and the pixel, so the same removed set renders the same bytes in any order.
/// </summary>
public sealed class ShelfRenderer
{
    /// <summary>Changes whenever the same inputs render other pixels: callers that cache what a detector saw key on it.</summary>
    public const int Revision = 2;

    private const int Feather = 2;
    private readonly ShelfPhoto _photo;
    private readonly uint _seed;
    private readonly (double B, double G, double R) _panel;

    public ShelfRenderer(ShelfPhoto photo, int seed = 1)
    {
        _photo = photo ?? throw new ArgumentNullException(nameof(photo));
        _seed = unchecked((uint)seed * 2654435761u) ^ 0x9E3779B9u;
        _panel = PanelTone(photo);
    }

    public ShelfPhoto Photo => _photo;

    /// <summary>The bare-shelf tone painted in (B, G, R), from the photo.</summary>
    public (double B, double G, double R) PanelColour => _panel;

    /// <summary>A new image: the photo without <paramref name="removed"/> (product indices), with the occluder drawn last.</summary>
    public BgrImage Render(IReadOnlyCollection<int> removed, Occluder? occluder = null)
    {
        var target = new BgrImage(_photo.Width, _photo.Height);
        RenderInto(target, removed, occluder);
        return target;
    }

    /// <summary>As <see cref="Render"/>, into <paramref name="target"/> (resized to the photo).</summary>
    public void RenderInto(BgrImage target, IReadOnlyCollection<int> removed, Occluder? occluder = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(removed);
        target.Resize(_photo.Width, _photo.Height);
        _photo.Image.Pixels.CopyTo(target.Pixels);
        var gone = new HashSet<int>(removed);
        foreach (int i in gone)
        {
            if (i < 0 || i >= _photo.Products.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(removed), $"product {i} is not on {_photo.Name} ({_photo.Products.Count} products)");
            }
        }

        foreach (ProductBox region in BareRegions(gone))
        {
            PaintBare(target, region, gone);
        }

        if (occluder is not null)
        {
            DrawOccluder(target, occluder);
        }
    }

    /// <summary>
    /// The rectangles painted as bare shelf for <paramref name="removed"/>: removed products side by side on one
    /// row (vertical overlap at least half the lower one, horizontal gap under half the narrower one) make one
    /// empty stretch from the highest top to the lowest bottom, as real bare shelf is, instead of one
    /// product-shaped hole each. Pixels of products that remain are never painted.
    /// </summary>
    public IReadOnlyList<ProductBox> BareRegions(IReadOnlyCollection<int> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        int[] items = [.. removed.Distinct().Order()];
        int[] parent = [.. Enumerable.Range(0, items.Length)];
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        for (int a = 0; a < items.Length; a++)
        {
            ProductBox pa = _photo.Products[items[a]];
            for (int b = a + 1; b < items.Length; b++)
            {
                ProductBox pb = _photo.Products[items[b]];
                double vertical = (Math.Min(pa.Y2, pb.Y2) - Math.Max(pa.Y1, pb.Y1)) / Math.Min(pa.Height, pb.Height);
                double gap = Math.Max(pa.X1, pb.X1) - Math.Min(pa.X2, pb.X2);
                if (vertical >= 0.5 && gap <= 0.5 * Math.Min(pa.Width, pb.Width))
                {
                    parent[Find(a)] = Find(b);
                }
            }
        }

        return [.. Enumerable.Range(0, items.Length)
            .GroupBy(Find)
            .Select(g => g.Select(i => _photo.Products[items[i]]).ToList())
            .Select(static run => new ProductBox(run.Min(static p => p.X1), run.Min(static p => p.Y1), run.Max(static p => p.X2), run.Max(static p => p.Y2)))
            .OrderBy(static r => r.X1).ThenBy(static r => r.Y1)];
    }

    private void PaintBare(BgrImage target, ProductBox box, HashSet<int> gone)
    {
        var keep = new List<ProductBox>();
        for (int j = 0; j < _photo.Products.Count; j++)
        {
            ProductBox other = _photo.Products[j];
            if (!gone.Contains(j) && other.X1 < box.X2 && other.X2 > box.X1 && other.Y1 < box.Y2 && other.Y2 > box.Y1)
            {
                keep.Add(other);
            }
        }

        int x0 = (int)Math.Ceiling(box.X1), x1 = Math.Min(_photo.Width, (int)Math.Floor(box.X2));
        int y0 = (int)Math.Ceiling(box.Y1), y1 = Math.Min(_photo.Height, (int)Math.Floor(box.Y2));
        Span<byte> px = target.Pixels;
        int stride = target.Stride;
        for (int y = y0; y < y1; y++)
        {
            // Darker near the top: the shelf above shades the back of an empty slot.
            double t = (y - box.Y1) / Math.Max(1, box.Height);
            double shade = 0.55 + (0.45 * SmoothStep(Math.Min(1, t / 0.4)));
            for (int x = x0; x < x1; x++)
            {
                if (InsideAny(keep, x + 0.5, y + 0.5))
                {
                    continue;
                }

                int edge = Math.Min(Math.Min(x - x0, x1 - 1 - x), Math.Min(y - y0, y1 - 1 - y));
                double alpha = edge >= Feather ? 1 : (edge + 1.0) / (Feather + 1);
                double noise = (Hash(x, y) * 14) - 7;
                int o = (y * stride) + (x * 3);
                px[o] = Blend(px[o], (_panel.B * shade) + noise, alpha);
                px[o + 1] = Blend(px[o + 1], (_panel.G * shade) + noise, alpha);
                px[o + 2] = Blend(px[o + 2], (_panel.R * shade) + noise, alpha);
            }
        }
    }

    private void DrawOccluder(BgrImage target, Occluder o)
    {
        int w = _photo.Width, h = _photo.Height;
        double cx = o.CenterX * w, half = o.Width * w / 2;
        uint colourHash = Mix(_seed ^ (uint)(o.CenterX * 1e6) ^ (uint)o.Kind);
        (double B, double G, double R) cloth = (40 + (colourHash % 160), 40 + ((colourHash >> 8) % 160), 40 + ((colourHash >> 16) % 160));
        Span<byte> px = target.Pixels;
        int stride = target.Stride;
        for (int y = 0; y < h; y++)
        {
            double v = (double)y / h;
            for (int x = Math.Max(0, (int)(cx - half)); x < Math.Min(w, (int)(cx + half) + 1); x++)
            {
                double u = (x - cx) / half; // -1..1 across the occluder
                (double B, double G, double R)? colour = o.Kind == OccluderKind.Shopper ? Shopper(u, v, cloth) : Trolley(x, y, u, v);
                if (colour is not { } c)
                {
                    continue;
                }

                double noise = (Hash(x + 7919, y + 104729) * 10) - 5;
                int i = (y * stride) + (x * 3);
                px[i] = Clamp(c.B + noise);
                px[i + 1] = Clamp(c.G + noise);
                px[i + 2] = Clamp(c.R + noise);
            }
        }
    }

    private static (double, double, double)? Shopper(double u, double v, (double B, double G, double R) cloth)
    {
        // Head: an ellipse near the top; torso: full width with rounded shoulders; legs: two columns.
        double headU = u / 0.35, headV = (v - 0.1) / 0.08;
        if ((headU * headU) + (headV * headV) <= 1)
        {
            return (120, 150, 190);
        }

        if (v >= 0.17 && v < 0.6)
        {
            double shoulder = v < 0.22 ? 0.75 + ((v - 0.17) * 5) : 1;
            return Math.Abs(u) <= shoulder ? (cloth.B * (0.85 + (0.15 * (1 - Math.Abs(u)))), cloth.G * (0.85 + (0.15 * (1 - Math.Abs(u)))), cloth.R * (0.85 + (0.15 * (1 - Math.Abs(u))))) : null;
        }

        if (v >= 0.6)
        {
            return Math.Abs(u) is >= 0.08 and <= 0.7 ? (60, 45, 40) : null;
        }

        return null;
    }

    private static (double, double, double)? Trolley(int x, int y, double u, double v)
    {
        // Basket frame and a wire mesh over the lower shelves; the handle above it.
        if (v is >= 0.42 and < 0.44 && Math.Abs(u) <= 1)
        {
            return (70, 70, 75);
        }

        if (v is >= 0.46 and <= 0.85)
        {
            bool frame = Math.Abs(u) >= 0.96 || v >= 0.84 || v <= 0.47;
            bool wire = (x % 9) < 2 || (y % 9) < 2;
            return frame || wire ? (185, 185, 190) : null;
        }

        return v > 0.85 && (Math.Abs(u) is >= 0.8 and <= 0.9) ? (50, 50, 50) : null;
    }

    private static bool InsideAny(List<ProductBox> boxes, double x, double y)
    {
        foreach (ProductBox b in boxes)
        {
            if (x >= b.X1 && x < b.X2 && y >= b.Y1 && y < b.Y2)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A low percentile of the brightness of the pixels between the labelled products: the photo's own bare-shelf tone.</summary>
    private static (double B, double G, double R) PanelTone(ShelfPhoto photo)
    {
        var samples = new List<(int Luma, byte B, byte G, byte R)>();
        List<ProductBox> products = [.. photo.Products];
        ReadOnlySpan<byte> px = photo.Image.Pixels;
        int step = Math.Max(1, Math.Min(photo.Width, photo.Height) / 200);
        for (int y = 0; y < photo.Height; y += step)
        {
            for (int x = 0; x < photo.Width; x += step)
            {
                if (InsideAny(products, x + 0.5, y + 0.5))
                {
                    continue;
                }

                int o = (y * photo.Image.Stride) + (x * 3);
                samples.Add((BgrImage.Luma256(px, o), px[o], px[o + 1], px[o + 2]));
            }
        }

        if (samples.Count < 50)
        {
            return (42, 44, 48);
        }

        samples.Sort(static (a, b) => a.Luma.CompareTo(b.Luma));
        int from = samples.Count * 15 / 100, to = Math.Max(from + 1, samples.Count * 25 / 100);
        double sb = 0, sg = 0, sr = 0;
        for (int i = from; i < to; i++)
        {
            sb += samples[i].B;
            sg += samples[i].G;
            sr += samples[i].R;
        }

        int n = to - from;
        // Never darker than a dim panel nor brighter than a mid grey: a black or white hole reads as neither shelf nor product.
        static double Bound(double c) => Math.Clamp(c, 25, 110);
        return (Bound(sb / n), Bound(sg / n), Bound(sr / n));
    }

    private double Hash(int x, int y) => Mix(_seed ^ ((uint)x * 73856093u) ^ ((uint)y * 19349663u)) / (double)uint.MaxValue;

    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x7feb352d;
        h ^= h >> 15;
        h *= 0x846ca68b;
        h ^= h >> 16;
        return h;
    }

    private static double SmoothStep(double t) => t * t * (3 - (2 * t));

    private static byte Blend(byte original, double painted, double alpha) => Clamp((original * (1 - alpha)) + (painted * alpha));

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
