namespace EdgeInventory.Counting;

/// <summary>How detections become zone observations.</summary>
public sealed record CountingSettings
{
    /// <summary>
    /// Class ids that mean "empty shelf" (a model with an explicit empty/gap class). Their boxes count as
    /// empty space, never as facings.
    /// </summary>
    public IReadOnlySet<int> EmptyClassIds { get; init; } = new HashSet<int>();

    /// <summary>
    /// When the model's classes are SKUs: class id → SKU. A box whose SKU differs from its zone's is a
    /// foreign facing (unexpected product). Empty when the model only knows "product".
    /// </summary>
    public IReadOnlyDictionary<int, string> SkuByClassId { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// An uncovered run counts as empty shelf when it is at least this many typical product widths wide;
    /// narrower slivers are the normal space between products.
    /// </summary>
    public double GapWidthFactor { get; init; } = 1.0;

    /// <summary>Below this many boxes in a zone the typical product width comes from the planogram (zone width / planned facings).</summary>
    public int MinBoxesForMeasuredWidth { get; init; } = 3;

    /// <summary>How the pixels of a zone are read for bare shelf (<see cref="ZoneObservation.BareFraction"/>); null: not read.</summary>
    public ShelfTextureSettings? ShelfTexture { get; init; } = ShelfTextureSettings.Default;

    /// <summary>Builds the class maps from a model's class names: names containing "empty" or "gap" are empty-shelf classes.</summary>
    public static CountingSettings FromClassNames(IReadOnlyDictionary<int, string> names, bool classesAreSkus)
    {
        ArgumentNullException.ThrowIfNull(names);
        var empty = new HashSet<int>();
        var skus = new Dictionary<int, string>();
        foreach ((int id, string name) in names)
        {
            if (name.Contains("empty", StringComparison.OrdinalIgnoreCase) || name.Contains("gap", StringComparison.OrdinalIgnoreCase))
            {
                empty.Add(id);
            }
            else if (classesAreSkus)
            {
                skus[id] = name;
            }
        }

        return new CountingSettings { EmptyClassIds = empty, SkuByClassId = skus };
    }
}
