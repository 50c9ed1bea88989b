namespace EdgeInventory.Scenes;

/// <summary>The shelf-availability condition that really holds in a bay (the agent's precedence: out of stock ▸ below minimum ▸ gap).</summary>
public enum TrueShortage
{
    None,
    Gap,
    BelowMinimum,
    OutOfStock,
}

/// <summary>What is really true of a bay once some of its products were taken away: the reference the harness scores the agent against.</summary>
public static class ShortageTruth
{
    /// <summary>
    /// Share of the bay's width that became bare shelf: covered by a removed product and by no remaining
    /// one, measured along x like the agent's counter. Space that was already uncovered on the photo is not
    /// counted: it is not a gap that appeared.
    /// </summary>
    public static double EmptiedFraction(ShelfPhoto photo, ShelfBay bay, IReadOnlyCollection<int> removed)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(bay);
        ArgumentNullException.ThrowIfNull(removed);
        double left = bay.X1 * photo.Width, right = bay.X2 * photo.Width;
        var gone = new List<(double, double)>();
        var kept = new List<(double, double)>();
        foreach (int i in bay.ProductIndices)
        {
            ProductBox b = photo.Products[i];
            (removed.Contains(i) ? gone : kept).Add((Math.Max(left, b.X1), Math.Min(right, b.X2)));
        }

        double goneLength = Union(gone) - Overlap(gone, kept);
        return right > left ? Math.Clamp(goneLength / (right - left), 0, 1) : 0;
    }

    /// <summary>Products of the bay still on the shelf.</summary>
    public static int Remaining(ShelfBay bay, IReadOnlyCollection<int> removed)
    {
        ArgumentNullException.ThrowIfNull(bay);
        ArgumentNullException.ThrowIfNull(removed);
        return bay.ProductIndices.Count(i => !removed.Contains(i));
    }

    /// <summary>
    /// The condition that holds: out of stock when nothing remains of a planned bay, below minimum when fewer
    /// than <paramref name="minFacings"/> remain, a gap when at least <paramref name="gapThreshold"/> of the
    /// width was emptied, else none.
    /// </summary>
    public static TrueShortage Judge(int remaining, int plannedFacings, int minFacings, double emptiedFraction, double gapThreshold)
    {
        if (plannedFacings <= 0)
        {
            return TrueShortage.None;
        }

        if (remaining == 0)
        {
            return TrueShortage.OutOfStock;
        }

        if (remaining < minFacings)
        {
            return TrueShortage.BelowMinimum;
        }

        return emptiedFraction >= gapThreshold ? TrueShortage.Gap : TrueShortage.None;
    }

    /// <summary><see cref="Judge(int, int, int, double, double)"/> for a bay of a photo with <paramref name="removed"/> taken away.</summary>
    public static TrueShortage Judge(ShelfPhoto photo, ShelfBay bay, IReadOnlyCollection<int> removed, int minFacings, double gapThreshold) =>
        Judge(Remaining(bay, removed), bay.PlannedFacings, minFacings, EmptiedFraction(photo, bay, removed), gapThreshold);

    private static double Union(List<(double L, double R)> runs)
    {
        double total = 0, start = double.NaN, end = double.NaN;
        foreach ((double l, double r) in runs.Where(static t => t.R > t.L).OrderBy(static t => t.L))
        {
            if (double.IsNaN(start) || l > end)
            {
                total += double.IsNaN(start) ? 0 : end - start;
                start = l;
                end = r;
            }
            else
            {
                end = Math.Max(end, r);
            }
        }

        return total + (double.IsNaN(start) ? 0 : end - start);
    }

    /// <summary>Length of the union of <paramref name="a"/> that the union of <paramref name="b"/> also covers.</summary>
    private static double Overlap(List<(double L, double R)> a, List<(double L, double R)> b)
    {
        var both = new List<(double, double)>();
        foreach ((double al, double ar) in a)
        {
            foreach ((double bl, double br) in b)
            {
                double l = Math.Max(al, bl), r = Math.Min(ar, br);
                if (r > l)
                {
                    both.Add((l, r));
                }
            }
        }

        return Union(both);
    }
}
