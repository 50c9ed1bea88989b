using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Scenes;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Simulator.Story;

/// <summary>
/// One bay of a shelf photo: the agent zone that watches it (normalised rectangle), its labelled products (indices
/// into the photo's products) in the order they are sold (left to right), and what the model counts there on the
/// unmodified photo (the zone's planned facings).
/// </summary>
internal sealed record Bay(string Id, double X1, double Y1, double X2, double Y2, IReadOnlyList<int> Products, int BaselineFacings, double BaselineEmpty);

/// <summary>
/// A labelled shelf photo as one simulated camera sees it, over tools/Scenes: its bays (<see cref="ShelfLayout"/>,
/// <see cref="BayProducts"/> labelled products each) with the model's baseline on each, and its frames (<see
/// cref="ShelfRenderer"/>: products taken away as bare shelf, a shopper or trolley passing). Bays the model does not
/// see well enough to count (fewer than <see cref="MinimumBaseline"/> facings on the full photo) are left out: no
/// zone watches them.
/// </summary>
internal sealed class ShelfView
{
    public const int MinimumBaseline = 5;

    /// <summary>Labelled products per bay: a dozen, so that a bay's count is steady against the model's one-or-two noise.</summary>
    public const int BayProducts = 12;

    private static readonly ShelfLayoutOptions Layout = new() { ProductsPerBay = BayProducts, MinProductsPerBay = BayProducts / 2, MinProductsPerRow = BayProducts / 2 };

    private readonly ShelfRenderer? _renderer;

    internal ShelfView(string name, ShelfRenderer? renderer, IReadOnlyList<Bay> bays)
    {
        Name = name;
        _renderer = renderer;
        Bays = bays;
    }

    public string Name { get; }

    public IReadOnlyList<Bay> Bays { get; }

    /// <summary>
    /// Loads a photo and its YOLO label file and measures the model's count on each bay. The measurement is kept in
    /// <paramref name="cacheDirectory"/> under a hash of the photo, its labels and <paramref name="modelKey"/> (the model's
    /// own hash), so a second run skips the detector: what it measured cannot have changed.
    /// </summary>
    public static ShelfView Load(string imagePath, string labelPath, Lazy<YoloDetector> detector, StillImageReader reader, string modelKey, string cacheDirectory)
    {
        ShelfPhoto photo = ShelfPhoto.Load(imagePath, labelPath, reader);
        IReadOnlyList<ShelfBay> bays = ShelfLayout.Find(photo, Layout).Bays;
        string key = Convert.ToHexStringLower(SHA256.HashData([.. File.ReadAllBytes(imagePath), .. File.ReadAllBytes(labelPath), .. Encoding.UTF8.GetBytes(modelKey + BayProducts)]));
        string cache = Path.Combine(cacheDirectory, $"{photo.Name}-{key[..16]}.json");
        (int Facings, double Empty)[] observed;
        if (File.Exists(cache) && JsonSerializer.Deserialize<double[][]>(File.ReadAllText(cache)) is { } kept && kept.Length == bays.Count)
        {
            observed = [.. kept.Select(o => ((int)o[0], o[1]))];
        }
        else
        {
            observed = Measure(detector.Value, photo, bays);
            Directory.CreateDirectory(cacheDirectory);
            File.WriteAllText(cache, JsonSerializer.Serialize(observed.Select(o => new[] { o.Facings, o.Empty })));
        }
        var watched = new List<Bay>();
        for (int i = 0; i < bays.Count; i++)
        {
            if (observed[i].Facings >= MinimumBaseline)
            {
                ShelfBay b = bays[i];
                watched.Add(new Bay(b.Id, b.X1, b.Y1, b.X2, b.Y2, b.ProductIndices, observed[i].Facings, observed[i].Empty));
            }
        }
        return new ShelfView(photo.Name, new ShelfRenderer(photo), watched);
    }

    /// <summary>What the model counts in each bay's rectangle of the unmodified photo, as the agent's zone counter would.</summary>
    private static (int Facings, double Empty)[] Measure(YoloDetector detector, ShelfPhoto photo, IReadOnlyList<ShelfBay> bays)
    {
        ZoneDefinition[] zones = [.. bays.Select(b => b.ToZone(b.Id, "x", 0))];
        var boxes = new List<Detection>();
        detector.Detect(photo.Image, boxes);
        var observed = new ZoneObservation[zones.Length];
        new ZoneCounter(zones).Observe(boxes, photo.Width, photo.Height, observed);
        return [.. observed.Select(o => (o.Facings, o.EmptyFraction))];
    }

    /// <summary>The photo with, on each bay, its first <paramref name="removed"/>[bay] products taken away, and the occluder (if any) in front.</summary>
    public BgrImage Render(IReadOnlyList<int> removed, Occluder? occluder)
    {
        ShelfRenderer renderer = _renderer ?? throw new InvalidOperationException($"{Name}: a view made without its photo renders nothing");
        var gone = new List<int>();
        for (int b = 0; b < Bays.Count; b++)
        {
            gone.AddRange(Bays[b].Products.Take(removed[b]));
        }
        return renderer.Render(gone, occluder);
    }
}
