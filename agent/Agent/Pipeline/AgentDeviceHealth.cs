using EdgeInventory.Contracts;
using EdgeInventory.Messaging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// What agent/Messaging's heartbeat and device status report about this device: the model the agent loaded,
/// each camera's capture state and counters (<see cref="CameraStatusBoard"/>, the read <c>/healthz</c> and the
/// metrics share), and the open discrepancies. Read on the heartbeat's timer.
/// </summary>
public sealed class AgentDeviceHealth(ZoneStateKeeper zones, CameraStatusBoard cameras) : IDeviceHealthSource
{
    public DeviceHealth Current() => new(
        zones.ModelVersion,
        [.. cameras.ReadAll().Select(static c => new CameraHealth { CameraId = c.CameraId, State = c.WireState, FramesCaptured = c.FramesCaptured, FramesSkipped = c.FramesDropped })],
        zones.OpenDiscrepancyTotal);
}
