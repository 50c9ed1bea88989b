using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

[JsonConverter(typeof(StrictEnumConverter<AlertState>))]
public enum AlertState
{
    Raised,
    Acknowledged,
    Resolved,
}

/// <summary>
/// Cloud → operators: a shortage or discrepancy that needs a person, with its state as operators move it
/// along. <see cref="ContractMessage.DeviceId"/> names the cloud service that raised it.
/// </summary>
public sealed record OperatorAlert : ContractMessage, IContractMessage<OperatorAlert>
{
    public const string SchemaId = "edgeinv.operator-alert/1";

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.operator-alert";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 16 * 1024;

    public static JsonTypeInfo<OperatorAlert> JsonTypeInfo => ContractsJsonContext.Default.OperatorAlert;

    protected override bool RequiresModelVersion => false;

    /// <summary>Stable across raised, acknowledged and resolved.</summary>
    public required Guid AlertId { get; init; }

    public required AlertState State { get; init; }

    public required Severity Severity { get; init; }

    public required DiscrepancyKind Kind { get; init; }

    public string? LocationId { get; init; }

    public string? Sku { get; init; }

    public required string Message { get; init; }

    /// <summary>The discrepancy events that led to the alert.</summary>
    public required IReadOnlyList<Guid> SourceEventIds { get; init; }

    /// <summary>Who acknowledged or resolved it, when someone did.</summary>
    public string? Operator { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        if (string.IsNullOrWhiteSpace(Message))
        {
            problems.Add("message is empty");
        }
        CheckText(problems, "message", Message, 1000);
        CheckText(problems, "locationId", LocationId, 128);
        CheckText(problems, "sku", Sku, 64);
        CheckText(problems, "operator", Operator, 128);
        if (SourceEventIds.Count > 100)
        {
            problems.Add($"sourceEventIds has {SourceEventIds.Count} entries; at most 100");
        }
        if (State != AlertState.Raised && string.IsNullOrEmpty(Operator))
        {
            problems.Add($"operator is missing on a {State} alert");
        }
    }
}
