using EdgeInventory.Capture;
using EdgeInventory.Contracts;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>One camera's status as <c>/healthz</c>, the heartbeat and the metrics report it.</summary>
/// <param name="LastError">The capture's last error while it is not up; null while frames flow.</param>
public readonly record struct CameraStatus(string CameraId, CaptureState State, long FramesCaptured, long FramesDropped, int Restarts, DateTimeOffset? LastFrameAt, bool ViewChanged, string? LastError)
{
    /// <summary>The state as the contracts carry it (heartbeat, camera-health reconciliation): capture keeps its own type.</summary>
    public CameraState WireState => ToWire(State);

    public static CameraState ToWire(CaptureState state) => state switch
    {
        CaptureState.Up => CameraState.Up,
        CaptureState.Stalled => CameraState.Stalled,
        CaptureState.Restarting => CameraState.Restarting,
        CaptureState.Offline => CameraState.Offline,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "a capture state the contracts do not know"),
    };
}

/// <summary>
/// The one read of every camera's status, shared by <c>/healthz</c>, the heartbeat and the metrics, so the three
/// cannot tell different stories. The capture's counters are atomic; the view flag is the detection loop's latest.
/// </summary>
public sealed class CameraStatusBoard(IReadOnlyList<CameraRuntime> cameras)
{
    public IReadOnlyList<CameraRuntime> Cameras { get; } = cameras ?? throw new ArgumentNullException(nameof(cameras));

    public int Count => Cameras.Count;

    /// <summary>Camera <paramref name="index"/>'s status now (in configuration order). Allocates nothing.</summary>
    public CameraStatus Read(int index)
    {
        CameraRuntime camera = Cameras[index];
        CameraCapture capture = camera.Capture;
        CaptureState state = capture.State;
        return new CameraStatus(camera.Id, state, capture.FramesCaptured, capture.FramesDropped, capture.Restarts, capture.LastFrameAt,
            camera.View?.Changed ?? false, state == CaptureState.Up ? null : capture.LastError);
    }

    /// <summary>Every camera's status now, in configuration order.</summary>
    public IReadOnlyList<CameraStatus> ReadAll()
    {
        var all = new CameraStatus[Cameras.Count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = Read(i);
        }

        return all;
    }
}
