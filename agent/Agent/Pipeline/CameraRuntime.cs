using EdgeInventory.Agent.Configuration;
using EdgeInventory.Capture;
using EdgeInventory.Counting;
using EdgeInventory.Reconciliation;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>Everything the agent keeps for one camera: its capture, counter, smoother, view and health checks.</summary>
public sealed class CameraRuntime
{
    public CameraRuntime(CameraSettings settings, CameraCapture capture, CountingSettings counting, SmoothingSettings smoothing, TimeSpan healthInertia)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Capture = capture;
        Counter = new ZoneCounter(settings.Zones, counting);
        Smoother = new ZoneSmoother(settings.Zones, smoothing);
        Health = new CameraHealthMonitor(healthInertia);
        Depths = [.. settings.Zones.Select(static z => z.Depth)];
        Observations = new ZoneObservation[settings.Zones.Count];
        Changed = new bool[settings.Zones.Count];
        Baselines = new ZoneBaseline?[settings.Zones.Count];
        LastConfirmed = new ConfirmedZoneState?[settings.Zones.Count];
    }

    public string Id => Settings.Id;

    public CameraSettings Settings { get; }

    public IReadOnlyList<ZoneDefinition> Zones => Settings.Zones;

    public CameraCapture Capture { get; }

    public ZoneCounter Counter { get; }

    public ZoneSmoother Smoother { get; }

    public CameraHealthMonitor Health { get; }

    /// <summary>Null until the reference view is known (stored, or the first frame).</summary>
    public ViewChangeDetector? View { get; set; }

    /// <summary>Units per facing of each zone, refined by scanner counts.</summary>
    public double[] Depths { get; }

    /// <summary>What each zone looked like when last known full (null: never seen full); stored with the zone's state.</summary>
    public ZoneBaseline?[] Baselines { get; }

    /// <summary>Each zone's confirmed state before its latest change (the baseline rules tell a restock by it).</summary>
    public ConfirmedZoneState?[] LastConfirmed { get; }

    public ZoneObservation[] Observations { get; }

    public bool[] Changed { get; }

    public DateTimeOffset? LastSnapshotAt { get; set; }

    public DateTimeOffset? FirstObservationAt { get; set; }

    public long FramesProcessed { get; set; }
}
