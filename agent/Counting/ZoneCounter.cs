using EdgeInventory.Imaging;

namespace EdgeInventory.Counting;

/// <summary>
/// Turns one frame's detections into per-zone observations: each box goes to the first zone (in
/// configuration order) that contains its centre; facings are the boxes of a zone; empty space is the
/// part of the zone's width that no product box covers, counting only runs at least a typical product
/// wide (the zone's median box width, or the planogram's width per facing when too few boxes are seen).
/// Keeps its scratch lists between frames; one instance per camera, not thread-safe.
/// </summary>
public sealed class ZoneCounter
{
    private readonly ZoneDefinition[] _zones;
    private readonly CountingSettings _settings;
    private readonly List<(double Left, double Right)>[] _productRuns;
    private readonly List<(double Left, double Right)>[] _emptyRuns;
    private readonly List<double>[] _widths;
    private readonly int[] _foreign;

    public ZoneCounter(IReadOnlyList<ZoneDefinition> zones, CountingSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(zones);
        _zones = [.. zones];
        _settings = settings ?? new CountingSettings();
        _productRuns = new List<(double, double)>[_zones.Length];
        _emptyRuns = new List<(double, double)>[_zones.Length];
        _widths = new List<double>[_zones.Length];
        _foreign = new int[_zones.Length];
        for (int i = 0; i < _zones.Length; i++)
        {
            _productRuns[i] = [];
            _emptyRuns[i] = [];
            _widths[i] = [];
        }
    }

    public IReadOnlyList<ZoneDefinition> Zones => _zones;

    /// <summary>
    /// The index of the zone a box belongs to (its centre inside the polygon), or -1. Coordinates of
    /// the box are pixels of a <paramref name="frameWidth"/> × <paramref name="frameHeight"/> frame.
    /// </summary>
    public int ZoneOf(in Detection box, int frameWidth, int frameHeight)
    {
        double cx = (box.X1 + box.X2) / 2.0 / frameWidth;
        double cy = (box.Y1 + box.Y2) / 2.0 / frameHeight;
        for (int z = 0; z < _zones.Length; z++)
        {
            if (_zones[z].Polygon.Contains(cx, cy))
            {
                return z;
            }
        }

        return -1;
    }

    /// <summary>Fills <paramref name="observations"/> (one per zone, in configuration order) from one frame's boxes.</summary>
    /// <param name="frame">The frame the detections came from: its pixels give each zone's bare share (null: not measured).</param>
    public void Observe(IReadOnlyList<Detection> detections, int frameWidth, int frameHeight, Span<ZoneObservation> observations, BgrImage? frame = null)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        if (observations.Length < _zones.Length)
        {
            throw new ArgumentException($"{_zones.Length} zones need as many observations, {observations.Length} were given", nameof(observations));
        }

        for (int z = 0; z < _zones.Length; z++)
        {
            _productRuns[z].Clear();
            _emptyRuns[z].Clear();
            _widths[z].Clear();
            _foreign[z] = 0;
        }

        for (int i = 0; i < detections.Count; i++)
        {
            Detection box = detections[i];
            int z = ZoneOf(box, frameWidth, frameHeight);
            if (z < 0)
            {
                continue;
            }

            double left = box.X1 / frameWidth, right = box.X2 / frameWidth;
            if (_settings.EmptyClassIds.Contains(box.ClassId))
            {
                _emptyRuns[z].Add((left, right));
                continue;
            }

            if (_settings.SkuByClassId.TryGetValue(box.ClassId, out string? sku) && sku != _zones[z].Sku)
            {
                _foreign[z]++;
            }
            else
            {
                _widths[z].Add(right - left);
            }

            // A foreign product still covers the shelf: it is not empty space.
            _productRuns[z].Add((left, right));
        }

        for (int z = 0; z < _zones.Length; z++)
        {
            double bare = frame is not null && _settings.ShelfTexture is { } texture ? ShelfTexture.BareFraction(frame, _zones, z, texture) : double.NaN;
            observations[z] = new ZoneObservation(_widths[z].Count, _foreign[z], EmptyFraction(z), bare);
        }
    }

    private double EmptyFraction(int z)
    {
        ZonePolygon polygon = _zones[z].Polygon;
        double zoneLeft = polygon.MinX, zoneRight = polygon.MaxX, zoneWidth = polygon.Width;
        List<double> widths = _widths[z];
        double typical;
        if (widths.Count >= _settings.MinBoxesForMeasuredWidth)
        {
            widths.Sort();
            typical = widths[widths.Count / 2];
        }
        else
        {
            typical = zoneWidth / Math.Max(1, _zones[z].PlannedFacings);
        }

        double minimumGap = typical * _settings.GapWidthFactor;

        // Uncovered runs of at least one typical product width are empty shelf; add them to the runs of
        // explicit empty-shelf boxes and measure the union.
        List<(double Left, double Right)> runs = _productRuns[z];
        runs.Sort(static (a, b) => a.Left.CompareTo(b.Left));
        List<(double Left, double Right)> empty = _emptyRuns[z];
        double cursor = zoneLeft;
        foreach ((double left, double right) in runs)
        {
            double l = Math.Max(left, zoneLeft);
            if (l - cursor >= minimumGap)
            {
                empty.Add((cursor, l));
            }

            cursor = Math.Max(cursor, Math.Min(right, zoneRight));
        }

        if (zoneRight - cursor >= minimumGap)
        {
            empty.Add((cursor, zoneRight));
        }

        return Math.Clamp(UnionLength(empty, zoneLeft, zoneRight) / zoneWidth, 0, 1);
    }

    private static double UnionLength(List<(double Left, double Right)> runs, double lo, double hi)
    {
        runs.Sort(static (a, b) => a.Left.CompareTo(b.Left));
        double total = 0, start = double.NaN, end = double.NaN;
        foreach ((double left, double right) in runs)
        {
            double l = Math.Max(left, lo), r = Math.Min(right, hi);
            if (r <= l)
            {
                continue;
            }

            if (double.IsNaN(start) || l > end)
            {
                if (!double.IsNaN(start))
                {
                    total += end - start;
                }

                start = l;
                end = r;
            }
            else
            {
                end = Math.Max(end, r);
            }
        }

        if (!double.IsNaN(start))
        {
            total += end - start;
        }

        return total;
    }
}
