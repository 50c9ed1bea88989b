namespace EdgeInventory.Capture;

/// <summary>
/// Where a camera's capture stands. Capture's own: the agent maps it to the wire's <c>CameraState</c> where it
/// leaves the device, so capture does not depend on the message contracts.
/// </summary>
public enum CaptureState
{
    /// <summary>Frames flow.</summary>
    Up,

    /// <summary>ffmpeg ran but sent no frame for the stall timeout.</summary>
    Stalled,

    /// <summary>Between two ffmpeg runs (backing off after an exit or a failed start).</summary>
    Restarting,

    /// <summary>No frame for the offline limit.</summary>
    Offline,
}
