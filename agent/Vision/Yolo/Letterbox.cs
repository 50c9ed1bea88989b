using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Vision.Yolo;

/// <summary>
/// Where a source image lands inside the model input: scaled to fit with its aspect kept, centred,
/// the rest padded with grey 114 — exactly as Ultralytics' LetterBox (rounding included), so a model
/// sees at run time what it saw in training. <see cref="ToSourceX"/>/<see cref="ToSourceY"/> invert
/// it with the resize's true per-axis ratios, so boxes map back to source pixels exactly.
/// </summary>
public readonly record struct LetterboxGeometry(int SourceWidth, int SourceHeight, int InputWidth, int InputHeight, int ResizedWidth, int ResizedHeight, int PadLeft, int PadTop)
{
    public const byte PadValue = 114;

    public static LetterboxGeometry Compute(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        double r = Math.Min((double)inputHeight / sourceHeight, (double)inputWidth / sourceWidth);
        // Python's round() is round-half-to-even, as is Math.Round's default.
        int resizedW = Math.Max(1, (int)Math.Round(sourceWidth * r));
        int resizedH = Math.Max(1, (int)Math.Round(sourceHeight * r));
        double dw = (inputWidth - resizedW) / 2.0;
        double dh = (inputHeight - resizedH) / 2.0;
        int left = (int)Math.Round(dw - 0.1);
        int top = (int)Math.Round(dh - 0.1);
        return new LetterboxGeometry(sourceWidth, sourceHeight, inputWidth, inputHeight, resizedW, resizedH, left, top);
    }

    /// <summary>Maps an x in model-input pixels to source pixels (not clipped).</summary>
    public float ToSourceX(float x) => (x - PadLeft) * ((float)SourceWidth / ResizedWidth);

    /// <summary>Maps a y in model-input pixels to source pixels (not clipped).</summary>
    public float ToSourceY(float y) => (y - PadTop) * ((float)SourceHeight / ResizedHeight);
}

/// <summary>
/// Letterboxes a BGR image straight into one image's planes of a float NCHW tensor (RGB, 0..1):
/// bilinear resize with half-pixel centres (as OpenCV's INTER_LINEAR), colour order swap, scaling and
/// padding in one pass over the output. Interpolation tables are cached per source size, so frames of
/// one camera allocate nothing. Not thread-safe.
/// </summary>
public sealed class LetterboxResizer
{
    private const float PadValue = LetterboxGeometry.PadValue / 255f;

    private int[] _xOffset = [];   // byte offset of the left source pixel, per output column
    private float[] _xWeight = []; // weight of the right pixel, per output column
    private int[] _yRow = [];
    private float[] _yWeight = [];
    private float[] _rowTop = [];
    private float[] _rowBottom = [];
    private LetterboxGeometry _tables;

    /// <summary>Writes <paramref name="image"/> letterboxed into <paramref name="chw"/> (3 × height × width floats).</summary>
    public unsafe LetterboxGeometry Apply(BgrImage image, Span<float> chw, int inputWidth, int inputHeight)
    {
        int plane = inputWidth * inputHeight;
        ArgumentOutOfRangeException.ThrowIfLessThan(chw.Length, 3 * plane);
        LetterboxGeometry g = LetterboxGeometry.Compute(image.Width, image.Height, inputWidth, inputHeight);
        PrepareTables(g);

        int rw = g.ResizedWidth, rh = g.ResizedHeight, left = g.PadLeft, top = g.PadTop;
        int srcStride = image.Stride;
        fixed (byte* src = image.Pixels)
        fixed (float* dst = chw)
        fixed (int* xOff = _xOffset)
        fixed (float* xW = _xWeight)
        fixed (float* rowA = _rowTop)
        fixed (float* rowB = _rowBottom)
        {
            float* r = dst;
            float* gr = dst + plane;
            float* b = dst + (2 * plane);
            FillPadding(r, gr, b, g);
            int cachedA = -1, cachedB = -1;
            for (int y = 0; y < rh; y++)
            {
                int sy = _yRow[y];
                float wy = _yWeight[y];
                int sy1 = Math.Min(sy + 1, image.Height - 1);
                // Horizontal pass of the two source rows this output row blends, reusing the rows
                // the previous output row already interpolated (upscaling revisits them).
                if (sy == cachedB && sy != cachedA)
                {
                    new Span<float>(rowB, rw * 3).CopyTo(new Span<float>(rowA, rw * 3));
                    cachedA = sy;
                }

                if (sy != cachedA)
                {
                    Horizontal(src + (sy * srcStride), rowA, xOff, xW, rw);
                    cachedA = sy;
                }

                if (sy1 != cachedB)
                {
                    Horizontal(src + (sy1 * srcStride), rowB, xOff, xW, rw);
                    cachedB = sy1;
                }

                int o = ((top + y) * inputWidth) + left;
                float wa = (1f - wy) * (1f / 255f), wb = wy * (1f / 255f);
                float* pa = rowA;
                float* pb = rowB;
                for (int x = 0; x < rw; x++, pa += 3, pb += 3)
                {
                    b[o + x] = (pa[0] * wa) + (pb[0] * wb);
                    gr[o + x] = (pa[1] * wa) + (pb[1] * wb);
                    r[o + x] = (pa[2] * wa) + (pb[2] * wb);
                }
            }
        }

        return g;
    }

