using System.Text.Json;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;

namespace EdgeInventory.Cloud.Alerts;

/// <summary>
/// Every alert transition, inside the caller's transaction so an alert never disagrees with the discrepancy that
/// moved it: open (deduplicated per store + location + SKU + kind), update, resolve when the discrepancy ends,
/// acknowledge / resolve / snooze by hand, hold while the reporting camera or device is down and release after.
/// Each transition writes an audit row (which also feeds the event stream) and, for a paged alert, its deliveries
/// (MQTT and webhooks) into <c>alert_deliveries</c>, sent after the commit by <see cref="AlertDeliveryWorker"/>.
/// </summary>
public sealed class AlertLifecycle
{
    /// <summary>The cloud's sender id on <see cref="OperatorAlert"/> messages.</summary>
    public const string SenderId = "aggregator";

    private static readonly JsonSerializerOptions WebhookJson = new(JsonSerializerDefaults.Web);
    private readonly AlertRouter _router;
    private readonly AlertOptions _options;

    public AlertLifecycle(AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _router = new AlertRouter(options.Routes);
    }

    /// <summary>A discrepancy opened (or, for one routed only at a higher severity, grew into a routed one).</summary>
    public void OnDiscrepancyOpen(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(e);
        IReadOnlyList<string> groups = _router.Route(e.StoreId, e.LocationId, e.Sku, e.Kind, e.Severity);
        if (groups.Count == 0)
        {
            return;
        }
        string dedup = $"{e.StoreId}|{e.LocationId}|{e.Sku}|{Wire(e.Kind)}";
        string did = e.DiscrepancyId.ToString();
        string? existing = s.Scalar("SELECT alert_id FROM alerts WHERE dedup_key = @k AND state <> 'resolved'", ("@k", dedup)) as string;
        if (existing is not null)
        {
            // Another camera (or a restarted device) reports the same shortage: one alert follows the newest report.
            if (s.Execute("UPDATE alerts SET discrepancy_id = @d, source_event_id = @e, updated_at = @t WHERE alert_id = @a AND discrepancy_id <> @d",
                ("@d", did), ("@e", e.EventId.ToString()), ("@t", CloudDatabase.Ms(now)), ("@a", existing)) > 0)
            {
                Audit(s, existing, e.StoreId, now, "merged", Edge(e), $"now follows discrepancy {did}");
            }
            return;
        }

        bool unverified = IsCameraDown(s, e.StoreId, e.CameraId, e.DeviceId);
        string alertId = EventIds.NewId().ToString();
        s.Execute("""
            INSERT INTO alerts (alert_id, dedup_key, store_id, zone_id, location_id, sku, camera_id, device_id, kind, severity, state,
                unverified, paged, groups, message, discrepancy_id, source_event_id, model_version, opened_at, updated_at)
            VALUES (@a, @k, @s, @z, @l, @sku, @c, @dev, @kind, @sev, 'open', @u, 0, @g, @m, @d, @e, @mv, @t, @t)
            """,
            ("@a", alertId), ("@k", dedup), ("@s", e.StoreId), ("@z", e.ZoneId), ("@l", e.LocationId), ("@sku", e.Sku), ("@c", e.CameraId),
            ("@dev", e.DeviceId), ("@kind", Wire(e.Kind)), ("@sev", Wire(e.Severity)), ("@u", unverified ? 1 : 0), ("@g", string.Join(',', groups)),
            ("@m", MessageFor(e)), ("@d", did), ("@e", e.EventId.ToString()), ("@mv", e.ModelVersion), ("@t", CloudDatabase.Ms(now)));
        Audit(s, alertId, e.StoreId, now, "opened", Edge(e), unverified ? "held: the camera or device that reported it is down" : null);
        if (!unverified)
        {
            Page(s, alertId, now, "opened");
        }
    }

