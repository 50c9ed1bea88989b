using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;

namespace EdgeInventory.Agent.Evidence;

/// <summary>How much evidence is kept on the device; the oldest files go first.</summary>
public sealed record EvidenceRetention
{
    public int MaxFiles { get; init; } = 2000;

    public long MaxBytes { get; init; } = 512L * 1024 * 1024;

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(14);
}

/// <summary>The evidence of one zone as written: its reference for the event and the JPEG bytes in the file.</summary>
public sealed record SavedEvidence(EvidenceRef Reference, byte[] Jpeg);

/// <summary>
/// Keeps the evidence of discrepancies: an annotated JPEG crop of the zone only (its bounding box
/// and a small margin, never the whole scene with the shoppers in it), with the zone outline and the
/// product boxes drawn. Files are named by evidence id under one folder and pruned by count, size and
/// age. Not thread-safe: the agent's <see cref="EvidenceWriter"/> uses it from the detection loop.
/// </summary>
public sealed class EvidenceStore : IDisposable
{
    private const double Margin = 0.02;
    private const int Quality = 85;

    private readonly TurboJpegCodec _jpeg = new();
    private readonly BgrImage _crop = new();
    private readonly EvidenceRetention _retention;
    private readonly TimeProvider _clock;

    public EvidenceStore(string folder, EvidenceRetention retention, TimeProvider? clock = null)
    {
        Folder = folder;
        _retention = retention ?? throw new ArgumentNullException(nameof(retention));
        _clock = clock ?? TimeProvider.System;
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }

    public string PathOf(string evidenceId) => Path.Combine(Folder, Identifiers.Require(evidenceId, "evidence id") + ".jpg");

    /// <summary>
    /// Crops, annotates, encodes and writes the evidence of one zone; returns its reference and the bytes written
    /// (the agent sends those, so the JPEG is encoded once and what the cloud gets hashes to the reference).
    /// </summary>
    public SavedEvidence Save(string evidenceId, BgrImage frame, ZonePolygon zone, IReadOnlyList<Detection> boxes)
    {
        CropZone(frame, zone, boxes, _crop);
        SavedEvidence saved = Encode(evidenceId, _crop);
        Write(evidenceId, saved.Jpeg);
        return saved;
    }

    /// <summary>
    /// Copies the zone's bounding box (and a small margin) of <paramref name="frame"/> into <paramref name="crop"/>
    /// with the product boxes and the zone outline drawn: the one step that needs the frame, so the frame's buffer
    /// can go back to its capture before the crop is encoded.
    /// </summary>
    public static void CropZone(BgrImage frame, ZonePolygon zone, IReadOnlyList<Detection> boxes, BgrImage crop)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(crop);
        int x0 = Math.Clamp((int)Math.Floor((zone.MinX - Margin) * frame.Width), 0, frame.Width - 1);
        int y0 = Math.Clamp((int)Math.Floor((zone.MinY - Margin) * frame.Height), 0, frame.Height - 1);
        int x1 = Math.Clamp((int)Math.Ceiling((zone.MaxX + Margin) * frame.Width), x0 + 1, frame.Width);
        int y1 = Math.Clamp((int)Math.Ceiling((zone.MaxY + Margin) * frame.Height), y0 + 1, frame.Height);
        int w = x1 - x0, h = y1 - y0;
        crop.Resize(w, h);
        ReadOnlySpan<byte> src = frame.Pixels;
        Span<byte> dst = crop.Pixels;
        for (int y = 0; y < h; y++)
        {
            src.Slice(((y0 + y) * frame.Stride) + (x0 * 3), w * 3).CopyTo(dst.Slice(y * crop.Stride, w * 3));
        }

        foreach (Detection box in boxes)
        {
            DrawRectangle(crop, (int)box.X1 - x0, (int)box.Y1 - y0, (int)box.X2 - x0, (int)box.Y2 - y0, (0, 200, 0));
        }

        IReadOnlyList<NormalizedPoint> pts = zone.Points;
        for (int i = 0, j = pts.Count - 1; i < pts.Count; j = i++)
        {
            DrawLine(crop, (int)(pts[j].X * frame.Width) - x0, (int)(pts[j].Y * frame.Height) - y0,
                (int)(pts[i].X * frame.Width) - x0, (int)(pts[i].Y * frame.Height) - y0, (0, 220, 255));
        }
    }

    /// <summary>Encodes a crop made by <see cref="CropZone"/>: its reference (the hash the event carries) and its JPEG bytes.</summary>
    public SavedEvidence Encode(string evidenceId, BgrImage crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        Identifiers.Require(evidenceId, "evidence id");
        byte[] jpeg = _jpeg.Encode(crop, Quality);
        return new SavedEvidence(new EvidenceRef
        {
            EvidenceId = evidenceId,
            Sha256 = EvidencePhoto.HashOf(jpeg), // the hash the contract checks the sent photo against
            Width = crop.Width,
            Height = crop.Height,
        }, jpeg);
    }

    /// <summary>Writes the file of an encoded crop (through a temporary file, so a reader never sees half a JPEG).</summary>
    public void Write(string evidenceId, byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        string path = PathOf(evidenceId);
        string temp = path + ".part";
        File.WriteAllBytes(temp, jpeg);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Deletes the oldest files beyond the retention limits; returns how many were deleted.</summary>
    public int Prune()
    {
        var files = new DirectoryInfo(Folder).GetFiles("*.jpg").OrderByDescending(static f => f.LastWriteTimeUtc).ToList();
        DateTime oldest = _clock.GetUtcNow().UtcDateTime - _retention.MaxAge;
        long bytes = 0;
        int deleted = 0;
        for (int i = 0; i < files.Count; i++)
        {
            FileInfo f = files[i];
            bytes += f.Length;
            if (i >= _retention.MaxFiles || bytes > _retention.MaxBytes || f.LastWriteTimeUtc < oldest)
            {
                try
                {
                    f.Delete();
                    deleted++;
                }
                catch (IOException)
                {
                    // Someone is reading it; the next prune takes it.
                }
            }
        }

        return deleted;
    }

    public void Dispose() => _jpeg.Dispose();

    private static void DrawRectangle(BgrImage img, int x1, int y1, int x2, int y2, (byte B, byte G, byte R) c)
    {
        DrawLine(img, x1, y1, x2, y1, c);
        DrawLine(img, x2, y1, x2, y2, c);
        DrawLine(img, x2, y2, x1, y2, c);
        DrawLine(img, x1, y2, x1, y1, c);
    }

    /// <summary>Bresenham, clipped per pixel (evidence crops are small).</summary>
    private static void DrawLine(BgrImage img, int x0, int y0, int x1, int y1, (byte B, byte G, byte R) c)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        Span<byte> px = img.Pixels;
        for (int guard = 0; guard < 100_000; guard++)
        {
            if ((uint)x0 < (uint)img.Width && (uint)y0 < (uint)img.Height)
            {
                int o = (y0 * img.Stride) + (x0 * 3);
                px[o] = c.B;
                px[o + 1] = c.G;
                px[o + 2] = c.R;
            }

            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            int e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }
}
