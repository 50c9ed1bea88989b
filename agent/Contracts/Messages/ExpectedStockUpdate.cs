using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

[JsonConverter(typeof(StrictEnumConverter<ExpectedStockMode>))]
public enum ExpectedStockMode
{
    /// <summary>The items are the store's whole expected stock; locations not listed have none expected.</summary>
    Replace,

    /// <summary>The items change only the locations they name.</summary>
    Merge,
}

public sealed record ExpectedStockItem
{
    public required string LocationId { get; init; }

    public required string Sku { get; init; }

    public required int ExpectedUnits { get; init; }

    public int? MinFacings { get; init; }

    public int? Capacity { get; init; }
}

/// <summary>Cloud → edge: expected stock per location and SKU (from the ERP or replenishment).</summary>
public sealed record ExpectedStockUpdate : ContractMessage, IContractMessage<ExpectedStockUpdate>
{
    public const string SchemaId = "edgeinv.expected-stock/1";
    public const int MaxItems = 20_000;

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.expected-stock";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 4 * 1024 * 1024;

    public static JsonTypeInfo<ExpectedStockUpdate> JsonTypeInfo => ContractsJsonContext.Default.ExpectedStockUpdate;

    protected override bool RequiresModelVersion => false;

    public required ExpectedStockMode Mode { get; init; }

    public required DateTimeOffset EffectiveAt { get; init; }

    public required IReadOnlyList<ExpectedStockItem> Items { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        CheckUtc(problems, "effectiveAt", EffectiveAt);
        if (Items.Count > MaxItems)
        {
            problems.Add($"items has {Items.Count} entries; at most {MaxItems}");
        }
        for (int i = 0; i < Items.Count && problems.Count < 20; i++)
        {
            ExpectedStockItem item = Items[i];
            if (string.IsNullOrEmpty(item.LocationId) || string.IsNullOrEmpty(item.Sku))
            {
                problems.Add($"items[{i}] has an empty locationId or sku");
            }
            CheckText(problems, $"items[{i}].locationId", item.LocationId, 128);
            CheckText(problems, $"items[{i}].sku", item.Sku, 64);
            CheckCount(problems, $"items[{i}].expectedUnits", item.ExpectedUnits);
            CheckCount(problems, $"items[{i}].minFacings", item.MinFacings);
            CheckCount(problems, $"items[{i}].capacity", item.Capacity);
        }
    }
}
