using System.Buffers.Binary;
using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using Microsoft.Win32.SafeHandles;

namespace EdgeInventory.Vision.Imaging;

/// <summary>
/// Decodes JPEG and PNG stills into BGR as displayed (EXIF orientation applied). JPEG goes through
/// libturbojpeg in process; PNG through an ffmpeg subprocess (stills are rare on the camera path,
/// so a process per PNG is acceptable). Reuses its buffers: not thread-safe, one per thread.
/// </summary>
public sealed class StillImageReader : IDisposable
{
    /// <summary>Files larger than this are refused rather than read into memory.</summary>
    public const int MaxFileBytes = 256 * 1024 * 1024;

    private readonly TurboJpegCodec _jpeg = new();
    private readonly BgrImage _stored = new();
    private readonly string _ffmpeg;
    private byte[] _file = new byte[1 << 20];

    public StillImageReader(string ffmpegPath = "ffmpeg")
    {
        _ffmpeg = ffmpegPath;
    }

    /// <summary>Decodes the file at <paramref name="path"/> into <paramref name="target"/>.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, unreadable, not a JPEG/PNG, corrupt or truncated.</exception>
    public void Read(string path, BgrImage target)
    {
        ReadOnlySpan<byte> bytes = ReadFile(path);
        Decode(bytes, target, path);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="source"/> names it in errors.</summary>
    public void Decode(ReadOnlySpan<byte> encoded, BgrImage target, string source)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(source, "empty file");
        }

        if (IsJpeg(encoded))
        {
            int orientation = ExifOrientation.ReadFromJpeg(encoded);
            if (orientation == 1)
            {
                _jpeg.Decode(encoded, target, source);
                return;
            }

            _jpeg.Decode(encoded, _stored, source);
            ExifOrientation.Apply(_stored, orientation, target);
        }
        else if (IsPng(encoded))
        {
            int orientation = ExifOrientation.ReadFromPng(encoded);
            if (orientation == 1)
            {
                DecodePng(encoded, target, source);
                return;
            }

            DecodePng(encoded, _stored, source);
            ExifOrientation.Apply(_stored, orientation, target);
        }
        else
        {
            throw new ImageDecodeException(source, "not a JPEG or PNG image");
        }
    }

    public void Dispose() => _jpeg.Dispose();

    internal static bool IsJpeg(ReadOnlySpan<byte> b) => b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;

    internal static bool IsPng(ReadOnlySpan<byte> b) => b.Length >= 8 && b[..8].SequenceEqual(PngSignature);

    // Not a u8 string literal: "\x89" there would be U+0089, two bytes in UTF-8.
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private ReadOnlySpan<byte> ReadFile(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (FileNotFoundException)
        {
            throw new ImageDecodeException(path, "no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ImageDecodeException(path, "no such file");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, "permission denied");
        }
        catch (IOException e)
        {
            throw new ImageDecodeException(path, e.Message);
        }

        using (handle)
        {
            long length = RandomAccess.GetLength(handle);
            if (length > MaxFileBytes)
            {
                throw new ImageDecodeException(path, $"file of {length} bytes is larger than the {MaxFileBytes}-byte limit for a still image");
            }

            if (_file.Length < length)
            {
                _file = new byte[length];
            }

            int total = 0;
            while (total < length)
            {
                int n = RandomAccess.Read(handle, _file.AsSpan(total, (int)length - total), total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return _file.AsSpan(0, total);
        }
    }

    private void DecodePng(ReadOnlySpan<byte> png, BgrImage target, string source)
    {
        // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
        if (png.Length < 33 || !png.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw new ImageDecodeException(source, "corrupt PNG (no IHDR chunk)");
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(png.Slice(16, 4));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.Slice(20, 4));
        if (width <= 0 || height <= 0 || (long)width * height > 100_000_000)
        {
            throw new ImageDecodeException(source, $"corrupt PNG (size {width}x{height})");
        }

        var psi = new ProcessStartInfo(_ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-hide_banner", "-v", "error", "-f", "png_pipe", "-i", "pipe:0", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1" })
        {
            psi.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ImageDecodeException(source, "ffmpeg could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ImageDecodeException(source, $"PNG decoding needs ffmpeg, which could not be started ({e.Message})");
        }

        using (process)
        {
            byte[] input = png.ToArray();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            Task writer = Task.Run(async () =>
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(input).ConfigureAwait(false);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // ffmpeg stopped reading (a corrupt file): its stderr says why.
                }
            });
            target.Resize(width, height);
            Span<byte> pixels = target.Pixels;
            Stream stdout = process.StandardOutput.BaseStream;
            int total = 0;
            while (total < pixels.Length)
            {
                int n = stdout.Read(pixels[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            stdout.CopyTo(Stream.Null);
            writer.Wait();
            process.WaitForExit();
            string errors = stderr.Result.Trim();
            if (total < pixels.Length || process.ExitCode != 0 || errors.Length > 0)
            {
                string reason = errors.Length > 0 ? errors.Split('\n')[0] : $"ffmpeg produced {total} of {pixels.Length} bytes";
                throw new ImageDecodeException(source, "corrupt or truncated PNG (" + reason + ")");
            }
        }
    }
}
