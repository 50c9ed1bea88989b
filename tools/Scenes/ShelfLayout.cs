using EdgeInventory.Counting;

namespace EdgeInventory.Scenes;

/// <summary>How a photo's product boxes become shelf rows and bays.</summary>
public sealed record ShelfLayoutOptions
{
    /// <summary>Two boxes are on the same row when they overlap vertically by at least this share of the lower one's height.</summary>
    public double RowOverlap { get; init; } = 0.5;

    /// <summary>Rows with fewer products are left out (a stray box, a label read as a product).</summary>
    public int MinProductsPerRow { get; init; } = 4;

    /// <summary>A row is cut into bays of this many products, left to right; a short remainder joins the bay before it.</summary>
    public int ProductsPerBay { get; init; } = 6;

    /// <summary>Bays with fewer products than this (after the remainder was merged) are left out.</summary>
    public int MinProductsPerBay { get; init; } = 3;

    /// <summary>The bay's rectangle reaches this share of the median product height above the highest and below the lowest product centre.</summary>
    public double BandHalfHeight { get; init; } = 0.35;

    /// <summary>
    /// A bay whose rectangle lies over earlier bays by more than this share of its own area is left out: a zone's
    /// pixels would be largely another zone's products (one shelf row chained twice where tall and short or stacked
    /// boxes alternate), which no one configures and no witness can judge.
    /// </summary>
    public double MaxOverlapShare { get; init; } = 0.25;

    public string? Check()
    {
        if (RowOverlap is <= 0 or > 1)
        {
            return $"RowOverlap must be within (0, 1], not {RowOverlap}";
        }

        if (MinProductsPerRow < 1 || ProductsPerBay < 1 || MinProductsPerBay < 1)
        {
            return "MinProductsPerRow, ProductsPerBay and MinProductsPerBay must be at least 1";
        }

        if (BandHalfHeight is <= 0 or > 1)
        {
            return $"BandHalfHeight must be within (0, 1], not {BandHalfHeight}";
        }

        if (MaxOverlapShare is < 0 or > 1)
        {
            return $"MaxOverlapShare must be within [0, 1], not {MaxOverlapShare}";
        }

        return null;
    }
}

/// <summary>A shelf row: products that overlap vertically, chained left to right (so a slanted row stays one row).</summary>
public sealed record ShelfRow(int Index, IReadOnlyList<int> ProductIndices, IReadOnlyList<ShelfBay> Bays);

/// <summary>
/// A bay: part of one shelf row, usable as an agent zone. <see cref="X1"/>..<see cref="Y2"/> are normalised
/// (0..1 of the photo's width and height). Its products are every labelled product whose centre lies inside
/// it and inside no earlier bay (the rule the agent's <see cref="ZoneCounter"/> applies to detections), left
/// to right: with a perfect detector the zone would count exactly <see cref="PlannedFacings"/>.
/// </summary>
public sealed record ShelfBay(string Id, int Row, int IndexInRow, double X1, double Y1, double X2, double Y2, IReadOnlyList<int> ProductIndices)
{
    /// <summary>Planned facings: the products the photo shows in the bay.</summary>
    public int PlannedFacings => ProductIndices.Count;

    public double Width => X2 - X1;

    public bool Contains(double x, double y) => x >= X1 && x <= X2 && y >= Y1 && y <= Y2;

    /// <summary>The bay as an agent zone (rectangle polygon); the zone id is the bay id.</summary>
    public ZoneDefinition ToZone(string locationId, string sku, int minFacings) => new()
    {
        Id = Id,
        LocationId = locationId,
        Sku = sku,
        Polygon = ZonePolygon.Rectangle(X1, Y1, X2, Y2),
        PlannedFacings = PlannedFacings,
        MinFacings = minFacings,
    };
}

/// <summary>The rows and bays of one photo, found from its labelled boxes. Deterministic: the same boxes give the same layout.</summary>
public sealed class ShelfLayout
{
    private ShelfLayout(IReadOnlyList<ShelfRow> rows)
    {
        Rows = rows;
        Bays = [.. rows.SelectMany(static r => r.Bays)];
    }

    public IReadOnlyList<ShelfRow> Rows { get; }

    /// <summary>Every bay, top row first, left to right: the order zones are configured in.</summary>
    public IReadOnlyList<ShelfBay> Bays { get; }

    public ShelfBay Bay(string id) => Bays.FirstOrDefault(b => b.Id == id) ?? throw new KeyNotFoundException($"no bay '{id}' in this layout");

    public static ShelfLayout Find(ShelfPhoto photo, ShelfLayoutOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(photo);
        options ??= new ShelfLayoutOptions();
        string? problem = options.Check();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        IReadOnlyList<ProductBox> boxes = photo.Products;
        List<List<int>> chains = ChainRows(boxes, options.RowOverlap);
        List<List<int>> rows = [.. chains.Where(c => c.Count >= options.MinProductsPerRow)
            .OrderBy(c => c.Average(i => boxes[i].CenterY))];
        double medianHeight = Median(boxes.Select(static b => b.Height));

        // Rectangles first, then products by the agent's rule (first bay containing the centre).
        var rects = new List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)>();
        for (int r = 0; r < rows.Count; r++)
        {
            List<int> row = rows[r];
            List<List<int>> chunks = Chunk(row, options.ProductsPerBay, options.MinProductsPerBay);
            for (int c = 0; c < chunks.Count; c++)
            {
                List<int> chunk = chunks[c];
                double left = c == 0 ? boxes[chunk[0]].X1 : (boxes[chunks[c - 1][^1]].X2 + boxes[chunk[0]].X1) / 2;
                double right = c == chunks.Count - 1 ? boxes[chunk[^1]].X2 : (boxes[chunk[^1]].X2 + boxes[chunks[c + 1][0]].X1) / 2;
                double band = options.BandHalfHeight * medianHeight;
                double top = chunk.Min(i => boxes[i].CenterY) - band;
                double bottom = chunk.Max(i => boxes[i].CenterY) + band;
                rects.Add((r, c, left / photo.Width, top / photo.Height, right / photo.Width, bottom / photo.Height));
            }
        }

