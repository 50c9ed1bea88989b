using System.Runtime.InteropServices;
using EdgeInventory.Imaging;

namespace EdgeInventory.Vision.Imaging.TurboJpeg;

/// <summary>
/// JPEG decode to BGR and encode from BGR through libturbojpeg. One instance per thread: the
/// TurboJPEG handles keep state between calls.
/// </summary>
public sealed unsafe class TurboJpegCodec : IDisposable
{
    private TurboJpegHandle? _decompressor;
    private TurboJpegHandle? _compressor;
    private bool _disposed;

    /// <summary>Reads the size of a JPEG without decoding it.</summary>
    public (int Width, int Height) ReadSize(ReadOnlySpan<byte> jpeg, string source)
    {
        TurboJpegHandle handle = Decompressor();
        int width, height, subsamp, colorspace;
        fixed (byte* buf = jpeg)
        {
            if (TurboJpegNative.tjDecompressHeader3(handle.DangerousGetHandle(), buf, (nuint)jpeg.Length, &width, &height, &subsamp, &colorspace) != 0)
            {
                throw new ImageDecodeException(source, "not a readable JPEG (" + ErrorText(handle) + ")");
            }

            // A header cut before the frame size reads as success with a zero size.
            if (width <= 0 || height <= 0)
            {
                throw new ImageDecodeException(source, "not a readable JPEG (no frame header)");
            }
        }

        return (width, height);
    }

    /// <summary>Decodes a JPEG into <paramref name="target"/> (resized to the JPEG's stored size, before any EXIF rotation).</summary>
    public void Decode(ReadOnlySpan<byte> jpeg, BgrImage target, string source)
    {
        (int width, int height) = ReadSize(jpeg, source);
        target.Resize(width, height);
        TurboJpegHandle handle = Decompressor();
        fixed (byte* buf = jpeg)
        fixed (byte* dst = target.Pixels)
        {
            int rc = TurboJpegNative.tjDecompress2(handle.DangerousGetHandle(), buf, (nuint)jpeg.Length, dst, width, width * 3, height, TurboJpegNative.TJPF_BGR, 0);
            if (rc != 0)
            {
                // TurboJPEG reports libjpeg warnings as failures too. A premature end means the
                // file was cut short (the lower part of the picture is grey): that is an error.
                // Other warnings (extraneous bytes after a marker, say) leave a whole image.
                string message = ErrorText(handle);
                bool warningOnly = TurboJpegNative.tjGetErrorCode(handle.DangerousGetHandle()) == TurboJpegNative.TJERR_WARNING;
                if (!warningOnly || message.Contains("Premature end", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ImageDecodeException(source, warningOnly ? "truncated JPEG (" + message + ")" : "corrupt JPEG (" + message + ")");
                }
            }
        }
    }

    /// <summary>Encodes a BGR image (or a region of it) as a baseline JPEG with 4:2:0 subsampling.</summary>
    public byte[] Encode(BgrImage image, int quality = 90) =>
        Encode(image.Pixels, image.Width, image.Height, image.Stride, quality);

    /// <summary>Encodes BGR pixels with the given row pitch as a JPEG.</summary>
    public byte[] Encode(ReadOnlySpan<byte> bgr, int width, int height, int pitch, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(bgr.Length, (long)pitch * (height - 1) + (width * 3));
        ObjectDisposedException.ThrowIf(_disposed, this);
        _compressor ??= TurboJpegHandle.Create(TurboJpegNative.tjInitCompress(), "compressor");
        nuint capacity = TurboJpegNative.tjBufSize(width, height, TurboJpegNative.TJSAMP_420);
        byte* output = (byte*)NativeMemory.Alloc(capacity);
        try
        {
            nuint size = capacity;
            fixed (byte* src = bgr)
            {
                if (TurboJpegNative.tjCompress2(_compressor.DangerousGetHandle(), src, width, pitch, height, TurboJpegNative.TJPF_BGR,
                        &output, &size, TurboJpegNative.TJSAMP_420, quality, TurboJpegNative.TJFLAG_NOREALLOC) != 0)
                {
                    throw new InvalidOperationException("JPEG encoding failed: " + ErrorText(_compressor));
                }
            }

            return new ReadOnlySpan<byte>(output, checked((int)size)).ToArray();
        }
        finally
        {
            NativeMemory.Free(output);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _decompressor?.Dispose();
        _compressor?.Dispose();
    }

    private TurboJpegHandle Decompressor()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _decompressor ??= TurboJpegHandle.Create(TurboJpegNative.tjInitDecompress(), "decompressor");
    }

    private static string ErrorText(TurboJpegHandle handle)
    {
        byte* text = TurboJpegNative.tjGetErrorStr2(handle.DangerousGetHandle());
        return text == null ? "unknown TurboJPEG error" : Marshal.PtrToStringUTF8((nint)text) ?? "unknown TurboJPEG error";
    }
}
