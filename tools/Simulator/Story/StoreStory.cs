using EdgeInventory.Scenes;

namespace EdgeInventory.Simulator.Story;

/// <summary>
/// A bay sold down product by product from <see cref="SaleStart"/> to <see cref="SaleEnd"/> until <see cref="SellTo"/>
/// products are left, then restocked (every product back) at <see cref="Restock"/>. Times are seconds from the start of
/// the run.
/// </summary>
internal sealed record Sale(int Camera, int Bay, double SaleStart, double SaleEnd, int Products, int SellTo, double Restock)
{
    public int RemovedAt(double t) =>
        t < SaleStart || t >= Restock ? 0
        : t >= SaleEnd ? Products - SellTo
        : (int)Math.Floor((Products - SellTo) * (t - SaleStart) / (SaleEnd - SaleStart));

    /// <summary>
    /// When fewer than half the bay's products are left, the agent's minimum (half the planned facings) is broken: the
    /// shortage an operator must hear of. Null when the sale leaves half or more.
    /// </summary>
    public double? ShortageStart
    {
        get
        {
            int mustRemove = Products - ((Products + 1) / 2) + 1; // remaining < Products / 2
            if (Products - SellTo < mustRemove)
            {
                return null;
            }
            // RemovedAt reaches mustRemove at this instant (the floor's step).
            return SaleStart + ((SaleEnd - SaleStart) * mustRemove / (Products - SellTo));
        }
    }
}

/// <summary>A time window of the run, seconds from its start.</summary>
internal readonly record struct Window(double Start, double End)
{
    public bool Contains(double t) => t >= Start && t < End;
}

/// <summary>A shopper or a trolley passing in front of a camera's shelf for a few seconds.</summary>
internal sealed record Occlusion(int Camera, Occluder Occluder, Window When);

/// <summary>A true shortage: a bay with fewer than half its products from <see cref="Start"/> until its restock.</summary>
internal sealed record TruthShortage(string StoreId, string ZoneId, int Camera, string CameraId, double Start, double End);

/// <summary>
/// What happens in one store over the run, a day compressed into <c>daySeconds</c> and repeated: each camera's bays are
/// sold down and restocked (one sold out and one sold to three quarters a day per camera), a shopper and a trolley pass, one camera of
/// the first store goes offline for a while, and the last store's device loses its broker for a while. Deterministic
/// from the seed; the first camera of every store starts selling out at once, so the first alert comes early.
/// </summary>
internal sealed class StoreStory
{
    private readonly List<Sale> _sales = [];
    private readonly List<Occlusion> _occlusions = [];
    private readonly List<(int Camera, Window When)> _cameraOffline = [];
    private readonly List<Window> _uplinkDown = [];