        var bayRects = rects
            .Select(t => (t.Row, t.InRow, X1: Math.Clamp(t.X1, 0, 1), Y1: Math.Clamp(t.Y1, 0, 1), X2: Math.Clamp(t.X2, 0, 1), Y2: Math.Clamp(t.Y2, 0, 1)))
            .Where(t => (t.X2 - t.X1) * (t.Y2 - t.Y1) >= ZonePolygon.MinimumArea * 2)
            .ToList();
        bayRects = WithoutOverlaps(bayRects, options.MaxOverlapShare);

        // Assign, drop bays left with too few products, assign again (a dropped bay frees its products).
        List<int>[] members = Assign(photo, bayRects);
        for (int pass = 0; pass < 2; pass++)
        {
            var keep = new List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)>();
            for (int b = 0; b < bayRects.Count; b++)
            {
                if (members[b].Count >= options.MinProductsPerBay)
                {
                    keep.Add(bayRects[b]);
                }
            }

            bayRects = keep;
            members = Assign(photo, bayRects);
        }

        var result = new List<ShelfRow>();
        for (int r = 0; r < rows.Count; r++)
        {
            var bays = new List<ShelfBay>();
            for (int b = 0; b < bayRects.Count; b++)
            {
                if (bayRects[b].Row == r && members[b].Count > 0)
                {
                    var t = bayRects[b];
                    bays.Add(new ShelfBay($"r{result.Count}b{bays.Count}", result.Count, bays.Count, t.X1, t.Y1, t.X2, t.Y2, members[b]));
                }
            }

            if (bays.Count > 0)
            {
                result.Add(new ShelfRow(result.Count, rows[r], bays));
            }
        }

        return new ShelfLayout(result);
    }

    /// <summary>
    /// Left to right, each box joins the row whose latest box it overlaps most vertically (at least
    /// <paramref name="overlap"/> of the lower height), else starts a row: a slanted row stays one chain,
    /// products stacked on each other do not merge.
    /// </summary>
    private static List<List<int>> ChainRows(IReadOnlyList<ProductBox> boxes, double overlap)
    {
        var order = Enumerable.Range(0, boxes.Count).OrderBy(i => boxes[i].X1).ThenBy(i => boxes[i].Y1).ToList();
        var rows = new List<List<int>>();
        foreach (int i in order)
        {
            ProductBox box = boxes[i];
            int best = -1;
            double bestShare = overlap;
            for (int r = 0; r < rows.Count; r++)
            {
                ProductBox last = boxes[rows[r][^1]];
                double shared = Math.Min(box.Y2, last.Y2) - Math.Max(box.Y1, last.Y1);
                double share = shared / Math.Min(box.Height, last.Height);
                if (share >= bestShare)
                {
                    best = r;
                    bestShare = share;
                }
            }

            if (best < 0)
            {
                rows.Add([i]);
            }
            else
            {
                rows[best].Add(i);
            }
        }

        foreach (List<int> row in rows)
        {
            row.Sort((a, b) => boxes[a].CenterX.CompareTo(boxes[b].CenterX));
        }

        return rows;
    }

    /// <summary>Keeps each rectangle, top row first, unless the kept ones before it cover more than <paramref name="maxShare"/> of its area.</summary>
    private static List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)> WithoutOverlaps(
        List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)> rects, double maxShare)
    {
        var kept = new List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)>();
        foreach (var r in rects)
        {
            double area = (r.X2 - r.X1) * (r.Y2 - r.Y1);
            double covered = 0;
            foreach (var k in kept)
            {
                covered += Math.Max(0, Math.Min(r.X2, k.X2) - Math.Max(r.X1, k.X1)) * Math.Max(0, Math.Min(r.Y2, k.Y2) - Math.Max(r.Y1, k.Y1));
            }

            if (covered <= maxShare * area)
            {
                kept.Add(r);
            }
        }

        return kept;
    }

    private static List<List<int>> Chunk(List<int> row, int size, int minimum)
    {
        var chunks = new List<List<int>>();
        for (int i = 0; i < row.Count; i += size)
        {
            chunks.Add(row.GetRange(i, Math.Min(size, row.Count - i)));
        }

        if (chunks.Count > 1 && chunks[^1].Count < minimum)
        {
            chunks[^2].AddRange(chunks[^1]);
            chunks.RemoveAt(chunks.Count - 1);
        }

        return chunks;
    }

    private static List<int>[] Assign(ShelfPhoto photo, List<(int Row, int InRow, double X1, double Y1, double X2, double Y2)> rects)
    {
        var members = new List<int>[rects.Count];
        for (int b = 0; b < rects.Count; b++)
        {
            members[b] = [];
        }

        for (int i = 0; i < photo.Products.Count; i++)
        {
            ProductBox p = photo.Products[i];
            double cx = p.CenterX / photo.Width, cy = p.CenterY / photo.Height;
            for (int b = 0; b < rects.Count; b++)
            {
                var t = rects[b];
                if (cx >= t.X1 && cx <= t.X2 && cy >= t.Y1 && cy <= t.Y2)
                {
                    members[b].Add(i);
                    break;
                }
            }
        }

        foreach (List<int> m in members)
        {
            m.Sort((a, b) => photo.Products[a].CenterX.CompareTo(photo.Products[b].CenterX));
        }

        return members;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length == 0 ? 0 : v[v.Length / 2];
    }
}
