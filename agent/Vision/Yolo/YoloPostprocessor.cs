using EdgeInventory.Imaging;
namespace EdgeInventory.Vision.Yolo;

/// <summary>
/// Turns one image's slice of a YOLO output tensor into detections in source pixels: score
/// threshold, best class per box, per-class NMS, max-detections cap, inverse letterbox and clipping.
/// All scratch buffers are kept and reused, so steady-state calls allocate nothing. Not thread-safe.
/// </summary>
public sealed class YoloPostprocessor
{
    /// <summary>Candidates kept for NMS at most, as Ultralytics' max_nms.</summary>
    public const int MaxCandidates = 30_000;

    private const int GridCells = 16;

    private Candidate[] _candidates = new Candidate[1024];
    private float[] _sortKeys = new float[1024];
    private float[] _bestScore = [];
    private int[] _bestClass = [];
    private int[] _kept = new int[1024];

    // NMS spatial grid: a kept box is listed in every cell it covers, and a candidate is compared
    // only with kept boxes in its own cells. Boxes that share no cell cannot overlap.
    private readonly int[] _cellHead = new int[GridCells * GridCells];
    private int[] _entryNext = new int[4096];
    private int[] _entryBox = new int[4096];

    private struct Candidate
    {
        public float X1, Y1, X2, Y2, Score;
        public int ClassId;
    }

    /// <summary>
    /// Decodes <paramref name="output"/> (one image: [4+nc, N] for v8, [N, 5+nc] for v5, [K, 6]
    /// end-to-end) and appends the detections to <paramref name="results"/>.
    /// </summary>
    public void Decode(ReadOnlySpan<float> output, YoloOutputLayout layout, int rows, int cols, LetterboxGeometry geometry,
        float confidence, float iou, int maxDetections, List<Detection> results)
    {
        int count = layout switch
        {
            YoloOutputLayout.V8 => CollectV8(output, rows, cols, confidence),
            YoloOutputLayout.V5 => CollectV5(output, rows, cols, confidence),
            _ => CollectEndToEnd(output, rows, cols, confidence),
        };

        // Highest score first. Sorting negated scores with the candidates as items sorts in place.
        Span<float> keys = _sortKeys.AsSpan(0, count);
        Span<Candidate> items = _candidates.AsSpan(0, count);
        for (int i = 0; i < count; i++)
        {
            keys[i] = -items[i].Score;
        }

        keys.Sort(items);
        if (count > MaxCandidates)
        {
            count = MaxCandidates;
        }

        int kept = layout == YoloOutputLayout.EndToEnd
            ? Math.Min(count, maxDetections)
            : Suppress(count, iou, maxDetections, geometry.InputWidth, geometry.InputHeight);

        float maxX = geometry.SourceWidth, maxY = geometry.SourceHeight;
        for (int k = 0; k < kept; k++)
        {
            ref Candidate c = ref _candidates[layout == YoloOutputLayout.EndToEnd ? k : _kept[k]];
            float x1 = Math.Clamp(geometry.ToSourceX(c.X1), 0f, maxX);
            float y1 = Math.Clamp(geometry.ToSourceY(c.Y1), 0f, maxY);
            float x2 = Math.Clamp(geometry.ToSourceX(c.X2), 0f, maxX);
            float y2 = Math.Clamp(geometry.ToSourceY(c.Y2), 0f, maxY);
            if (x2 > x1 && y2 > y1)
            {
                results.Add(new Detection(x1, y1, x2, y2, c.Score, c.ClassId));
            }
        }
    }

    private int CollectV8(ReadOnlySpan<float> output, int rows, int anchors, float confidence)
    {
        int nc = rows - 4;
        if (_bestScore.Length < anchors)
        {
            _bestScore = new float[anchors];
            _bestClass = new int[anchors];
        }

        // Class-major rows: walk each class row once, keeping the best per anchor (cache friendly).
        Span<float> best = _bestScore.AsSpan(0, anchors);
        Span<int> bestClass = _bestClass.AsSpan(0, anchors);
        output.Slice(4 * anchors, anchors).CopyTo(best);
        bestClass.Clear();
        for (int c = 1; c < nc; c++)
        {
            ReadOnlySpan<float> row = output.Slice((4 + c) * anchors, anchors);
            for (int j = 0; j < anchors; j++)
            {
                if (row[j] > best[j])
                {
                    best[j] = row[j];
                    bestClass[j] = c;
                }
            }
        }

        ReadOnlySpan<float> cx = output[..anchors];
        ReadOnlySpan<float> cy = output.Slice(anchors, anchors);
        ReadOnlySpan<float> w = output.Slice(2 * anchors, anchors);
        ReadOnlySpan<float> h = output.Slice(3 * anchors, anchors);
        int count = 0;
        for (int j = 0; j < anchors; j++)
        {
            if (best[j] > confidence)
            {
                AddCentred(ref count, cx[j], cy[j], w[j], h[j], best[j], bestClass[j]);
            }
        }

        return count;
    }

