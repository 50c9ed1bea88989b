using EdgeInventory.Imaging;

namespace EdgeInventory.Cli;

/// <summary>Draws detection boxes onto a copy of an image, one colour per class.</summary>
internal static class Annotator
{
    private static readonly (byte B, byte G, byte R)[] Palette =
    [
        (56, 56, 255), (151, 157, 255), (31, 112, 255), (29, 178, 255), (49, 210, 207), (10, 249, 72),
        (23, 204, 146), (134, 219, 61), (52, 147, 26), (187, 212, 0), (168, 153, 44), (255, 194, 0),
    ];

    public static BgrImage Draw(BgrImage source, IReadOnlyList<Detection> detections)
    {
        BgrImage image = source.Clone();
        int thickness = Math.Max(1, Math.Min(image.Width, image.Height) / 400);
        foreach (Detection d in detections)
        {
            (byte b, byte g, byte r) = Palette[d.ClassId % Palette.Length];
            int x1 = (int)d.X1, y1 = (int)d.Y1, x2 = Math.Min(image.Width - 1, (int)d.X2), y2 = Math.Min(image.Height - 1, (int)d.Y2);
            for (int t = 0; t < thickness; t++)
            {
                HLine(image, x1, x2, y1 + t, b, g, r);
                HLine(image, x1, x2, y2 - t, b, g, r);
                VLine(image, x1 + t, y1, y2, b, g, r);
                VLine(image, x2 - t, y1, y2, b, g, r);
            }
        }

        return image;
    }

    private static void HLine(BgrImage img, int x1, int x2, int y, byte b, byte g, byte r)
    {
        if (y < 0 || y >= img.Height)
        {
            return;
        }

        Span<byte> row = img.Pixels.Slice(y * img.Stride, img.Stride);
        for (int x = Math.Max(0, x1); x <= Math.Min(img.Width - 1, x2); x++)
        {
            row[x * 3] = b;
            row[(x * 3) + 1] = g;
            row[(x * 3) + 2] = r;
        }
    }

    private static void VLine(BgrImage img, int x, int y1, int y2, byte b, byte g, byte r)
    {
        if (x < 0 || x >= img.Width)
        {
            return;
        }

        Span<byte> px = img.Pixels;
        for (int y = Math.Max(0, y1); y <= Math.Min(img.Height - 1, y2); y++)
        {
            int o = (y * img.Stride) + (x * 3);
            px[o] = b;
            px[o + 1] = g;
            px[o + 2] = r;
        }
    }
}
