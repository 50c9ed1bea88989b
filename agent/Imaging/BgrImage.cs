namespace EdgeInventory.Imaging;

/// <summary>
/// An 8-bit BGR image in one packed buffer (stride = width × 3). The buffer grows on demand and is
/// reused, so a decoder writing frame after frame of the same size allocates nothing.
/// </summary>
public sealed class BgrImage
{
    // Two-tap (bilinear) readers may touch one pixel past the last; the slack keeps that read in the buffer.
    private const int TailSlack = 3;

    private byte[] _pixels;

    /// <summary>The luma (BT.601 weights, scaled by 256: 0..65280) of the BGR pixel at byte <paramref name="offset"/> of <paramref name="bgr"/>.</summary>
    public static int Luma256(ReadOnlySpan<byte> bgr, int offset) => (bgr[offset] * 29) + (bgr[offset + 1] * 150) + (bgr[offset + 2] * 77);

    public BgrImage(int width = 0, int height = 0)
    {
        _pixels = [];
        if (width > 0 && height > 0)
        {
            Resize(width, height);
        }
    }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public int Stride => Width * 3;

    /// <summary>The pixels of the current size, row after row, B G R per pixel.</summary>
    public Span<byte> Pixels => _pixels.AsSpan(0, Stride * Height);

    /// <summary>Sets the size, keeping the buffer when it is large enough. Pixel values are undefined after a resize.</summary>
    public void Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long needed = (long)width * height * 3;
        if (needed > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"an image of {width}x{height} is too large");
        }

        if (_pixels.Length < needed + TailSlack)
        {
            _pixels = GC.AllocateUninitializedArray<byte>((int)needed + TailSlack, pinned: true);
        }

        Width = width;
        Height = height;
    }

    /// <summary>A copy of this image in a new buffer.</summary>
    public BgrImage Clone()
    {
        var copy = new BgrImage(Width, Height);
        Pixels.CopyTo(copy.Pixels);
        return copy;
    }

    /// <summary>Fills the image with one colour.</summary>
    public void Fill(byte b, byte g, byte r)
    {
        Span<byte> px = Pixels;
        for (int i = 0; i < px.Length; i += 3)
        {
            px[i] = b;
            px[i + 1] = g;
            px[i + 2] = r;
        }
    }
}
