using EdgeInventory.Counting;

namespace EdgeInventory.Reconciliation;

/// <summary>How a zone came to know what it looks like full.</summary>
public enum BaselineSource
{
    /// <summary>The zone's first confirmed state: zones are commissioned on stocked shelves.</summary>
    Commissioning,

    /// <summary>The camera saw the zone at least as full as its baseline again (a restock).</summary>
    Restock,

    /// <summary>A handheld count agreeing with the camera said the location holds its expected stock.</summary>
    Scanner,
}

/// <summary>
/// What the detector reports for a zone known to be full: its facings and the share of the width it leaves
/// uncovered, and the share of the width whose pixels look bare (<see cref="ShelfTexture"/>; NaN when not read).
/// A detector that misses some products in a zone misses them when it is full too, and a plain box looks as
/// smooth as bare shelf when it is full too, so shortages are judged by what has gone since, not by what a
/// perfect detector would see.
/// </summary>
public sealed record ZoneBaseline(int Facings, double EmptyFraction, DateTimeOffset LearnedAt, BaselineSource Source, double BareFraction = double.NaN)
{
    /// <summary>The baseline's view of <paramref name="state"/>: what it shows, learned now from <paramref name="source"/>.</summary>
    public static ZoneBaseline Of(ConfirmedZoneState state, DateTimeOffset now, BaselineSource source) =>
        new(state.Facings, state.EmptyFraction, now, source, state.BareFraction);
}

/// <summary>When a zone's baseline is learned.</summary>
public sealed record BaselineSettings
{
    /// <summary>A zone's first confirmed state is its baseline (shelves are stocked when a camera is commissioned). Off: planned facings decide until a restock or a scanner count.</summary>
    public bool LearnAtCommissioning { get; init; } = true;

    /// <summary>
    /// A confirmed state with at least the baseline's facings and at most this much more empty width replaces the
    /// baseline (a restock seen by the camera, or a detector that now sees the full shelf better).
    /// </summary>
    public double RefreshEmptyTolerance { get; init; } = 0.1;

    public string? Check() =>
        RefreshEmptyTolerance is < 0 or > 1 ? $"RefreshEmptyTolerance must be within [0, 1], not {RefreshEmptyTolerance}" : null;
}

/// <summary>The rules that learn and refresh a zone's baseline; pure, the agent stores what they return.</summary>
public static class ZoneBaselineRules
{
    /// <summary>
    /// The baseline to keep after the zone's confirmed state became <paramref name="state"/> (from
    /// <paramref name="previous"/>, null for the zone's first confirmed state): the same object when nothing
    /// changes, a new one when the state is the zone full.
    /// </summary>
    public static ZoneBaseline? AfterConfirmed(ZoneBaseline? current, ConfirmedZoneState? previous, ConfirmedZoneState state, int plannedFacings, BaselineSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (current is null)
        {
            // Even nothing seen is learned: a zone whose products the detector never finds cannot page for them.
            return previous is null && settings.LearnAtCommissioning
                ? ZoneBaseline.Of(state, now, BaselineSource.Commissioning)
                : null;
        }

        // More facings than planned and than ever seen full is the detector finding things that are not there
        // (boxes on bare shelf), not a fuller zone: it must not raise the bar the zone is judged by.
        bool plausible = state.Facings <= Math.Max(plannedFacings, current.Facings);
        // NaN (pixels not read then or now) compares false: only measured bare width holds a refresh back.
        bool notBarer = !(state.BareFraction > current.BareFraction + settings.RefreshEmptyTolerance);
        bool differs = state.Facings != current.Facings || Math.Abs(state.EmptyFraction - current.EmptyFraction) > 1e-9
            || !state.BareFraction.Equals(current.BareFraction);
        if (plausible && state.Facings >= current.Facings && state.EmptyFraction <= current.EmptyFraction + settings.RefreshEmptyTolerance
            && notBarer && differs)
        {
            // Back to full after it had dropped: a restock; otherwise the same fullness seen a little better.
            BaselineSource source = previous is { } p && p.Facings < current.Facings ? BaselineSource.Restock : current.Source;
            return ZoneBaseline.Of(state, now, source);
        }

        return current;
    }

    /// <summary>
    /// The baseline after an authoritative count of <paramref name="quantity"/> units that agrees with the camera:
    /// when it is at least the expected stock the zone is full, and what the camera sees now is what full looks like.
    /// </summary>
    public static ZoneBaseline? AfterScannerCount(ZoneBaseline? current, ConfirmedZoneState state, int quantity, int expectedUnits, DateTimeOffset now) =>
        expectedUnits > 0 && quantity >= expectedUnits
            ? ZoneBaseline.Of(state, now, BaselineSource.Scanner)
            : current;
}