    public StoreStory(string storeId, int storeIndex, int storeCount, IReadOnlyList<ShelfView> cameras, double daySeconds, double horizonSeconds, int seed)
    {
        StoreId = storeId;
        Cameras = cameras;
        DaySeconds = daySeconds;
        int days = (int)Math.Ceiling(horizonSeconds / daySeconds) + 1;
        double sellSeconds = Math.Max(6, daySeconds * 0.08);
        for (int day = 0; day < days; day++)
        {
            double d0 = day * daySeconds;
            var random = new Random(HashCode.Combine(seed, storeIndex, day));
            for (int c = 0; c < cameras.Count; c++)
            {
                int bays = cameras[c].Bays.Count;
                if (bays == 0)
                {
                    continue;
                }
                int soldOut = random.Next(bays);
                // The day's first sell-out is brisk (a rush on one product), so the demo's first alert comes early.
                bool rush = day == 0 && c == 0;
                double start = rush ? 2 + (storeIndex * 3) : d0 + (daySeconds * (0.05 + (0.35 * random.NextDouble())));
                double selling = rush ? 6 : sellSeconds;
                Add(c, soldOut, start, selling, sellTo: 0, restock: start + selling + (daySeconds * 0.25));
                if (bays > 1)
                {
                    int partial = (soldOut + 1 + random.Next(bays - 1)) % bays;
                    double p = d0 + (daySeconds * (0.5 + (0.25 * random.NextDouble())));
                    Add(c, partial, p, sellSeconds, sellTo: (int)Math.Ceiling(cameras[c].Bays[partial].Products.Count * 0.75), restock: d0 + (daySeconds * 0.9));
                }
                foreach ((double at, OccluderKind kind, double width) in ((double, OccluderKind, double)[])[(0.47, OccluderKind.Shopper, 0.3), (0.93, OccluderKind.Trolley, 0.4)])
                {
                    var occluder = new Occluder(kind, 0.25 + (0.5 * random.NextDouble()), width);
                    _occlusions.Add(new Occlusion(c, occluder, new Window(d0 + (daySeconds * at), d0 + (daySeconds * at) + 3)));
                }
            }
            if (storeIndex == 0 && cameras.Count > 0)
            {
                double offline = Math.Max(25, daySeconds * 0.12);
                _cameraOffline.Add((cameras.Count - 1, new Window(d0 + (daySeconds * 0.6), d0 + (daySeconds * 0.6) + offline)));
            }
            if (storeIndex == storeCount - 1)
            {
                double down = Math.Max(20, daySeconds * 0.12);
                _uplinkDown.Add(new Window(d0 + (daySeconds * 0.3), d0 + (daySeconds * 0.3) + down));
            }
        }
    }

    public string StoreId { get; }

    public IReadOnlyList<ShelfView> Cameras { get; }

    public double DaySeconds { get; }

    public IReadOnlyList<Sale> Sales => _sales;

    public IReadOnlyList<Occlusion> Occlusions => _occlusions;

    public IReadOnlyList<(int Camera, Window When)> CameraOffline => _cameraOffline;

    public IReadOnlyList<Window> UplinkDown => _uplinkDown;

    public static string CameraId(int camera) => $"cam-{camera + 1}";

    public static string ZoneId(int camera, string bayId) => $"{CameraId(camera)}-{bayId}";

    /// <summary>Products taken from each bay of a camera at time <paramref name="t"/>.</summary>
    public int[] RemovedAt(int camera, double t)
    {
        var removed = new int[Cameras[camera].Bays.Count];
        foreach (Sale s in _sales)
        {
            if (s.Camera == camera)
            {
                removed[s.Bay] = Math.Max(removed[s.Bay], s.RemovedAt(t));
            }
        }
        return removed;
    }

    public Occluder? OccluderAt(int camera, double t) => _occlusions.FirstOrDefault(o => o.Camera == camera && o.When.Contains(t))?.Occluder;

    public bool IsCameraOffline(int camera, double t) => _cameraOffline.Any(o => o.Camera == camera && o.When.Contains(t));

    public bool IsUplinkDown(double t) => _uplinkDown.Any(w => w.Contains(t));

    /// <summary>The true shortages that started before <paramref name="until"/>; one still running ends at its restock.</summary>
    public IEnumerable<TruthShortage> Truth(double until) =>
        _sales.Where(s => s.ShortageStart is double start && start < until)
            .Select(s => new TruthShortage(StoreId, ZoneId(s.Camera, Cameras[s.Camera].Bays[s.Bay].Id), s.Camera, CameraId(s.Camera), s.ShortageStart!.Value, s.Restock));

    private void Add(int camera, int bay, double start, double sellSeconds, int sellTo, double restock)
    {
        // A bay is sold down only once it is full again: no two sales of one bay overlap.
        if (_sales.Any(s => s.Camera == camera && s.Bay == bay && s.Restock > start))
        {
            return;
        }
        _sales.Add(new Sale(camera, bay, start, start + sellSeconds, Cameras[camera].Bays[bay].Products.Count, sellTo, restock));
    }
}