    /// <summary>The discrepancy changed (severity, counts): its alert follows; one not routed before may be now.</summary>
    public void OnDiscrepancyUpdate(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(e);
        string? alertId = s.Scalar("SELECT alert_id FROM alerts WHERE discrepancy_id = @d AND state <> 'resolved'", ("@d", e.DiscrepancyId.ToString())) as string;
        if (alertId is null)
        {
            // Not alerted yet: a belowMinimum at info severity that became a warning, say. A manually resolved one stays resolved.
            bool everAlerted = s.Scalar("SELECT 1 FROM alerts WHERE discrepancy_id = @d", ("@d", e.DiscrepancyId.ToString())) is not null;
            if (!everAlerted)
            {
                OnDiscrepancyOpen(s, e, now);
            }
            return;
        }
        s.Execute("UPDATE alerts SET severity = @sev, message = @m, source_event_id = @e, updated_at = @t WHERE alert_id = @a",
            ("@sev", Wire(e.Severity)), ("@m", MessageFor(e)), ("@e", e.EventId.ToString()), ("@t", CloudDatabase.Ms(now)), ("@a", alertId));
        Audit(s, alertId, e.StoreId, now, "updated", Edge(e), e.Detail);
    }

    /// <summary>The discrepancy ended (restocked, cleared): its alert resolves itself, saying who resolved it.</summary>
    public void OnDiscrepancyEnd(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(e);
        string? alertId = s.Scalar("SELECT alert_id FROM alerts WHERE discrepancy_id = @d AND state <> 'resolved'", ("@d", e.DiscrepancyId.ToString())) as string;
        if (alertId is null)
        {
            return;
        }
        string actor = Edge(e);
        s.Execute("UPDATE alerts SET state = 'resolved', resolved_at = @t, resolved_by = @by, resolution = @r, source_event_id = @e, updated_at = @t WHERE alert_id = @a",
            ("@t", CloudDatabase.Ms(now)), ("@by", actor), ("@r", "discrepancy ended: " + (e.Detail ?? "the shelf is back to normal")), ("@e", e.EventId.ToString()), ("@a", alertId));
        Audit(s, alertId, e.StoreId, now, "resolved", actor, "discrepancy ended");
        PageIfPaged(s, alertId, now, "resolved");
    }

    /// <summary>A camera went offline, stalled or its view changed (or its device went away): its open alerts are held as unverified.</summary>
    public void HoldCamera(SqlSession s, string storeId, string? cameraId, string? deviceId, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        var held = new List<string>();
        using (var r = s.Query(
            "SELECT alert_id FROM alerts WHERE store_id = @s AND state <> 'resolved' AND unverified = 0 AND (camera_id = @c OR device_id = @d)",
            ("@s", storeId), ("@c", cameraId ?? "\u0001"), ("@d", deviceId ?? "\u0001")))
        {
            while (r.Read())
            {
                held.Add(r.GetString(0));
            }
        }
        foreach (string alertId in held)
        {
            s.Execute("UPDATE alerts SET unverified = 1, updated_at = @t WHERE alert_id = @a", ("@t", CloudDatabase.Ms(now)), ("@a", alertId));
            Audit(s, alertId, storeId, now, "held", "aggregator", reason);
        }
    }

