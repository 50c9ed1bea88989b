namespace EdgeInventory.Counting;

/// <summary>How raw per-frame observations become a confirmed zone state.</summary>
public sealed record SmoothingSettings
{
    /// <summary>Observations the median is taken over (non-occluded frames only).</summary>
    public int Window { get; init; } = 5;

    /// <summary>A new state must be seen in at least this many consecutive observations...</summary>
    public int InertiaObservations { get; init; } = 3;

    /// <summary>...and for at least this long before it replaces the confirmed one.</summary>
    public TimeSpan Inertia { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Changes of the empty fraction smaller than this are not a new state.</summary>
    public double EmptyFractionTolerance { get; init; } = 0.1;

    /// <summary>A zone "collapses" in a frame when it loses at least this share of its confirmed facings.</summary>
    public double CollapseRatio { get; init; } = 0.5;

    /// <summary>Zones with fewer confirmed facings than this cannot collapse (one product more or less is not a blockage).</summary>
    public int MinFacingsForCollapse { get; init; } = 2;

    /// <summary>Zones whose bounding boxes are at most this far apart (normalised) are neighbours.</summary>
    public double NeighbourDistance { get; init; } = 0.05;

    /// <summary>
    /// A collapse that lasts longer than this (both observations and time) is no longer taken for a
    /// shopper: the neighbouring shelves really emptied together, and the observations count again.
    /// </summary>
    public int OcclusionMaxObservations { get; init; } = 6;

    public TimeSpan OcclusionMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Null when valid, else the first problem, naming the setting.</summary>
    public string? Check()
    {
        if (Window is < 1 or > 100)
        {
            return $"Window must be between 1 and 100, not {Window}";
        }

        if (InertiaObservations < 1)
        {
            return $"InertiaObservations must be at least 1, not {InertiaObservations}";
        }

        if (Inertia < TimeSpan.Zero)
        {
            return $"InertiaSeconds must not be negative, not {Inertia.TotalSeconds}";
        }

        if (EmptyFractionTolerance is < 0 or > 1)
        {
            return $"EmptyFractionTolerance must be within [0, 1], not {EmptyFractionTolerance}";
        }

        if (CollapseRatio is <= 0 or > 1)
        {
            return $"CollapseRatio must be within (0, 1], not {CollapseRatio}";
        }

        if (NeighbourDistance is < 0 or > 1)
        {
            return $"NeighbourDistance must be within [0, 1], not {NeighbourDistance}";
        }

        if (OcclusionMaxObservations < 0 || OcclusionMax < TimeSpan.Zero)
        {
            return "OcclusionMaxObservations and OcclusionMaxSeconds must not be negative";
        }

        return null;
    }
}
