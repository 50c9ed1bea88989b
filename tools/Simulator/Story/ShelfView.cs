using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeInventory.Counting;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Simulator.Story;

/// <summary>A product's labelled box on the photo, in pixels.</summary>
internal readonly record struct ProductBox(int X1, int Y1, int X2, int Y2);

/// <summary>
/// One bay of a shelf photo: the agent zone that watches it (normalised rectangle), its labelled products in the order
/// they are sold (left to right), and what the model counts there on the unmodified photo (the planned facings).
/// </summary>
internal sealed record Bay(string Id, double X1, double Y1, double X2, double Y2, IReadOnlyList<ProductBox> Products, int BaselineFacings, double BaselineEmpty);

/// <summary>
/// A labelled shelf photo as one simulated camera sees it: the photo, its bays (shelf rows found from the labelled
/// product boxes, long rows split in two) and the model's baseline on each. Bays the model does not see well enough to
/// count (fewer than <see cref="MinimumBaseline"/> facings on the full photo) are left out: no zone watches them.
/// </summary>
internal sealed class ShelfView
{
    public const int MinimumBaseline = 6;

    internal ShelfView(string name, BgrImage photo, IReadOnlyList<Bay> bays)
    {
        Name = name;
        Photo = photo;
        Bays = bays;
    }

    public string Name { get; }

    public BgrImage Photo { get; }

    public IReadOnlyList<Bay> Bays { get; }

    /// <summary>
    /// Loads a photo and its YOLO label file and measures the model's count on each bay. The measurement is kept in
    /// <paramref name="cacheDirectory"/> under a hash of the photo, its labels and <paramref name="modelKey"/> (the model's
    /// own hash), so a second run skips the detector: what it measured cannot have changed.
    /// </summary>
    public static ShelfView Load(string imagePath, string labelPath, Lazy<YoloDetector> detector, StillImageReader reader, string modelKey, string cacheDirectory)
    {
        var photo = new BgrImage();
        reader.Read(imagePath, photo);
        List<ProductBox> products = ReadLabels(labelPath, photo.Width, photo.Height);
        List<(double X1, double Y1, double X2, double Y2, List<ProductBox> Products)> rows = FindBays(products, photo.Width, photo.Height);
        string key = Convert.ToHexStringLower(SHA256.HashData([.. File.ReadAllBytes(imagePath), .. File.ReadAllBytes(labelPath), .. Encoding.UTF8.GetBytes(modelKey)]));
        string cache = Path.Combine(cacheDirectory, $"{Path.GetFileNameWithoutExtension(imagePath)}-{key[..16]}.json");
        (int Facings, double Empty)[] observed;
        if (File.Exists(cache) && JsonSerializer.Deserialize<double[][]>(File.ReadAllText(cache)) is { } kept && kept.Length == rows.Count)
        {
            observed = [.. kept.Select(o => ((int)o[0], o[1]))];
        }
        else
        {
            observed = Measure(detector.Value, photo, rows);
            Directory.CreateDirectory(cacheDirectory);
            File.WriteAllText(cache, JsonSerializer.Serialize(observed.Select(o => new[] { o.Facings, o.Empty })));
        }
        var bays = new List<Bay>();
        for (int i = 0; i < rows.Count; i++)
        {
            if (observed[i].Facings >= MinimumBaseline)
            {
                (double x1, double y1, double x2, double y2, List<ProductBox> inBay) = rows[i];
                bays.Add(new Bay($"bay-{bays.Count + 1}", x1, y1, x2, y2, inBay, observed[i].Facings, observed[i].Empty));
            }
        }
        return new ShelfView(Path.GetFileNameWithoutExtension(imagePath), photo, bays);
    }

    /// <summary>What the model counts in each row's rectangle of the unmodified photo, as the agent's zone counter would.</summary>
    private static (int Facings, double Empty)[] Measure(YoloDetector detector, BgrImage photo, List<(double X1, double Y1, double X2, double Y2, List<ProductBox> Products)> rows)
    {
        var zones = rows.Select((r, i) => new ZoneDefinition
        {
            Id = $"bay-{i}",
            LocationId = $"bay-{i}",
            Sku = "x",
            Polygon = ZonePolygon.Rectangle(r.X1, r.Y1, r.X2, r.Y2),
            PlannedFacings = 1,
            MinFacings = 0,
        }).ToArray();
        var boxes = new List<Detection>();
        detector.Detect(photo, boxes);
        var observed = new ZoneObservation[zones.Length];
        new ZoneCounter(zones).Observe(boxes, photo.Width, photo.Height, observed);
        return [.. observed.Select(o => (o.Facings, o.EmptyFraction))];
    }

