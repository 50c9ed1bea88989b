using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

[JsonConverter(typeof(StrictEnumConverter<DiscrepancyPhase>))]
public enum DiscrepancyPhase
{
    Start,
    Update,
    End,
}

[JsonConverter(typeof(StrictEnumConverter<DiscrepancyKind>))]
public enum DiscrepancyKind
{
    OutOfStock,
    BelowMinimum,
    Gap,
    OverCapacity,
    CameraScannerDisagreement,
    UnexpectedProduct,
    CameraOffline,
    CameraStalled,
    ViewChanged,
}

[JsonConverter(typeof(StrictEnumConverter<Severity>))]
public enum Severity
{
    Info,
    Warning,
    Critical,
}

/// <summary>The annotated JPEG crop of a zone that backs a discrepancy; the image stays on the device.</summary>
public sealed record EvidenceRef
{
    public required string EvidenceId { get; init; }

    /// <summary>Hex SHA-256 of the JPEG, so a copy fetched later can be checked.</summary>
    public required string Sha256 { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }
}

/// <summary>
/// One step of a discrepancy's life: <c>start</c> when it is first confirmed, <c>update</c> when its values
/// change materially, <c>end</c> when the shelf is back to normal. All steps share <see cref="DiscrepancyId"/>.
/// Camera-health kinds (offline, stalled, view changed) have no zone, location or SKU.
/// </summary>
public sealed record DiscrepancyEvent : ContractMessage, IContractMessage<DiscrepancyEvent>
{
    public const string SchemaId = "edgeinv.discrepancy/1";

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.discrepancy";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 16 * 1024;

    public static JsonTypeInfo<DiscrepancyEvent> JsonTypeInfo => ContractsJsonContext.Default.DiscrepancyEvent;

    /// <summary>Stable across start, update and end of the same discrepancy.</summary>
    public required Guid DiscrepancyId { get; init; }

    public required DiscrepancyPhase Phase { get; init; }

    public required DiscrepancyKind Kind { get; init; }

    public required Severity Severity { get; init; }

    public required string CameraId { get; init; }

    public string? ZoneId { get; init; }

    /// <summary>Store/aisle/bay/shelf location, as the planogram names it.</summary>
    public string? LocationId { get; init; }

    public string? Sku { get; init; }

    public int? ObservedUnits { get; init; }

    public int? ExpectedUnits { get; init; }

    public int? ObservedFacings { get; init; }

    public int? PlannedFacings { get; init; }

    /// <summary>Share of the zone's width not covered by product, 0..1.</summary>
    public double? EmptyFraction { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Set on the <c>end</c> phase only.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    public EvidenceRef? Evidence { get; init; }

    public string? Detail { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        Add(problems, Identifiers.Check(CameraId, "camera id"));
        bool cameraHealth = Kind is DiscrepancyKind.CameraOffline or DiscrepancyKind.CameraStalled or DiscrepancyKind.ViewChanged;
        if (!cameraHealth)
        {
            Add(problems, Identifiers.Check(ZoneId, "zone id"));
            if (string.IsNullOrEmpty(LocationId))
            {
                problems.Add($"locationId is missing for a {Kind} discrepancy");
            }
        }
        CheckText(problems, "locationId", LocationId, 128);
        CheckText(problems, "sku", Sku, 64);
        CheckText(problems, "detail", Detail, 500);
        CheckCount(problems, "observedUnits", ObservedUnits);
        CheckCount(problems, "expectedUnits", ExpectedUnits);
        CheckCount(problems, "observedFacings", ObservedFacings);
        CheckCount(problems, "plannedFacings", PlannedFacings);
        CheckFraction(problems, "emptyFraction", EmptyFraction);
        CheckUtc(problems, "startedAt", StartedAt);
        CheckUtc(problems, "endedAt", EndedAt);
        if (Phase == DiscrepancyPhase.End && EndedAt is null)
        {
            problems.Add("endedAt is missing on an end event");
        }
        if (Phase != DiscrepancyPhase.End && EndedAt is not null)
        {
            problems.Add($"endedAt is set on a {Phase} event");
        }
        if (EndedAt < StartedAt)
        {
            problems.Add("endedAt is before startedAt");
        }
        if (Evidence is { } e)
        {
            Add(problems, Identifiers.Check(e.EvidenceId, "evidence id"));
            if (e.Sha256.Length != 64 || !e.Sha256.All(char.IsAsciiHexDigit))
            {
                problems.Add("evidence.sha256 is not 64 hex digits");
            }
            if (e.Width <= 0 || e.Height <= 0)
            {
                problems.Add("evidence size is not positive");
            }
        }
    }
}
