using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;

namespace EdgeInventory.Vision.Tests;

/// <summary>Builds test pictures: colour blocks that survive JPEG compression, EXIF orientation tags.</summary>
internal static class TestImages
{
    public static readonly (byte B, byte G, byte R) Red = (0, 0, 255);
    public static readonly (byte B, byte G, byte R) Blue = (255, 0, 0);
    public static readonly (byte B, byte G, byte R) Green = (0, 255, 0);

    /// <summary>A 64×32 picture: left half red, right half blue, except a green top-left 16×16 corner.</summary>
    public static BgrImage Quadrants()
    {
        var image = new BgrImage(64, 32);
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                var c = x < 16 && y < 16 ? Green : x < 32 ? Red : Blue;
                Set(image, x, y, c);
            }
        }

        return image;
    }

    public static void Set(BgrImage image, int x, int y, (byte B, byte G, byte R) c)
    {
        int o = (y * image.Stride) + (x * 3);
        image.Pixels[o] = c.B;
        image.Pixels[o + 1] = c.G;
        image.Pixels[o + 2] = c.R;
    }

    public static (byte B, byte G, byte R) Get(BgrImage image, int x, int y)
    {
        int o = (y * image.Stride) + (x * 3);
        return (image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2]);
    }

    public static bool Near((byte B, byte G, byte R) a, (byte B, byte G, byte R) b, int tolerance = 40) =>
        Math.Abs(a.B - b.B) <= tolerance && Math.Abs(a.G - b.G) <= tolerance && Math.Abs(a.R - b.R) <= tolerance;

    public static byte[] Jpeg(BgrImage image, int quality = 95)
    {
        using var codec = new TurboJpegCodec();
        return codec.Encode(image, quality);
    }

    /// <summary>Inserts an APP1 Exif segment with only the orientation tag right after SOI.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, int orientation, bool littleEndian = false)
    {
        byte[] tiff = littleEndian
            ? [(byte)'I', (byte)'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0]
            : [(byte)'M', (byte)'M', 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
