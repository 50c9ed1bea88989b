using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeInventory.Contracts;

/// <summary>
/// Source-generated serialization for every message. Reading is strict: unknown properties, missing
/// required ones, nulls in non-nullable places, duplicate properties, comments and trailing commas are
/// all refused, so a producer's mistake is seen at the first message rather than misread quietly.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    MaxDepth = 16,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(DiscrepancyEvent))]
[JsonSerializable(typeof(ZoneCountSnapshot))]
[JsonSerializable(typeof(DeviceStatus))]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(ScannerCount))]
[JsonSerializable(typeof(ExpectedStockUpdate))]
[JsonSerializable(typeof(OperatorAlert))]
[JsonSerializable(typeof(EvidencePhoto))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
