using EdgeInventory.Imaging;

namespace EdgeInventory.Capture;

/// <summary>
/// Reads binary PPM (P6, 8-bit) frames one after another from a stream, as ffmpeg's image2pipe/ppm output
/// writes them, into BGR images. Keeps its buffers: one reader per stream.
/// </summary>
public sealed class PpmFrameReader(Stream stream)
{
    private const int MaxSide = 16384;

    private readonly Stream _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    private readonly byte[] _header = new byte[64];
    private byte[] _rgb = [];
    private int _headerLength;
    private int _headerPos;

    /// <summary>Reads the next frame into <paramref name="target"/>; false at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not a PPM frame sequence.</exception>
    public async ValueTask<bool> ReadAsync(BgrImage target, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(target);
        int? first = await ReadByteAsync(cancellation).ConfigureAwait(false);
        if (first is null)
        {
            return false;
        }

        if (first != 'P' || await ReadByteAsync(cancellation).ConfigureAwait(false) != '6')
        {
            throw new InvalidDataException("the frame stream is not binary PPM (P6)");
        }

        int width = await ReadNumberAsync(cancellation).ConfigureAwait(false);
        int height = await ReadNumberAsync(cancellation).ConfigureAwait(false);
        int maxValue = await ReadNumberAsync(cancellation).ConfigureAwait(false);
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide || maxValue != 255)
        {
            throw new InvalidDataException($"unsupported PPM frame {width}x{height}, max value {maxValue}");
        }

        int length = width * height * 3;
        if (_rgb.Length < length)
        {
            _rgb = GC.AllocateUninitializedArray<byte>(length);
        }

        // Bytes already read past the header belong to the pixels.
        int filled = Math.Min(_headerLength - _headerPos, length);
        _header.AsSpan(_headerPos, filled).CopyTo(_rgb);
        _headerPos += filled;
        while (filled < length)
        {
            int n = await _stream.ReadAsync(_rgb.AsMemory(filled, length - filled), cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                return false; // cut off mid-frame: ffmpeg died
            }

            filled += n;
        }

        target.Resize(width, height);
        RgbToBgr(_rgb.AsSpan(0, length), target.Pixels);
        return true;
    }

    private static void RgbToBgr(ReadOnlySpan<byte> rgb, Span<byte> bgr)
    {
        for (int i = 0; i + 2 < rgb.Length; i += 3)
        {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
    }

    /// <summary>Skips whitespace (and # comments) and reads a decimal number ended by one whitespace byte.</summary>
    private async ValueTask<int> ReadNumberAsync(CancellationToken cancellation)
    {
        int? b;
        do
        {
            b = await ReadByteAsync(cancellation).ConfigureAwait(false);
            if (b == '#')
            {
                while (b is not null and not '\n')
                {
                    b = await ReadByteAsync(cancellation).ConfigureAwait(false);
                }
            }
        }
        while (b is ' ' or '\n' or '\r' or '\t');

        long value = 0;
        int digits = 0;
        while (b is >= '0' and <= '9')
        {
            value = (value * 10) + (b.Value - '0');
            if (++digits > 6)
            {
                throw new InvalidDataException("a PPM header number is too long");
            }

            b = await ReadByteAsync(cancellation).ConfigureAwait(false);
        }

        if (digits == 0 || b is not (' ' or '\n' or '\r' or '\t'))
        {
            throw new InvalidDataException("malformed PPM header");
        }

        return (int)value;
    }

    private async ValueTask<int?> ReadByteAsync(CancellationToken cancellation)
    {
        if (_headerPos == _headerLength)
        {
            _headerPos = 0;
            _headerLength = await _stream.ReadAsync(_header.AsMemory(0, 16), cancellation).ConfigureAwait(false);
            if (_headerLength == 0)
            {
                return null;
            }
        }

        return _header[_headerPos++];
    }
}