    /// <summary>A camera or device is back: held alerts whose camera and device are both up again are released, and paged if they never were.</summary>
    public void ReleaseCamera(SqlSession s, string storeId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        var candidates = new List<(string Id, string Camera, string Device, bool Paged)>();
        using (var r = s.Query("SELECT alert_id, camera_id, device_id, paged FROM alerts WHERE store_id = @s AND state <> 'resolved' AND unverified = 1", ("@s", storeId)))
        {
            while (r.Read())
            {
                candidates.Add((r.GetString(0), r.GetString(1), r.GetString(2), Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) != 0));
            }
        }
        foreach ((string id, string camera, string device, bool paged) in candidates)
        {
            if (IsCameraDown(s, storeId, camera, device))
            {
                continue;
            }
            s.Execute("UPDATE alerts SET unverified = 0, updated_at = @t WHERE alert_id = @a", ("@t", CloudDatabase.Ms(now)), ("@a", id));
            Audit(s, id, storeId, now, "released", "aggregator", "the camera and device are up again");
            if (!paged)
            {
                Page(s, id, now, "opened");
            }
        }
    }

    /// <summary>The result of an operator's action on an alert.</summary>
    public enum ActionResult
    {
        Done,
        NotFound,
        Conflict,
    }

    public ActionResult Acknowledge(SqlSession s, string alertId, string actor, string? comment, DateTimeOffset now, out string? conflict)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (Check(s, alertId, state => state != "open" ? $"alert {alertId} is {state}; only an open alert can be acknowledged" : null, out string? store, out conflict) is var check && check != ActionResult.Done)
        {
            return check;
        }
        s.Execute("UPDATE alerts SET state = 'acknowledged', acknowledged_at = @t, acknowledged_by = @by, acknowledge_comment = @c, updated_at = @t WHERE alert_id = @a",
            ("@t", CloudDatabase.Ms(now)), ("@by", actor), ("@c", comment), ("@a", alertId));
        Audit(s, alertId, store!, now, "acknowledged", actor, comment);
        PageIfPaged(s, alertId, now, "acknowledged");
        return ActionResult.Done;
    }

    public ActionResult Resolve(SqlSession s, string alertId, string actor, string? comment, DateTimeOffset now, out string? conflict)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (Check(s, alertId, state => state == "resolved" ? $"alert {alertId} is already resolved" : null, out string? store, out conflict) is var check && check != ActionResult.Done)
        {
            return check;
        }
        s.Execute("UPDATE alerts SET state = 'resolved', resolved_at = @t, resolved_by = @by, resolution = @r, updated_at = @t WHERE alert_id = @a",
            ("@t", CloudDatabase.Ms(now)), ("@by", actor), ("@r", "resolved by hand" + (comment is null ? "" : ": " + comment)), ("@a", alertId));
        Audit(s, alertId, store!, now, "resolved", actor, comment);
        PageIfPaged(s, alertId, now, "resolved");
        return ActionResult.Done;
    }

    public ActionResult Snooze(SqlSession s, string alertId, string actor, TimeSpan duration, DateTimeOffset now, out string? conflict)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (Check(s, alertId, state => state == "resolved" ? $"alert {alertId} is resolved; there is nothing to snooze" : null, out string? store, out conflict) is var check && check != ActionResult.Done)
        {
            return check;
        }
        DateTimeOffset until = now + duration;
        s.Execute("UPDATE alerts SET snoozed_until = @u, updated_at = @t WHERE alert_id = @a",
            ("@u", CloudDatabase.Ms(until)), ("@t", CloudDatabase.Ms(now)), ("@a", alertId));
        Audit(s, alertId, store!, now, "snoozed", actor, $"until {until:O}");
        return ActionResult.Done;
    }

    public static AlertRecord? Load(SqlSession s, string alertId)
    {
        ArgumentNullException.ThrowIfNull(s);
        using var r = s.Query($"SELECT {AlertRecord.Columns} FROM {AlertRecord.From} WHERE a.alert_id = @a", ("@a", alertId));
        return r.Read() ? AlertRecord.Read(r) : null;
    }

    internal static string Wire(DiscrepancyKind kind) => JsonNamingPolicy.CamelCase.ConvertName(kind.ToString());

    internal static string Wire(Severity severity) => JsonNamingPolicy.CamelCase.ConvertName(severity.ToString());

    private static string Edge(DiscrepancyEvent e) => $"edge:{e.StoreId}/{e.DeviceId}";

    /// <summary>NotFound, or Conflict with the reason <paramref name="refusal"/> gives for the alert's state, or Done.</summary>
    private static ActionResult Check(SqlSession s, string alertId, Func<string, string?> refusal, out string? store, out string? conflict)
    {
        (string? state, store) = StateOf(s, alertId);
        conflict = state is null ? null : refusal(state);
        return state is null ? ActionResult.NotFound : conflict is null ? ActionResult.Done : ActionResult.Conflict;
    }

    private static (string? State, string? Store) StateOf(SqlSession s, string alertId)
    {
        using var r = s.Query("SELECT state, store_id FROM alerts WHERE alert_id = @a", ("@a", alertId));
        return r.Read() ? (r.GetString(0), r.GetString(1)) : (null, null);
    }

    /// <summary>A later transition of an alert that was paged is delivered too; one never paged (held, unverified) is not.</summary>
    private void PageIfPaged(SqlSession s, string alertId, DateTimeOffset now, string action)
    {
        if (s.ScalarLong("SELECT paged FROM alerts WHERE alert_id = @a", ("@a", alertId)) == 1)
        {
            Page(s, alertId, now, action);
        }
    }

    /// <summary>Down: the camera has an open health discrepancy, or its device's retained status is offline.</summary>
    private static bool IsCameraDown(SqlSession s, string storeId, string cameraId, string deviceId)
    {
        string? issue = s.Scalar("SELECT health_issue FROM cameras WHERE store_id = @s AND camera_id = @c", ("@s", storeId), ("@c", cameraId)) as string;
        if (issue is not null)
        {
            return true;
        }
        return s.Scalar("SELECT status FROM devices WHERE store_id = @s AND device_id = @d", ("@s", storeId), ("@d", deviceId)) as string == "offline";
    }

    private static void Audit(SqlSession s, string alertId, string storeId, DateTimeOffset now, string action, string actor, string? detail) =>
        s.Execute("INSERT INTO alert_audit (alert_id, store_id, at, action, actor, detail) VALUES (@a, @s, @t, @act, @who, @d)",
            ("@a", alertId), ("@s", storeId), ("@t", CloudDatabase.Ms(now)), ("@act", action), ("@who", actor), ("@d", detail));

    /// <summary>Queues the transition's deliveries: the MQTT alert topic and each routed group's webhook.</summary>
    private void Page(SqlSession s, string alertId, DateTimeOffset now, string action)
    {
        AlertRecord alert = Load(s, alertId) ?? throw new InvalidOperationException($"alert {alertId} vanished in its own transaction");
        s.Execute("UPDATE alerts SET paged = 1 WHERE alert_id = @a", ("@a", alertId));
        if (_options.PublishMqtt)
        {
            byte[] payload = ContractParser.Serialize(ToOperatorAlert(alert, now));
            Enqueue(s, alertId, "mqtt", Topics.OperatorAlerts(alert.StoreId), payload, now);
        }
        foreach (string group in alert.Groups)
        {
            if (_options.Groups.TryGetValue(group, out AlertGroupOptions? g) && !string.IsNullOrEmpty(g.WebhookUrl))
            {
                byte[] body = JsonSerializer.SerializeToUtf8Bytes(new AlertNotification(action, alert with { Paged = true }), WebhookJson);
                Enqueue(s, alertId, "webhook", group, body, now);
            }
        }
    }

    private static void Enqueue(SqlSession s, string alertId, string channel, string target, byte[] payload, DateTimeOffset now) =>
        s.Execute("""
            INSERT INTO alert_deliveries (alert_id, channel, target, payload, state, attempts, next_attempt_at, lease_until, created_at)
            VALUES (@a, @c, @t, @p, 'pending', 0, @now, 0, @now)
            """, ("@a", alertId), ("@c", channel), ("@t", target), ("@p", payload), ("@now", CloudDatabase.Ms(now)));

    internal static OperatorAlert ToOperatorAlert(AlertRecord a, DateTimeOffset now) => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = now.ToUniversalTime(),
        StoreId = a.StoreId,
        DeviceId = SenderId,
        ModelVersion = a.ModelVersion,
        AlertId = Guid.Parse(a.Id),
        State = a.State switch { "acknowledged" => AlertState.Acknowledged, "resolved" => AlertState.Resolved, _ => AlertState.Raised },
        Severity = Enum.Parse<Severity>(a.Severity, ignoreCase: true),
        Kind = Enum.Parse<DiscrepancyKind>(a.Kind, ignoreCase: true),
        LocationId = a.LocationId,
        Sku = a.Sku,
        Message = a.Message,
        SourceEventIds = [Guid.Parse(a.SourceEventId)],
        Operator = a.State switch { "acknowledged" => a.AcknowledgedBy, "resolved" => a.ResolvedBy, _ => null },
    };

    private static string MessageFor(DiscrepancyEvent e)
    {
        string where = e.LocationId ?? e.ZoneId ?? e.CameraId;
        string what = e.Kind switch
        {
            DiscrepancyKind.OutOfStock => "Out of stock",
            DiscrepancyKind.BelowMinimum => "Below minimum",
            DiscrepancyKind.Gap => "Empty shelf space",
            DiscrepancyKind.OverCapacity => "Over capacity",
            DiscrepancyKind.CameraScannerDisagreement => "Camera and scanner disagree",
            DiscrepancyKind.UnexpectedProduct => "Unexpected product",
            DiscrepancyKind.CameraOffline => "Camera offline",
            DiscrepancyKind.CameraStalled => "Camera stalled",
            DiscrepancyKind.ViewChanged => "Camera view changed",
            _ => e.Kind.ToString(),
        };
        string units = e.ObservedUnits is { } o && e.ExpectedUnits is { } x ? $"; {o} of {x} units" : "";
        string sku = e.Sku is null ? "" : $" ({e.Sku})";
        return $"{what} at {where}{sku}{units}";
    }
}
