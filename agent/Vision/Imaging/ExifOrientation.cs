using System.Buffers.Binary;
using EdgeInventory.Imaging;

namespace EdgeInventory.Vision.Imaging;

/// <summary>
/// Reads the EXIF orientation tag (0x0112) of JPEG and PNG files and turns stored pixels into the
/// picture as displayed. Phones and handheld scanners store portrait photos sideways with this tag.
/// </summary>
public static class ExifOrientation
{
    /// <summary>The orientation of a JPEG (APP1 Exif segment): 1 (as stored) to 8; 1 when absent or unreadable.</summary>
    public static int ReadFromJpeg(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return 1;
        }

        int pos = 2;
        while (pos + 4 <= jpeg.Length)
        {
            if (jpeg[pos] != 0xFF)
            {
                return 1;
            }

            byte marker = jpeg[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte
                continue;
            }

            if (marker == 0xDA || marker == 0xD9)
            {
                return 1; // start of scan or end of image: no Exif before the pixels
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.Slice(pos + 2, 2));
            if (length < 2 || pos + 2 + length > jpeg.Length)
            {
                return 1;
            }

            ReadOnlySpan<byte> payload = jpeg.Slice(pos + 4, length - 2);
            if (marker == 0xE1 && payload.Length > 6 && payload[..6].SequenceEqual("Exif\0\0"u8))
            {
                return ReadFromTiff(payload[6..]);
            }

            pos += 2 + length;
        }

        return 1;
    }

    /// <summary>The orientation of a PNG (eXIf chunk): 1 to 8; 1 when absent.</summary>
    public static int ReadFromPng(ReadOnlySpan<byte> png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.Slice(pos, 4));
            if (length < 0 || pos + 12L + length > png.Length)
            {
                return 1;
            }

            ReadOnlySpan<byte> type = png.Slice(pos + 4, 4);
            if (type.SequenceEqual("eXIf"u8))
            {
                return ReadFromTiff(png.Slice(pos + 8, length));
            }

            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8))
            {
                return 1;
            }

            pos += 12 + length;
        }

        return 1;
    }

    /// <summary>Reads tag 0x0112 from IFD0 of a TIFF structure (the body of an Exif block).</summary>
    internal static int ReadFromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return 1;
        }

        bool little;
        if (tiff[0] == (byte)'I' && tiff[1] == (byte)'I')
        {
            little = true;
        }
        else if (tiff[0] == (byte)'M' && tiff[1] == (byte)'M')
        {
            little = false;
        }
        else
        {
            return 1;
        }

        uint ifd = ReadU32(tiff[4..], little);
        if (ifd > (uint)tiff.Length - 2)
        {
            return 1;
        }

        int count = ReadU16(tiff[(int)ifd..], little);
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + (i * 12);
            if (entry + 12 > tiff.Length)
            {
                return 1;
            }

            if (ReadU16(tiff[entry..], little) == 0x0112)
            {
                int value = ReadU16(tiff[(entry + 8)..], little);
                return value is >= 1 and <= 8 ? value : 1;
            }
        }

        return 1;
    }

    /// <summary>True when the orientation swaps width and height (90° or 270° turns).</summary>
    public static bool SwapsAxes(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>
    /// Writes <paramref name="stored"/> as displayed for the EXIF <paramref name="orientation"/> into
    /// <paramref name="displayed"/> (resized as needed). Orientation 1 copies.
    /// </summary>
    public static void Apply(BgrImage stored, int orientation, BgrImage displayed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orientation, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orientation, 8);
        if (ReferenceEquals(stored, displayed))
        {
            throw new ArgumentException("orientation cannot be applied in place", nameof(displayed));
        }

        int w = stored.Width, h = stored.Height;
        int outW = SwapsAxes(orientation) ? h : w;
        int outH = SwapsAxes(orientation) ? w : h;
        displayed.Resize(outW, outH);
        ReadOnlySpan<byte> src = stored.Pixels;
        Span<byte> dst = displayed.Pixels;
        if (orientation == 1)
        {
            src.CopyTo(dst);
            return;
        }

        for (int y = 0; y < outH; y++)
        {
            Span<byte> row = dst.Slice(y * outW * 3, outW * 3);
            for (int x = 0; x < outW; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // 8
                };
                int s = ((sy * w) + sx) * 3;
                row[x * 3] = src[s];
                row[(x * 3) + 1] = src[s + 1];
                row[(x * 3) + 2] = src[s + 2];
            }
        }
    }

    private static int ReadU16(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static uint ReadU32(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
}
