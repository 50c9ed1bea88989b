using System.Globalization;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Scenes;

/// <summary>One labelled product on a photo, in pixels of the photo (x right, y down).</summary>
public readonly record struct ProductBox(double X1, double Y1, double X2, double Y2)
{
    public double Width => X2 - X1;

    public double Height => Y2 - Y1;

    public double CenterX => (X1 + X2) / 2;

    public double CenterY => (Y1 + Y2) / 2;
}

/// <summary>
/// A shelf photo and its labelled product boxes (YOLO text labels: <c>class cx cy w h</c>, normalised).
/// The image is the photo as decoded (EXIF orientation applied); do not draw on it, render copies.
/// </summary>
public sealed class ShelfPhoto
{
    private ShelfPhoto(string name, BgrImage image, ProductBox[] products)
    {
        Name = name;
        Image = image;
        Products = products;
    }

    /// <summary>The image file's name without its extension.</summary>
    public string Name { get; }

    public BgrImage Image { get; }

    public int Width => Image.Width;

    public int Height => Image.Height;

    /// <summary>The labelled products, in the label file's order; their indices name them everywhere else.</summary>
    public IReadOnlyList<ProductBox> Products { get; }

    /// <summary>
    /// Reads a photo (JPEG or PNG) and its label file. Throws <see cref="InvalidDataException"/> naming the
    /// file and line for a malformed label; boxes are clipped to the photo and degenerate ones refused.
    /// </summary>
    public static ShelfPhoto Load(string imagePath, string labelPath, StillImageReader? reader = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        ArgumentException.ThrowIfNullOrEmpty(labelPath);
        if (!File.Exists(labelPath))
        {
            throw new FileNotFoundException($"{labelPath}: label file not found (YOLO text beside the photo {imagePath})", labelPath);
        }

        var image = new BgrImage();
        if (reader is null)
        {
            using var own = new StillImageReader();
            own.Read(imagePath, image);
        }
        else
        {
            reader.Read(imagePath, image);
        }

        return FromImage(Path.GetFileNameWithoutExtension(imagePath), image, File.ReadAllLines(labelPath), labelPath);
    }

    /// <summary>A photo already decoded, with its label lines (<paramref name="source"/> names them in errors).</summary>
    public static ShelfPhoto FromImage(string name, BgrImage image, IEnumerable<string> labelLines, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labelLines);
        if (image.Width <= 0 || image.Height <= 0)
        {
            throw new ArgumentException($"{name}: the image is empty", nameof(image));
        }

        var boxes = new List<ProductBox>();
        int lineNumber = 0;
        foreach (string line in labelLines)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            string[] f = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 5)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: expected 'class cx cy w h', got {f.Length} fields");
            }

            var v = new double[4];
            for (int i = 0; i < 4; i++)
            {
                if (!double.TryParse(f[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]) || v[i] < 0 || v[i] > 1.5)
                {
                    throw new InvalidDataException($"{source}:{lineNumber}: field {i + 2} '{f[i + 1]}' is not a normalised coordinate");
                }
            }

            double x1 = Math.Clamp((v[0] - (v[2] / 2)) * image.Width, 0, image.Width);
            double x2 = Math.Clamp((v[0] + (v[2] / 2)) * image.Width, 0, image.Width);
            double y1 = Math.Clamp((v[1] - (v[3] / 2)) * image.Height, 0, image.Height);
            double y2 = Math.Clamp((v[1] + (v[3] / 2)) * image.Height, 0, image.Height);
            if (x2 - x1 < 1 || y2 - y1 < 1)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: the box is less than a pixel wide or high");
            }

            boxes.Add(new ProductBox(x1, y1, x2, y2));
        }

        return new ShelfPhoto(name, image, [.. boxes]);
    }

    /// <summary>
    /// The photos of a data set folder in YOLO layout (<c>images/SPLIT/*.jpg</c> with <c>labels/SPLIT/*.txt</c>),
    /// or of <c>models/samples</c> (<c>images/</c>, <c>labels/</c>) when <paramref name="split"/> is null; in name order.
    /// </summary>
    public static IReadOnlyList<(string Image, string Label)> List(string dataRoot, string? split)
    {
        string images = split is null ? Path.Combine(dataRoot, "images") : Path.Combine(dataRoot, "images", split);
        string labels = split is null ? Path.Combine(dataRoot, "labels") : Path.Combine(dataRoot, "labels", split);
        if (!Directory.Exists(images))
        {
            throw new DirectoryNotFoundException($"{images}: no such folder of photos");
        }

        return [.. Directory.EnumerateFiles(images)
            .Where(static p => p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(p => (p, Path.Combine(labels, Path.GetFileNameWithoutExtension(p) + ".txt")))];
    }
}
