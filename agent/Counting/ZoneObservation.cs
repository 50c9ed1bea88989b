namespace EdgeInventory.Counting;

/// <summary>What one frame shows in one zone, before smoothing.</summary>
public readonly record struct ZoneObservation(
    /// <summary>Product boxes of the zone's SKU (or of any product class when the model has no SKU classes).</summary>
    int Facings,
    /// <summary>Product boxes of another SKU (only when the model's classes are SKUs).</summary>
    int ForeignFacings,
    /// <summary>Share of the zone's width that is empty shelf: uncovered runs wider than a typical product, plus empty-shelf boxes.</summary>
    double EmptyFraction,
    /// <summary>
    /// Share of the zone's width whose pixels look like bare shelf (<see cref="ShelfTexture"/>), independent of the
    /// detector; NaN when not measured (no frame, the measure switched off, or the zone too small in the frame).
    /// </summary>
    double BareFraction = double.NaN);
