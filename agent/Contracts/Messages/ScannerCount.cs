using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

/// <summary>
/// An authoritative handheld count of one SKU at one location. Arrives at the agent's local HTTP endpoint
/// or, cloud → edge, on <see cref="Topics.ScannerCount"/>. <see cref="ContractMessage.DeviceId"/> names the
/// scanner; no model produced it, so <see cref="ContractMessage.ModelVersion"/> is null.
/// </summary>
public sealed record ScannerCount : ContractMessage, IContractMessage<ScannerCount>
{
    public const string SchemaId = "edgeinv.scanner-count/1";

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.scanner-count";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 4 * 1024;

    public static JsonTypeInfo<ScannerCount> JsonTypeInfo => ContractsJsonContext.Default.ScannerCount;

    protected override bool RequiresModelVersion => false;

    public required string LocationId { get; init; }

    public required string Sku { get; init; }

    public required int Quantity { get; init; }

    public required DateTimeOffset CountedAt { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        if (string.IsNullOrEmpty(LocationId))
        {
            problems.Add("locationId is empty");
        }
        if (string.IsNullOrEmpty(Sku))
        {
            problems.Add("sku is empty");
        }
        CheckText(problems, "locationId", LocationId, 128);
        CheckText(problems, "sku", Sku, 64);
        CheckCount(problems, "quantity", Quantity);
        CheckUtc(problems, "countedAt", CountedAt);
    }
}
