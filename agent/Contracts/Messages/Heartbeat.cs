using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

[JsonConverter(typeof(StrictEnumConverter<CameraState>))]
public enum CameraState
{
    Up,
    Stalled,
    Restarting,
    Offline,
}

public sealed record CameraHealth
{
    public required string CameraId { get; init; }

    public required CameraState State { get; init; }

    public required long FramesCaptured { get; init; }

    public required long FramesSkipped { get; init; }
}

/// <summary>
/// Periodic liveness and health of a device. Not kept in the outbox: a stale heartbeat is worthless,
/// so heartbeats are published directly and a missed one is simply missed.
/// </summary>
public sealed record Heartbeat : ContractMessage, IContractMessage<Heartbeat>
{
    public const string SchemaId = "edgeinv.heartbeat/1";

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.heartbeat";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 32 * 1024;

    public static JsonTypeInfo<Heartbeat> JsonTypeInfo => ContractsJsonContext.Default.Heartbeat;

    public required long UptimeSeconds { get; init; }

    public required IReadOnlyList<CameraHealth> Cameras { get; init; }

    /// <summary>Events waiting in the outbox, and the age of the oldest (null when empty).</summary>
    public required long OutboxPending { get; init; }

    public required double? OutboxOldestAgeSeconds { get; init; }

    public required int OpenDiscrepancies { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        CheckCount(problems, "uptimeSeconds", UptimeSeconds);
        CheckCount(problems, "outboxPending", OutboxPending);
        CheckCount(problems, "openDiscrepancies", OpenDiscrepancies);
        if (Cameras.Count > 256)
        {
            problems.Add($"cameras has {Cameras.Count} entries; at most 256");
        }
        foreach (CameraHealth c in Cameras)
        {
            Add(problems, Identifiers.Check(c.CameraId, "camera id"));
            CheckCount(problems, "framesCaptured", c.FramesCaptured);
            CheckCount(problems, "framesSkipped", c.FramesSkipped);
        }
    }
}
