using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

[JsonConverter(typeof(StrictEnumConverter<DeviceState>))]
public enum DeviceState
{
    Online,
    Offline,
}

/// <summary>
/// Retained availability of a device. <c>online</c> is published (retained) on every connect; the same
/// topic carries the <c>offline</c> last will, which the broker publishes when the device vanishes.
/// </summary>
public sealed record DeviceStatus : ContractMessage, IContractMessage<DeviceStatus>
{
    public const string SchemaId = "edgeinv.device-status/1";

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.device-status";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 4 * 1024;

    public static JsonTypeInfo<DeviceStatus> JsonTypeInfo => ContractsJsonContext.Default.DeviceStatus;

    public required DeviceState State { get; init; }

    /// <summary>Why: <c>connected</c>, <c>shutdown</c>, or <c>connection lost</c> for the last will.</summary>
    public required string Reason { get; init; }

    public required string AgentVersion { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        CheckText(problems, "reason", Reason, 200);
        CheckText(problems, "agentVersion", AgentVersion, 64);
    }
}
