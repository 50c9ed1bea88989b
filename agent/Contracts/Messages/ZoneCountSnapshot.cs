using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

/// <summary>Smoothed counts of one zone over the snapshot window.</summary>
public sealed record ZoneCount
{
    public required string ZoneId { get; init; }

    public required string LocationId { get; init; }

    public string? Sku { get; init; }

    public required int Facings { get; init; }

    /// <summary>Facings × depth (depth refined from scanner counts where there are any).</summary>
    public required int Units { get; init; }

    public required double EmptyFraction { get; init; }

    /// <summary>True when the window's frames showed the zone blocked (a shopper, a trolley).</summary>
    public required bool Occluded { get; init; }
}

/// <summary>
/// Periodic per-camera counts for the stock map. Droppable: when the outbox is full the oldest snapshots
/// go first, because a newer snapshot supersedes them.
/// </summary>
public sealed record ZoneCountSnapshot : ContractMessage, IContractMessage<ZoneCountSnapshot>
{
    public const string SchemaId = "edgeinv.zone-counts/1";
    public const int MaxZones = 512;

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.zone-counts";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => 128 * 1024;

    public static JsonTypeInfo<ZoneCountSnapshot> JsonTypeInfo => ContractsJsonContext.Default.ZoneCountSnapshot;

    public required string CameraId { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public required IReadOnlyList<ZoneCount> Zones { get; init; }

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        Add(problems, Identifiers.Check(CameraId, "camera id"));
        CheckUtc(problems, "windowStart", WindowStart);
        CheckUtc(problems, "windowEnd", WindowEnd);
        if (WindowEnd < WindowStart)
        {
            problems.Add("windowEnd is before windowStart");
        }
        if (Zones.Count > MaxZones)
        {
            problems.Add($"zones has {Zones.Count} entries; at most {MaxZones}");
        }
        for (int i = 0; i < Zones.Count && problems.Count < 20; i++)
        {
            ZoneCount z = Zones[i];
            Add(problems, Identifiers.Check(z.ZoneId, $"zones[{i}].zoneId"));
            CheckText(problems, $"zones[{i}].locationId", z.LocationId, 128);
            CheckCount(problems, $"zones[{i}].facings", z.Facings);
            CheckCount(problems, $"zones[{i}].units", z.Units);
            CheckFraction(problems, $"zones[{i}].emptyFraction", z.EmptyFraction);
        }
    }
}