    /// <summary>
    /// The photo with, on each bay, its first <paramref name="removed"/>[bay] products taken away (bare shelf painted
    /// in; a bay sold out is painted whole), and, when <paramref name="shopperOver"/> names a bay, a shopper standing in
    /// front of it and the bay below (a dark shape across most of the width).
    /// </summary>
    public BgrImage Render(IReadOnlyList<int> removed, int? shopperOver)
    {
        BgrImage frame = Photo.Clone();
        for (int b = 0; b < Bays.Count; b++)
        {
            Bay bay = Bays[b];
            if (removed[b] >= bay.Products.Count)
            {
                Paint(frame, (int)(bay.X1 * frame.Width), (int)(bay.Y1 * frame.Height), (int)Math.Ceiling(bay.X2 * frame.Width), (int)Math.Ceiling(bay.Y2 * frame.Height), BareShelf);
                continue;
            }
            for (int p = 0; p < removed[b]; p++)
            {
                ProductBox box = bay.Products[p];
                Paint(frame, box.X1 - 2, box.Y1 - 2, box.X2 + 2, box.Y2 + 2, BareShelf);
            }
        }
        if (shopperOver is int s)
        {
            Bay top = Bays[s];
            double bottom = Bays.Where(b => b.Y1 >= top.Y2 - 1e-9).Select(b => b.Y2).DefaultIfEmpty(top.Y2).Min();
            Paint(frame, (int)(0.05 * frame.Width), (int)((top.Y1 - 0.02) * frame.Height), (int)(0.85 * frame.Width), (int)((bottom + 0.02) * frame.Height), Shopper);
        }
        return frame;
    }

    private static readonly (byte B, byte G, byte R) BareShelf = (120, 130, 140);
    private static readonly (byte B, byte G, byte R) Shopper = (40, 40, 40);

    private static void Paint(BgrImage image, int x1, int y1, int x2, int y2, (byte B, byte G, byte R) colour)
    {
        Span<byte> px = image.Pixels;
        for (int y = Math.Max(0, y1); y < Math.Min(image.Height, y2); y++)
        {
            for (int x = Math.Max(0, x1); x < Math.Min(image.Width, x2); x++)
            {
                int o = (y * image.Stride) + (x * 3);
                px[o] = colour.B;
                px[o + 1] = colour.G;
                px[o + 2] = colour.R;
            }
        }
    }

    private static List<ProductBox> ReadLabels(string labelPath, int width, int height)
    {
        var boxes = new List<ProductBox>();
        foreach (string line in File.ReadLines(labelPath))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5)
            {
                continue;
            }
            double cx = Parse(f[1], line), cy = Parse(f[2], line), w = Parse(f[3], line), h = Parse(f[4], line);
            boxes.Add(new ProductBox((int)((cx - (w / 2)) * width), (int)((cy - (h / 2)) * height), (int)Math.Ceiling((cx + (w / 2)) * width), (int)Math.Ceiling((cy + (h / 2)) * height)));
        }
        return boxes;

        double Parse(string s, string line) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new InvalidDataException($"{labelPath}: '{line}' is not a YOLO label line (class cx cy w h)");
    }

    /// <summary>
    /// Shelf rows: boxes grouped by their vertical centre (a box joins the row when its centre is within half a typical
    /// box height of the row's), rows of fewer than 8 products dropped, rows of 20 or more split at their middle product
    /// into two bays. A bay's rectangle is its products' extent, clipped so that no two bays overlap.
    /// </summary>
    private static List<(double X1, double Y1, double X2, double Y2, List<ProductBox> Products)> FindBays(List<ProductBox> products, int width, int height)
    {
        var bays = new List<(double, double, double, double, List<ProductBox>)>();
        if (products.Count == 0)
        {
            return bays;
        }
        double typical = products.Select(p => (double)(p.Y2 - p.Y1)).Order().ElementAt(products.Count / 2);
        var rows = new List<List<ProductBox>>();
        foreach (ProductBox p in products.OrderBy(p => (p.Y1 + p.Y2) / 2.0))
        {
            List<ProductBox>? row = rows.Count > 0 ? rows[^1] : null;
            if (row is not null && Math.Abs(((p.Y1 + p.Y2) / 2.0) - row.Average(b => (b.Y1 + b.Y2) / 2.0)) < typical / 2)
            {
                row.Add(p);
            }
            else
            {
                rows.Add([p]);
            }
        }

        double previousBottom = 0;
        foreach (List<ProductBox> row in rows.Where(r => r.Count >= 8))
        {
            row.Sort((a, b) => a.X1.CompareTo(b.X1));
            double top = Math.Max(previousBottom, row.Min(b => b.Y1) / (double)height);
            double bottom = Math.Min(1, row.Max(b => b.Y2) / (double)height);
            if (bottom - top < 0.03)
            {
                continue;
            }
            previousBottom = bottom;
            List<List<ProductBox>> parts = row.Count >= 20 ? [row[..(row.Count / 2)], row[(row.Count / 2)..]] : [row];
            foreach (List<ProductBox> part in parts)
            {
                double left = Math.Max(0, part.Min(b => b.X1) / (double)width);
                double right = Math.Min(1, part.Max(b => b.X2) / (double)width);
                if (bays.Count > 0 && bays[^1].Item2 == top && bays[^1].Item3 > left)
                {
                    // The row's left half ends where the right half begins.
                    (double x1, double y1, _, double y2, List<ProductBox> p) = bays[^1];
                    bays[^1] = (x1, y1, left, y2, p);
                }
                bays.Add((left, top, right, bottom, part));
            }
        }
        return bays;
    }
}
