using EdgeInventory.Contracts;

namespace EdgeInventory.Reconciliation;

/// <summary>
/// Turns a camera's capture state and view check into health conditions, each raised only after it has
/// held for the inertia, so that an ffmpeg restart that recovers in a few seconds, or a person standing
/// in front of the lens for a moment, raises nothing. One per camera.
/// </summary>
public sealed class CameraHealthMonitor(TimeSpan inertia)
{
    private DateTimeOffset? _offlineSince;
    private DateTimeOffset? _stalledSince;
    private DateTimeOffset? _viewChangedSince;

    public TimeSpan Inertia { get; } = inertia >= TimeSpan.Zero ? inertia : throw new ArgumentOutOfRangeException(nameof(inertia));

    /// <summary>
    /// The conditions now. <paramref name="state"/> is the capture's; <paramref name="lastFailureWasStall"/>
    /// tells a restart after a stall (the source connects but sends nothing) from one after an exit.
    /// </summary>
    public CameraConditions Evaluate(CameraState state, bool lastFailureWasStall, bool viewChanged, string? detail, DateTimeOffset now)
    {
        bool offlineNow = state == CameraState.Offline;
        bool stalledNow = !offlineNow && (state == CameraState.Stalled || (state == CameraState.Restarting && lastFailureWasStall));
        _offlineSince = offlineNow ? _offlineSince ?? now : null;
        _stalledSince = stalledNow ? _stalledSince ?? now : null;
        // A shopper right in front of the lens also changes the view: only a lasting change is reported.
        _viewChangedSince = viewChanged ? _viewChangedSince ?? now : null;
        bool offline = _offlineSince is { } o && now - o >= Inertia;
        bool stalled = _stalledSince is { } s && now - s >= Inertia;
        bool moved = _viewChangedSince is { } v && now - v >= Inertia;
        return new CameraConditions(offline, stalled, moved, detail);
    }
}
