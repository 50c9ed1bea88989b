using System.Runtime.Intrinsics;
using EdgeInventory.Imaging;

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
    private float[] _blendedRow = []; // one source row blended vertically, plus a pixel of slack for the right tap
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
        fixed (float* blended = _blendedRow)
        {
            float* r = dst;
            float* gr = dst + plane;
            float* b = dst + (2 * plane);
            FillPadding(r, gr, b, g);
            for (int y = 0; y < rh; y++)
            {
                // Vertical first, over the whole source row (contiguous, so SIMD), already scaled
                // to 0..1; then the horizontal taps scatter into the three planes. Bilinear is
                // separable, so the order does not change the result.
                int sy = _yRow[y];
                int sy1 = Math.Min(sy + 1, image.Height - 1);
                float wy = _yWeight[y];
                BlendRows(src + (sy * srcStride), src + (sy1 * srcStride), blended, srcStride, (1f - wy) * (1f / 255f), wy * (1f / 255f));

                int o = ((top + y) * inputWidth) + left;
                for (int x = 0; x < rw; x++)
                {
                    float* p = blended + xOff[x];
                    float w = xW[x];
                    b[o + x] = p[0] + ((p[3] - p[0]) * w);
                    gr[o + x] = p[1] + ((p[4] - p[1]) * w);
                    r[o + x] = p[2] + ((p[5] - p[2]) * w);
                }
            }
        }

        return g;
    }

    /// <summary>output[k] = a[k] × wa + b[k] × wb for one row of bytes, 16 at a time where the CPU has 128-bit vectors (x64 and Arm64 both do).</summary>
    private static unsafe void BlendRows(byte* a, byte* b, float* output, int count, float wa, float wb)
    {
        int k = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> va = Vector128.Create(wa), vb = Vector128.Create(wb);
            for (; k <= count - 16; k += 16)
            {
                (Vector128<ushort> a0, Vector128<ushort> a1) = Vector128.Widen(Vector128.Load(a + k));
                (Vector128<ushort> b0, Vector128<ushort> b1) = Vector128.Widen(Vector128.Load(b + k));
                Store(a0, b0, va, vb, output + k);
                Store(a1, b1, va, vb, output + k + 8);
            }
        }

        for (; k < count; k++)
        {
            output[k] = (a[k] * wa) + (b[k] * wb);
        }

        static void Store(Vector128<ushort> a, Vector128<ushort> b, Vector128<float> wa, Vector128<float> wb, float* output)
        {
            (Vector128<uint> a0, Vector128<uint> a1) = Vector128.Widen(a);
            (Vector128<uint> b0, Vector128<uint> b1) = Vector128.Widen(b);
            ((Vector128.ConvertToSingle(a0.AsInt32()) * wa) + (Vector128.ConvertToSingle(b0.AsInt32()) * wb)).Store(output);
            ((Vector128.ConvertToSingle(a1.AsInt32()) * wa) + (Vector128.ConvertToSingle(b1.AsInt32()) * wb)).Store(output + 4);
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
        }

        if (_blendedRow.Length < (g.SourceWidth * 3) + 3)
        {
            _blendedRow = new float[(g.SourceWidth * 3) + 3];
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
