namespace EdgeInventory.Counting;

/// <summary>A zone's confirmed state: what the reconciler acts on. <see cref="BareFraction"/> is NaN when the pixels were not read.</summary>
public readonly record struct ConfirmedZoneState(int Facings, int ForeignFacings, double EmptyFraction, DateTimeOffset Since, double BareFraction = double.NaN);

/// <summary>
/// Temporal smoothing of one camera's zones. Per zone, the median over a window of recent
/// observations is the proposed state; it replaces the confirmed state only after it has differed
/// from it for <see cref="SmoothingSettings.InertiaObservations"/> observations and
/// <see cref="SmoothingSettings.Inertia"/> (a shopper in front of one shelf for a moment changes
/// nothing). A shopper or a trolley hides several neighbouring zones in the same frame: a zone that
/// drops in the same frame as a neighbour, one of the two collapsing (losing
/// <see cref="SmoothingSettings.CollapseRatio"/> of its facings), is taken as occluded and left out of
/// the window until it recovers or the drop outlasts <see cref="SmoothingSettings.OcclusionMax"/>.
/// Shelves that empty one after the other are not: their drops begin in different frames (a zone
/// emptied next to one already emptied used to be held back as occluded for two minutes). Not
/// thread-safe: one instance per camera.
/// </summary>
public sealed class ZoneSmoother
{
    private readonly SmoothingSettings _settings;
    private readonly ZoneTrack[] _tracks;
    private readonly int[][] _neighbours;
    private readonly bool[] _collapsed;
    private readonly bool[] _dropped;
    private long _frame;

