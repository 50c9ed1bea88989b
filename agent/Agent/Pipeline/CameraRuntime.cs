using EdgeInventory.Agent.Configuration;
using EdgeInventory.Capture;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>Everything the agent keeps for one camera: its capture, its zone pipeline, its view and health checks.</summary>
public sealed class CameraRuntime(CameraSettings settings, CameraCapture capture, ZonePipeline pipeline, TimeSpan healthInertia)
{
    public string Id => Settings.Id;

    public CameraSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    public IReadOnlyList<ZoneDefinition> Zones => Settings.Zones;

    public CameraCapture Capture { get; } = capture ?? throw new ArgumentNullException(nameof(capture));

    /// <summary>Count → smooth → reconcile of this camera's zones.</summary>
    public ZonePipeline Pipeline { get; } = pipeline ?? throw new ArgumentNullException(nameof(pipeline));

    public CameraHealthMonitor Health { get; } = new(healthInertia);

    /// <summary>Null until the reference view is known (stored, or the first frame).</summary>
    public ViewChangeDetector? View { get; set; }

    public DateTimeOffset? LastSnapshotAt { get; set; }

    public long FramesProcessed { get; set; }
}