    private static unsafe void Horizontal(byte* row, float* output, int* xOff, float* xW, int width)
    {
        for (int x = 0; x < width; x++, output += 3)
        {
            byte* p = row + xOff[x];
            float w = xW[x];
            float b0 = p[0], g0 = p[1], r0 = p[2];
            output[0] = b0 + ((p[3] - b0) * w);
            output[1] = g0 + ((p[4] - g0) * w);
            output[2] = r0 + ((p[5] - r0) * w);
        }
    }

    private static unsafe void FillPadding(float* r, float* g, float* b, LetterboxGeometry geo)
    {
        int w = geo.InputWidth;
        int topRows = geo.PadTop, bottomStart = geo.PadTop + geo.ResizedHeight;
        int rightStart = geo.PadLeft + geo.ResizedWidth;
        FillPlanePadding(r, geo, w, topRows, bottomStart, rightStart);
        FillPlanePadding(g, geo, w, topRows, bottomStart, rightStart);
        FillPlanePadding(b, geo, w, topRows, bottomStart, rightStart);
    }

    private static unsafe void FillPlanePadding(float* p, LetterboxGeometry geo, int w, int topRows, int bottomStart, int rightStart)
    {
        new Span<float>(p, topRows * w).Fill(PadValue);
        new Span<float>(p + (bottomStart * w), (geo.InputHeight - bottomStart) * w).Fill(PadValue);
        if (geo.PadLeft == 0 && rightStart == w)
        {
            return;
        }

        for (int y = topRows; y < bottomStart; y++)
        {
            float* row = p + (y * w);
            new Span<float>(row, geo.PadLeft).Fill(PadValue);
            new Span<float>(row + rightStart, w - rightStart).Fill(PadValue);
        }
    }

    private void PrepareTables(LetterboxGeometry g)
    {
        if (g == _tables)
        {
            return;
        }

        int rw = g.ResizedWidth, rh = g.ResizedHeight;
        if (_xOffset.Length < rw)
        {
            _xOffset = new int[rw];
            _xWeight = new float[rw];
            _rowTop = new float[rw * 3];
            _rowBottom = new float[rw * 3];
        }

        if (_yRow.Length < rh)
        {
            _yRow = new int[rh];
            _yWeight = new float[rh];
        }

        // The right-hand tap reads pixel x0 + 1; at the last column it would run past the row, so
        // the tap moves one left with weight 1 (same value as OpenCV's border clamp).
        double sx = (double)g.SourceWidth / rw;
        for (int x = 0; x < rw; x++)
        {
            (int x0, float w) = Tap((x + 0.5) * sx - 0.5, g.SourceWidth);
            if (x0 == g.SourceWidth - 1 && g.SourceWidth > 1)
            {
                x0 -= 1;
                w = 1f;
            }
            else if (g.SourceWidth == 1)
            {
                w = 0f;
            }

            _xOffset[x] = x0 * 3;
            _xWeight[x] = w;
        }

        double sy = (double)g.SourceHeight / rh;
        for (int y = 0; y < rh; y++)
        {
            (_yRow[y], _yWeight[y]) = Tap((y + 0.5) * sy - 0.5, g.SourceHeight);
        }

        _tables = g;
    }

    private static (int Index, float Weight) Tap(double f, int size)
    {
        int i = (int)Math.Floor(f);
        float w = (float)(f - i);
        if (i < 0)
        {
            return (0, 0f);
        }

        if (i >= size - 1)
        {
            return (size - 1, 0f);
        }

        return (i, w);
    }
}
