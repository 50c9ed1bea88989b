using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

/// <summary>
/// What every message carries: its schema (name and version), a unique time-ordered event id (the
/// idempotency key), when it happened (UTC), who sent it and the model version that produced it.
/// </summary>
public abstract record ContractMessage
{
    /// <summary>"name/version", e.g. <c>edgeinv.discrepancy/1</c>; written first so readers can dispatch on it.</summary>
    [JsonPropertyOrder(-100)]
    public abstract string Schema { get; }

    /// <summary>UUIDv7 from <see cref="EventIds.NewId()"/>; a redelivery keeps its id.</summary>
    [JsonPropertyOrder(-90)]
    public required Guid EventId { get; init; }

    /// <summary>When the state change happened, in UTC (an offset other than Z is rejected).</summary>
    [JsonPropertyOrder(-80)]
    public required DateTimeOffset OccurredAt { get; init; }

    [JsonPropertyOrder(-70)]
    public required string StoreId { get; init; }

    /// <summary>The edge device that produced the message, or the cloud service for cloud → edge messages.</summary>
    [JsonPropertyOrder(-60)]
    public required string DeviceId { get; init; }

    /// <summary>Model name and version (e.g. <c>shelf-yolo11n 2025.06.1</c>); null only for messages no model produced.</summary>
    [JsonPropertyOrder(-50)]
    public required string? ModelVersion { get; init; }

    /// <summary>Whether a message of this kind must name the model version that produced it.</summary>
    protected virtual bool RequiresModelVersion => true;

    /// <summary>Adds one line per invalid value to <paramref name="problems"/>.</summary>
    protected internal virtual void Validate(List<string> problems)
    {
        if (EventId.Version != 7)
        {
            problems.Add($"eventId {EventId} is not a UUIDv7");
        }
        CheckUtc(problems, "occurredAt", OccurredAt);
        Add(problems, Identifiers.CheckStoreId(StoreId));
        Add(problems, Identifiers.Check(DeviceId, "device id"));
        if (RequiresModelVersion && string.IsNullOrWhiteSpace(ModelVersion))
        {
            problems.Add("modelVersion is missing");
        }
        CheckText(problems, "modelVersion", ModelVersion, 128);
    }

    protected static void Add(List<string> problems, string? problem)
    {
        if (problem is not null)
        {
            problems.Add(problem);
        }
    }

    protected static void CheckUtc(List<string> problems, string name, DateTimeOffset? value)
    {
        if (value is { } v && v.Offset != TimeSpan.Zero)
        {
            problems.Add($"{name} {v:O} is not UTC");
        }
    }

    protected static void CheckText(List<string> problems, string name, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            problems.Add($"{name} is longer than {maxLength} characters");
        }
    }

    protected static void CheckCount(List<string> problems, string name, long? value)
    {
        if (value < 0)
        {
            problems.Add($"{name} is negative ({value})");
        }
    }

    protected static void CheckFraction(List<string> problems, string name, double? value)
    {
        if (value is { } v && !(v >= 0 && v <= 1))
        {
            problems.Add($"{name} {v} is outside [0, 1]");
        }
    }
}

/// <summary>Static facts about one message type, used by <see cref="ContractParser"/>.</summary>
public interface IContractMessage<TSelf> where TSelf : ContractMessage, IContractMessage<TSelf>
{
    static abstract string SchemaName { get; }

    static abstract int SchemaVersion { get; }

    /// <summary>Larger inbound payloads are rejected before they are parsed.</summary>
    static abstract int MaxPayloadBytes { get; }

    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }
}

/// <summary>Enum values travel as strings; numbers are refused so a reordered enum cannot change meaning.</summary>
public sealed class StrictEnumConverter<TEnum> : JsonStringEnumConverter<TEnum> where TEnum : struct, Enum
{
    public StrictEnumConverter() : base(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    {
    }
}