    public ZoneSmoother(IReadOnlyList<ZoneDefinition> zones, SmoothingSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(zones);
        _settings = settings ?? new SmoothingSettings();
        string? problem = _settings.Check();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(settings));
        }

        _tracks = new ZoneTrack[zones.Count];
        _neighbours = new int[zones.Count][];
        _collapsed = new bool[zones.Count];
        _dropped = new bool[zones.Count];
        for (int i = 0; i < zones.Count; i++)
        {
            _tracks[i] = new ZoneTrack(_settings.Window);
            var near = new List<int>();
            for (int j = 0; j < zones.Count; j++)
            {
                if (j != i && zones[i].Polygon.BoundsDistance(zones[j].Polygon) <= _settings.NeighbourDistance)
                {
                    near.Add(j);
                }
            }

            _neighbours[i] = [.. near];
        }
    }

    public int Count => _tracks.Length;

    /// <summary>The confirmed state of zone <paramref name="zone"/>, or null before the first confirmation.</summary>
    public ConfirmedZoneState? Confirmed(int zone) => _tracks[zone].Confirmed;

    /// <summary>Whether the latest frame was taken as occluded for this zone.</summary>
    public bool IsOccluded(int zone) => _tracks[zone].Occluded;

    /// <summary>Zones that are neighbours of <paramref name="zone"/> for occlusion.</summary>
    public IReadOnlyList<int> Neighbours(int zone) => _neighbours[zone];

    /// <summary>The median of the window, or null while it is empty.</summary>
    public ZoneObservation? Proposed(int zone) => _tracks[zone].Median();

    /// <summary>Sets a confirmed state kept from before a restart; the window starts empty.</summary>
    public void Restore(int zone, ConfirmedZoneState state) => _tracks[zone].Confirmed = state;

    /// <summary>
    /// Adds one frame's observations (one per zone, in order). Sets <paramref name="changed"/>[z] when zone
    /// z's confirmed state changed and returns how many did.
    /// </summary>
    public int Update(ReadOnlySpan<ZoneObservation> observations, DateTimeOffset at, Span<bool> changed)
    {
        if (observations.Length < _tracks.Length || changed.Length < _tracks.Length)
        {
            throw new ArgumentException($"{_tracks.Length} zones need as many observations and flags");
        }

        _frame++;
        for (int z = 0; z < _tracks.Length; z++)
        {
            ZoneTrack t = _tracks[z];
            ZoneObservation? reference = t.Confirmed is { } c ? new ZoneObservation(c.Facings, c.ForeignFacings, c.EmptyFraction, c.BareFraction) : t.Median();
            ZoneObservation o = observations[z];
            bool countable = reference is { } r && r.Facings >= _settings.MinFacingsForCollapse;
            _collapsed[z] = countable && o.Facings <= reference!.Value.Facings * (1 - _settings.CollapseRatio);
            // A milder drop: a zone only partly hidden loses fewer facings, or shows more empty width.
            _dropped[z] = _collapsed[z]
                || (countable && o.Facings <= reference!.Value.Facings * (1 - (_settings.CollapseRatio / 2)))
                || (reference is { } e && o.EmptyFraction >= e.EmptyFraction + (2 * _settings.EmptyFractionTolerance))
                || (reference is { } p && o.BareFraction >= p.BareFraction + (2 * _settings.EmptyFractionTolerance));
            if (!_dropped[z])
            {
                t.DropOnset = -1;
            }
            else if (t.DropOnset < 0)
            {
                t.DropOnset = _frame;
            }
        }

        int count = 0;
        for (int z = 0; z < _tracks.Length; z++)
        {
            ZoneTrack t = _tracks[z];
            changed[z] = false;
            bool occluded = _dropped[z] && HiddenWithNeighbour(z);
            if (occluded)
            {
                t.OccludedSince ??= at;
                t.OccludedCount++;
                // A blockage that lasts is not a blockage: the shelves emptied together.
                if (t.OccludedCount > _settings.OcclusionMaxObservations && at - t.OccludedSince.Value >= _settings.OcclusionMax)
                {
                    occluded = false;
                }
            }
            else
            {
                t.OccludedSince = null;
                t.OccludedCount = 0;
            }

            t.Occluded = occluded;
            if (occluded)
            {
                continue;
            }

            t.Add(observations[z]);
            ZoneObservation proposed = t.Median()!.Value;
            if (t.Confirmed is { } confirmed && !Differs(proposed, confirmed))
            {
                t.PendingSince = null;
                t.PendingCount = 0;
                continue;
            }

            // A proposal that turns the other way (more than confirmed, then less, or back) is a new state, not
            // the same one still settling: its inertia starts again. A shelf emptying product by product keeps
            // one direction and is confirmed on time; a count that rose for a few frames and then fell (a
            // shopper after a flicker) does not inherit the seconds of the rise.
            int direction = t.Confirmed is { } held ? Direction(proposed, held) : 0;
            if (direction != t.PendingDirection)
            {
                t.PendingSince = null;
                t.PendingCount = 0;
                t.PendingDirection = direction;
            }

            t.PendingSince ??= at;
            t.PendingCount++;
            if (t.PendingCount >= _settings.InertiaObservations && at - t.PendingSince.Value >= _settings.Inertia)
            {
                t.Confirmed = new ConfirmedZoneState(proposed.Facings, proposed.ForeignFacings, proposed.EmptyFraction, t.PendingSince.Value, proposed.BareFraction);
                t.PendingSince = null;
                t.PendingCount = 0;
                changed[z] = true;
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Whether a dropped zone is hidden: a neighbour dropped in the same frame (one of the two collapsing), or
    /// a neighbour is already taken as occluded (the shopper moved on to this zone).
    /// </summary>
    private bool HiddenWithNeighbour(int zone)
    {
        ZoneTrack t = _tracks[zone];
        foreach (int n in _neighbours[zone])
        {
            ZoneTrack other = _tracks[n];
            if (!_dropped[n])
            {
                continue;
            }

            if ((other.DropOnset == t.DropOnset && (_collapsed[zone] || _collapsed[n])) || (other.Occluded && other.DropOnset < t.DropOnset))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>-1 when the proposal shows less stock than the confirmed state (fewer facings, or as many and more empty or bare width), +1 when more.</summary>
    private static int Direction(ZoneObservation proposed, ConfirmedZoneState confirmed) =>
        proposed.Facings != confirmed.Facings ? Math.Sign(proposed.Facings - confirmed.Facings)
        : proposed.ForeignFacings != confirmed.ForeignFacings ? Math.Sign(confirmed.ForeignFacings - proposed.ForeignFacings)
        : proposed.EmptyFraction != confirmed.EmptyFraction ? Math.Sign(confirmed.EmptyFraction - proposed.EmptyFraction)
        : Math.Sign(Known(confirmed.BareFraction) - Known(proposed.BareFraction));

    private static double Known(double fraction) => double.IsNaN(fraction) ? 0 : fraction;

    private bool Differs(ZoneObservation proposed, ConfirmedZoneState confirmed) =>
        proposed.Facings != confirmed.Facings
        || proposed.ForeignFacings != confirmed.ForeignFacings
        || Math.Abs(proposed.EmptyFraction - confirmed.EmptyFraction) >= _settings.EmptyFractionTolerance
        // Measured now and not then (or the other way) is a new state too: the reconciler reads both or neither.
        || double.IsNaN(proposed.BareFraction) != double.IsNaN(confirmed.BareFraction)
        || Math.Abs(proposed.BareFraction - confirmed.BareFraction) >= _settings.EmptyFractionTolerance;

    private sealed class ZoneTrack(int window)
    {
        private readonly ZoneObservation[] _ring = new ZoneObservation[window];
        private readonly int[] _ints = new int[window];
        private readonly double[] _doubles = new double[window];
        private int _next;
        private int _filled;

        public ConfirmedZoneState? Confirmed { get; set; }

        public bool Occluded { get; set; }

        public DateTimeOffset? PendingSince { get; set; }

        public int PendingCount { get; set; }

        /// <summary>Whether the pending proposal shows less (-1) or more (+1) stock than the confirmed state; 0 before the first.</summary>
        public int PendingDirection { get; set; }

        public DateTimeOffset? OccludedSince { get; set; }

        public int OccludedCount { get; set; }

        /// <summary>The frame the zone's current drop began in; -1 while it shows its reference state.</summary>
        public long DropOnset { get; set; } = -1;

        public void Add(ZoneObservation o)
        {
            _ring[_next] = o;
            _next = (_next + 1) % _ring.Length;
            _filled = Math.Min(_filled + 1, _ring.Length);
        }

        /// <summary>Per-field median (the lower middle value for an even count, so counts stay whole).</summary>
        public ZoneObservation? Median()
        {
            if (_filled == 0)
            {
                return null;
            }

            return new ZoneObservation(MedianOf(static o => o.Facings), MedianOf(static o => o.ForeignFacings), MedianOfDouble(static o => o.EmptyFraction), MedianOfDouble(static o => o.BareFraction));
        }

        private int MedianOf(Func<ZoneObservation, int> field)
        {
            Span<int> values = _ints.AsSpan(0, _filled);
            for (int i = 0; i < _filled; i++)
            {
                values[i] = field(_ring[i]);
            }

            values.Sort();
            return values[(_filled - 1) / 2];
        }

        /// <summary>The lower median of the measured values (NaN ones left out); NaN when none was measured.</summary>
        private double MedianOfDouble(Func<ZoneObservation, double> field)
        {
            int n = 0;
            for (int i = 0; i < _filled; i++)
            {
                double v = field(_ring[i]);
                if (!double.IsNaN(v))
                {
                    _doubles[n++] = v;
                }
            }

            if (n == 0)
            {
                return double.NaN;
            }

            Span<double> values = _doubles.AsSpan(0, n);
            values.Sort();
            return values[(n - 1) / 2];
        }
    }
}