    private int CollectV5(ReadOnlySpan<float> output, int anchors, int width, float confidence)
    {
        int nc = width - 5;
        int count = 0;
        for (int j = 0; j < anchors; j++)
        {
            ReadOnlySpan<float> a = output.Slice(j * width, width);
            float objectness = a[4];
            if (objectness <= confidence)
            {
                continue; // score = objectness × class score ≤ objectness
            }

            int cls = 0;
            float clsScore = a[5];
            for (int c = 1; c < nc; c++)
            {
                if (a[5 + c] > clsScore)
                {
                    clsScore = a[5 + c];
                    cls = c;
                }
            }

            float score = objectness * clsScore;
            if (score > confidence)
            {
                AddCentred(ref count, a[0], a[1], a[2], a[3], score, cls);
            }
        }

        return count;
    }

    private int CollectEndToEnd(ReadOnlySpan<float> output, int rows, int width, float confidence)
    {
        int count = 0;
        for (int k = 0; k < rows; k++)
        {
            ReadOnlySpan<float> d = output.Slice(k * width, 6);
            if (d[4] > confidence)
            {
                EnsureCandidateRoom(count);
                _candidates[count++] = new Candidate { X1 = d[0], Y1 = d[1], X2 = d[2], Y2 = d[3], Score = d[4], ClassId = (int)d[5] };
            }
        }

        return count;
    }

    private void AddCentred(ref int count, float cx, float cy, float w, float h, float score, int cls)
    {
        EnsureCandidateRoom(count);
        float hw = w * 0.5f, hh = h * 0.5f;
        _candidates[count++] = new Candidate { X1 = cx - hw, Y1 = cy - hh, X2 = cx + hw, Y2 = cy + hh, Score = score, ClassId = cls };
    }

    private void EnsureCandidateRoom(int count)
    {
        if (count == _candidates.Length)
        {
            Array.Resize(ref _candidates, count * 2);
            _sortKeys = new float[count * 2];
        }
    }

    /// <summary>Greedy per-class NMS over score-sorted candidates; fills _kept with candidate indices.</summary>
    private int Suppress(int count, float iouThreshold, int maxDetections, int inputWidth, int inputHeight)
    {
        if (_kept.Length < Math.Min(count, maxDetections))
        {
            _kept = new int[Math.Min(count, maxDetections)];
        }

        Array.Fill(_cellHead, -1);
        float cellW = (float)inputWidth / GridCells, cellH = (float)inputHeight / GridCells;
        int entries = 0, kept = 0;
        for (int i = 0; i < count && kept < maxDetections; i++)
        {
            ref Candidate c = ref _candidates[i];
            (int cx0, int cy0, int cx1, int cy1) = Cells(c, cellW, cellH);
            bool suppressed = false;
            for (int gy = cy0; gy <= cy1 && !suppressed; gy++)
            {
                for (int gx = cx0; gx <= cx1 && !suppressed; gx++)
                {
                    for (int e = _cellHead[(gy * GridCells) + gx]; e >= 0; e = _entryNext[e])
                    {
                        ref Candidate k = ref _candidates[_entryBox[e]];
                        if (k.ClassId == c.ClassId && Boxes.IoU(c.X1, c.Y1, c.X2, c.Y2, k.X1, k.Y1, k.X2, k.Y2) > iouThreshold)
                        {
                            suppressed = true;
                            break;
                        }
                    }
                }
            }

            if (suppressed)
            {
                continue;
            }

            _kept[kept++] = i;
            for (int gy = cy0; gy <= cy1; gy++)
            {
                for (int gx = cx0; gx <= cx1; gx++)
                {
                    if (entries == _entryNext.Length)
                    {
                        Array.Resize(ref _entryNext, entries * 2);
                        Array.Resize(ref _entryBox, entries * 2);
                    }

                    int cell = (gy * GridCells) + gx;
                    _entryBox[entries] = i;
                    _entryNext[entries] = _cellHead[cell];
                    _cellHead[cell] = entries++;
                }
            }
        }

        return kept;
    }

    private static (int X0, int Y0, int X1, int Y1) Cells(in Candidate c, float cellW, float cellH) =>
        (Cell(c.X1 / cellW), Cell(c.Y1 / cellH), Cell(c.X2 / cellW), Cell(c.Y2 / cellH));

    private static int Cell(float v) => float.IsNaN(v) ? 0 : Math.Clamp((int)v, 0, GridCells - 1);
}
