using EdgeInventory.Contracts;
using EdgeInventory.Messaging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// What agent/Messaging's heartbeat and device status report about this device: the model the agent loaded,
/// each camera's capture state and counters, and the open discrepancies. Read on the heartbeat's timer; the
/// capture counters are atomic and the discrepancy total is taken under the core's lock.
/// </summary>
public sealed class AgentDeviceHealth(AgentCore core) : IDeviceHealthSource
{
    public DeviceHealth Current() => new(
        core.ModelVersion,
        [.. core.Cameras.Select(static c => new CameraHealth { CameraId = c.Id, State = c.Capture.State, FramesCaptured = c.Capture.FramesCaptured, FramesSkipped = c.Capture.FramesDropped })],
        core.OpenDiscrepancyTotal);
}
