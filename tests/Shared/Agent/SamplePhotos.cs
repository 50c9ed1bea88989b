using System.Globalization;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Tests.Shared;

/// <summary>The real shelf photos the repository ships (models/samples), with their labelled product boxes.</summary>
internal static class SamplePhotos
{
    public static string ImagePath(string name) => Path.Combine(RepoPaths.Root, "models", "samples", "images", name + ".jpg");

    public static BgrImage Load(string name)
    {
        using var reader = new StillImageReader();
        var image = new BgrImage();
        reader.Read(ImagePath(name), image);
        return image;
    }

    /// <summary>Labelled boxes in pixels of an image of the given size (YOLO text: class cx cy w h, normalised).</summary>
    public static List<(float X1, float Y1, float X2, float Y2)> Labels(string name, int width, int height)
    {
        var boxes = new List<(float, float, float, float)>();
        foreach (string line in File.ReadAllLines(Path.Combine(RepoPaths.Root, "models", "samples", "labels", name + ".txt")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 5)
            {
                continue;
            }

            float cx = float.Parse(f[1], CultureInfo.InvariantCulture) * width, cy = float.Parse(f[2], CultureInfo.InvariantCulture) * height;
            float w = float.Parse(f[3], CultureInfo.InvariantCulture) * width, h = float.Parse(f[4], CultureInfo.InvariantCulture) * height;
            boxes.Add((cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)));
        }

        return boxes;
    }

    /// <summary>Paints a rectangle (pixels) with one colour, as if the products there were taken away.</summary>
    public static void Paint(BgrImage image, int x1, int y1, int x2, int y2, (byte B, byte G, byte R) colour)
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

    /// <summary>The image moved by (dx, dy) pixels, the uncovered border filled grey: a camera knocked sideways.</summary>
    public static BgrImage Shifted(BgrImage source, int dx, int dy)
    {
        var moved = new BgrImage(source.Width, source.Height);
        moved.Fill(128, 128, 128);
        for (int y = 0; y < source.Height; y++)
        {
            int sy = y - dy;
            if (sy < 0 || sy >= source.Height)
            {
                continue;
            }

            for (int x = 0; x < source.Width; x++)
            {
                int sx = x - dx;
                if (sx < 0 || sx >= source.Width)
                {
                    continue;
                }

                source.Pixels.Slice((sy * source.Stride) + (sx * 3), 3).CopyTo(moved.Pixels.Slice((y * moved.Stride) + (x * 3), 3));
            }
        }

        return moved;
    }
}
