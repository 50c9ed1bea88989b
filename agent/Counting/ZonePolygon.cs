namespace EdgeInventory.Counting;

/// <summary>A point in normalised image coordinates: (0, 0) is the top-left corner, (1, 1) the bottom-right.</summary>
public readonly record struct NormalizedPoint(double X, double Y);

/// <summary>
/// A simple polygon in normalised image coordinates, so that a zone survives a change of capture
/// resolution. Containment is the even-odd rule; points on an edge may fall either way.
/// </summary>
public sealed class ZonePolygon
{
    private readonly NormalizedPoint[] _points;

    private ZonePolygon(NormalizedPoint[] points)
    {
        _points = points;
        double minX = 1, minY = 1, maxX = 0, maxY = 0;
        foreach (NormalizedPoint p in points)
        {
            minX = Math.Min(minX, p.X);
            minY = Math.Min(minY, p.Y);
            maxX = Math.Max(maxX, p.X);
            maxY = Math.Max(maxY, p.Y);
        }

        MinX = minX;
        MinY = minY;
        MaxX = maxX;
        MaxY = maxY;
    }

    public IReadOnlyList<NormalizedPoint> Points => _points;

    public double MinX { get; }

    public double MinY { get; }

    public double MaxX { get; }

    public double MaxY { get; }

    public double Width => MaxX - MinX;

    public double Height => MaxY - MinY;

    /// <summary>The smallest zone accepted: about 1% of the frame's side in each direction.</summary>
    public const double MinimumArea = 1e-4;

    /// <summary>Builds a polygon; throws <see cref="ArgumentException"/> with <see cref="Check"/>'s reason when it is not usable.</summary>
    public static ZonePolygon Create(IReadOnlyList<NormalizedPoint> points)
    {
        string? problem = Check(points);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(points));
        }

        return new ZonePolygon([.. points]);
    }

    /// <summary>Convenience for an axis-aligned rectangle.</summary>
    public static ZonePolygon Rectangle(double x1, double y1, double x2, double y2) =>
        Create([new(x1, y1), new(x2, y1), new(x2, y2), new(x1, y2)]);

    /// <summary>Null when the points make a usable zone, else why not (for configuration errors).</summary>
    public static string? Check(IReadOnlyList<NormalizedPoint>? points)
    {
        if (points is null || points.Count < 3)
        {
            return $"a zone needs at least 3 points, not {points?.Count ?? 0}";
        }

        for (int i = 0; i < points.Count; i++)
        {
            NormalizedPoint p = points[i];
            if (!(p.X >= 0 && p.X <= 1 && p.Y >= 0 && p.Y <= 1))
            {
                return $"point {i} ({p.X}, {p.Y}) is outside [0, 1]: zone points are fractions of the image width and height";
            }
        }

        double area = Math.Abs(SignedArea(points));
        if (area < MinimumArea)
        {
            return $"the polygon's area {area:0.######} is below {MinimumArea} of the image (degenerate or tiny)";
        }

        return null;
    }

    /// <summary>Even-odd containment of a normalised point.</summary>
    public bool Contains(double x, double y)
    {
        if (x < MinX || x > MaxX || y < MinY || y > MaxY)
        {
            return false;
        }

        bool inside = false;
        for (int i = 0, j = _points.Length - 1; i < _points.Length; j = i++)
        {
            NormalizedPoint a = _points[i], b = _points[j];
            if ((a.Y > y) != (b.Y > y) && x < ((b.X - a.X) * (y - a.Y) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    /// <summary>The gap between the bounding boxes of two zones (0 when they touch or overlap), in normalised units.</summary>
    public double BoundsDistance(ZonePolygon other)
    {
        ArgumentNullException.ThrowIfNull(other);
        double dx = Math.Max(0, Math.Max(other.MinX - MaxX, MinX - other.MaxX));
        double dy = Math.Max(0, Math.Max(other.MinY - MaxY, MinY - other.MaxY));
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    private static double SignedArea(IReadOnlyList<NormalizedPoint> points)
    {
        double sum = 0;
        for (int i = 0, j = points.Count - 1; i < points.Count; j = i++)
        {
            sum += (points[j].X * points[i].Y) - (points[i].X * points[j].Y);
        }

        return sum / 2;
    }
}
