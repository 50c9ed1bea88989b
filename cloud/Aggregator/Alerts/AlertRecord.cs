using System.Data.Common;
using System.Text.Json.Serialization;
using EdgeInventory.Cloud.Storage;

namespace EdgeInventory.Cloud.Alerts;

/// <summary>An alert as the API, the event stream and the webhooks show it.</summary>
public sealed record AlertRecord
{
    public required string Id { get; init; }

    public required string StoreId { get; init; }

    public string? ZoneId { get; init; }

    public string? LocationId { get; init; }

    public string? Sku { get; init; }

    public required string CameraId { get; init; }

    public required string DeviceId { get; init; }

    public required string Kind { get; init; }

    public required string Severity { get; init; }

    /// <summary><c>open</c>, <c>acknowledged</c> or <c>resolved</c>.</summary>
    public required string State { get; init; }

    /// <summary>Held while the camera or device that reported it is down: shown, not paged.</summary>
    public required bool Unverified { get; init; }

    public required bool Paged { get; init; }

    public required IReadOnlyList<string> Groups { get; init; }

    public required string Message { get; init; }

    public required string DiscrepancyId { get; init; }

    public string? ModelVersion { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public string? AcknowledgeComment { get; init; }

    public DateTimeOffset? SnoozedUntil { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public string? ResolvedBy { get; init; }

    public string? Resolution { get; init; }

    /// <summary>The evidence photo of the discrepancy's latest event that has one (<c>/api/v1/evidence/{id}</c>).</summary>
    public string? EvidenceId { get; init; }

    [JsonIgnore]
    public string SourceEventId { get; init; } = "";

    internal const string Columns =
        "a.alert_id, a.store_id, a.zone_id, a.location_id, a.sku, a.camera_id, a.device_id, a.kind, a.severity, a.state, a.unverified, a.paged, a.groups, a.message, " +
        "a.discrepancy_id, a.model_version, a.opened_at, a.updated_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_comment, a.snoozed_until, " +
        "a.resolved_at, a.resolved_by, a.resolution, a.source_event_id, d.evidence_id";

    internal const string From = "alerts a LEFT JOIN discrepancies d ON d.discrepancy_id = a.discrepancy_id";

    internal static AlertRecord Read(DbDataReader r, int o = 0) => new()
    {
        Id = r.GetString(o + 0),
        StoreId = r.GetString(o + 1),
        ZoneId = CloudDatabase.StringOrNull(r, o + 2),
        LocationId = CloudDatabase.StringOrNull(r, o + 3),
        Sku = CloudDatabase.StringOrNull(r, o + 4),
        CameraId = r.GetString(o + 5),
        DeviceId = r.GetString(o + 6),
        Kind = r.GetString(o + 7),
        Severity = r.GetString(o + 8),
        State = r.GetString(o + 9),
        Unverified = Convert.ToInt64(r.GetValue(o + 10), System.Globalization.CultureInfo.InvariantCulture) != 0,
        Paged = Convert.ToInt64(r.GetValue(o + 11), System.Globalization.CultureInfo.InvariantCulture) != 0,
        Groups = r.GetString(o + 12).Split(',', StringSplitOptions.RemoveEmptyEntries),
        Message = r.GetString(o + 13),
        DiscrepancyId = r.GetString(o + 14),
        ModelVersion = CloudDatabase.StringOrNull(r, o + 15),
        OpenedAt = CloudDatabase.Time(r.GetInt64(o + 16)),
        UpdatedAt = CloudDatabase.Time(r.GetInt64(o + 17)),
        AcknowledgedAt = CloudDatabase.TimeOrNull(r, o + 18),
        AcknowledgedBy = CloudDatabase.StringOrNull(r, o + 19),
        AcknowledgeComment = CloudDatabase.StringOrNull(r, o + 20),
        SnoozedUntil = CloudDatabase.TimeOrNull(r, o + 21),
        ResolvedAt = CloudDatabase.TimeOrNull(r, o + 22),
        ResolvedBy = CloudDatabase.StringOrNull(r, o + 23),
        Resolution = CloudDatabase.StringOrNull(r, o + 24),
        SourceEventId = r.GetString(o + 25),
        EvidenceId = CloudDatabase.StringOrNull(r, o + 26),
    };
}

/// <summary>What a webhook receives: the transition and the alert after it.</summary>
public sealed record AlertNotification(string Action, AlertRecord Alert);
