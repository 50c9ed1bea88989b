using EdgeInventory.Imaging;

namespace EdgeInventory.Reconciliation;

/// <summary>
/// A small grey thumbnail of a frame (area-averaged), the unit of comparison for view changes. It is
/// what is kept as a camera's reference.
/// </summary>
public sealed class ViewSignature
{
    public const int Width = 128;
    public const int Height = 96;

    private ViewSignature(byte[] pixels)
    {
        Pixels = pixels;
    }

    /// <summary>Row-major grey values, <see cref="Width"/> × <see cref="Height"/>.</summary>
    public byte[] Pixels { get; }

    public static ViewSignature FromBytes(byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        return pixels.Length == Width * Height
            ? new ViewSignature(pixels)
            : throw new ArgumentException($"a view signature has {Width * Height} bytes, not {pixels.Length}", nameof(pixels));
    }

    public static ViewSignature Of(BgrImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var pixels = new byte[Width * Height];
        ReadOnlySpan<byte> src = frame.Pixels;
        int stride = frame.Stride;
        for (int ty = 0; ty < Height; ty++)
        {
            int y0 = ty * frame.Height / Height, y1 = Math.Max(y0 + 1, (ty + 1) * frame.Height / Height);
            for (int tx = 0; tx < Width; tx++)
            {
                int x0 = tx * frame.Width / Width, x1 = Math.Max(x0 + 1, (tx + 1) * frame.Width / Width);
                long sum = 0;
                int n = 0;
                // Sampling about 4 × 4 pixels per thumbnail cell keeps the cost low on large frames.
                int step = Math.Max(1, (x1 - x0) / 4);
                for (int y = y0; y < y1; y += step)
                {
                    int row = y * stride;
                    for (int x = x0; x < x1; x += step)
                    {
                        int o = row + (x * 3);
                        sum += BgrImage.Luma256(src, o);
                        n++;
                    }
                }

                pixels[(ty * Width) + tx] = (byte)(sum / (n * 256L));
            }
        }

        return new ViewSignature(pixels);
    }

    /// <summary>
    /// Similarity in [-1, 1]: the median over a 4 × 4 grid of cells of the normalised cross-correlation.
    /// A few cells changing (products taken from one shelf, a shopper) leave the median high; a moved or
    /// covered camera changes every cell.
    /// </summary>
    public double Similarity(ViewSignature other)
    {
        ArgumentNullException.ThrowIfNull(other);
        const int grid = 4;
        Span<double> scores = stackalloc double[grid * grid];
        int cw = Width / grid, ch = Height / grid;
        for (int gy = 0; gy < grid; gy++)
        {
            for (int gx = 0; gx < grid; gx++)
            {
                scores[(gy * grid) + gx] = CellCorrelation(Pixels, other.Pixels, gx * cw, gy * ch, cw, ch);
            }
        }

        scores.Sort();
        return (scores[(grid * grid / 2) - 1] + scores[grid * grid / 2]) / 2;
    }

    private static double CellCorrelation(byte[] a, byte[] b, int x0, int y0, int w, int h)
    {
        double sa = 0, sb = 0;
        int n = w * h;
        for (int y = y0; y < y0 + h; y++)
        {
            for (int x = x0; x < x0 + w; x++)
            {
                sa += a[(y * Width) + x];
                sb += b[(y * Width) + x];
            }
        }

        double ma = sa / n, mb = sb / n, cov = 0, va = 0, vb = 0;
        for (int y = y0; y < y0 + h; y++)
        {
            for (int x = x0; x < x0 + w; x++)
            {
                double da = a[(y * Width) + x] - ma, db = b[(y * Width) + x] - mb;
                cov += da * db;
                va += da * da;
                vb += db * db;
            }
        }

        // Flat cells (a plain wall, a covered lens) have no texture to correlate: compare their brightness.
        const double flat = 16.0; // variance of a cell with a standard deviation of 4 grey levels
        bool flatA = va / n < flat, flatB = vb / n < flat;
        if (flatA && flatB)
        {
            return Math.Abs(ma - mb) < 24 ? 1 : 0;
        }

        if (flatA || flatB)
        {
            return 0;
        }

        return cov / Math.Sqrt(va * vb);
    }
}

/// <summary>
/// Tells when a camera's view no longer matches its reference (moved, turned, covered), so that the
/// zones no longer line up: after <see cref="ConsecutiveFrames"/> frames in a row below the threshold,
/// and back after as many above it. One per camera.
/// </summary>
public sealed class ViewChangeDetector(ViewSignature reference, double threshold = 0.45, int consecutiveFrames = 3)
{
    private int _below;
    private int _above;

    public ViewSignature Reference { get; } = reference ?? throw new ArgumentNullException(nameof(reference));

    public double Threshold { get; } = threshold;

    public int ConsecutiveFrames { get; } = Math.Max(1, consecutiveFrames);

    public bool Changed { get; private set; }

    public double LastSimilarity { get; private set; } = 1;

    /// <summary>Compares a frame with the reference; returns <see cref="Changed"/>.</summary>
    public bool Observe(BgrImage frame)
    {
        LastSimilarity = ViewSignature.Of(frame).Similarity(Reference);
        if (LastSimilarity < Threshold)
        {
            _above = 0;
            if (++_below >= ConsecutiveFrames)
            {
                Changed = true;
            }
        }
        else
        {
            _below = 0;
            if (++_above >= ConsecutiveFrames)
            {
                Changed = false;
            }
        }

        return Changed;
    }
}
