using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;

namespace EdgeInventory.Cloud.Ingest;

/// <summary>A message as it came off the broker.</summary>
public sealed record InboundMessage(string Topic, byte[] Payload, bool Retained);

/// <summary>What became of one message: stored, a redelivery of one already stored, or refused (with the reason label).</summary>
public readonly record struct IngestOutcome(IngestResult Result, string? Reason = null, string? Detail = null)
{
    public static readonly IngestOutcome Stored = new(IngestResult.Stored);
    public static readonly IngestOutcome Duplicate = new(IngestResult.Duplicate);

    public static IngestOutcome Refused(string reason, string detail) => new(IngestResult.Refused, reason, detail);
}

public enum IngestResult
{
    Stored,
    Duplicate,
    Refused,
}

/// <summary>
/// Applies messages from the edge to the database, a batch per transaction: idempotent by event id (a redelivery
/// changes nothing), tolerant of reordering (a discrepancy's end before its start, an older snapshot after a newer
/// one, a stale retained status), and strict: a message whose topic and payload disagree on the store or device, of
/// an unknown schema or version, with an impossible value or dated in the future is refused, kept in the bounded
/// dead-letter table and never stored as truth. Alert transitions happen in the same transaction.
/// </summary>
public sealed class IngestProcessor
{
    private readonly CloudOptions _options;
    private readonly AlertLifecycle _alerts;
    private readonly TimeProvider _clock;

    public IngestProcessor(CloudOptions options, AlertLifecycle alerts, TimeProvider clock)
    {
        _options = options;
        _alerts = alerts;
        _clock = clock;
    }

    /// <summary>Applies <paramref name="messages"/> in <paramref name="s"/>'s transaction (the caller commits); one outcome per message.</summary>
    public IngestOutcome[] Apply(SqlSession s, IReadOnlyList<InboundMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(messages);
        DateTimeOffset now = _clock.GetUtcNow();
        var outcomes = new IngestOutcome[messages.Count];
        var touched = new Dictionary<(string Store, string Device), DateTimeOffset>();
        for (int i = 0; i < messages.Count; i++)
        {
            InboundMessage m = messages[i];
            IngestOutcome outcome = ApplyOne(s, m, now, touched);
            if (outcome.Result == IngestResult.Refused)
            {
                DeadLetter(s, m, outcome, now);
            }
            outcomes[i] = outcome;
        }

        // Store and device "last seen", once per batch rather than once per message.
        foreach (((string store, string device), DateTimeOffset seen) in touched)
        {
            long t = CloudDatabase.Ms(seen);
            s.Execute("""
                INSERT INTO stores (store_id, first_seen, last_seen) VALUES (@s, @t, @t)
                ON CONFLICT (store_id) DO UPDATE SET last_seen = excluded.last_seen WHERE excluded.last_seen > stores.last_seen
                """, ("@s", store), ("@t", t));
            s.Execute("""
                INSERT INTO devices (store_id, device_id, status, status_at, last_seen) VALUES (@s, @d, 'unknown', 0, @t)
                ON CONFLICT (store_id, device_id) DO UPDATE SET last_seen = excluded.last_seen WHERE excluded.last_seen > devices.last_seen
                """, ("@s", store), ("@d", device), ("@t", t));
        }
        return outcomes;
    }

    private IngestOutcome ApplyOne(SqlSession s, InboundMessage m, DateTimeOffset now, Dictionary<(string, string), DateTimeOffset> touched)
    {
        if (!TryParseTopic(m.Topic, out string store, out string device, out string leaf, out string? evidenceId))
        {
            return IngestOutcome.Refused("unknownTopic", $"'{Truncate(m.Topic, 200)}' is not edgeinv/<store>/<device>/<kind> with a known kind");
        }
        return leaf switch
        {
            Topics.DiscrepancyLeaf => Handle<DiscrepancyEvent>(s, m, store, device, now, touched, ApplyDiscrepancy),
            Topics.CountsLeaf => Handle<ZoneCountSnapshot>(s, m, store, device, now, touched, ApplyCounts),
            Topics.StatusLeaf => Handle<DeviceStatus>(s, m, store, device, now, touched, (s2, msg, n) => ApplyStatus(s2, msg, m.Retained, n)),
            Topics.HeartbeatLeaf => Handle<Heartbeat>(s, m, store, device, now, touched, ApplyHeartbeat),
            Topics.EvidenceLeaf => Handle<EvidencePhoto>(s, m, store, device, now, touched, (s2, msg, n) =>
                msg.EvidenceId != evidenceId
                    ? IngestOutcome.Refused("evidenceMismatch", $"topic names evidence '{evidenceId}', payload '{msg.EvidenceId}'")
                    : ApplyEvidence(s2, msg, n)),
            _ => IngestOutcome.Refused("unknownTopic", $"'{leaf}' is not a message kind this aggregator reads"),
        };
    }

    private IngestOutcome Handle<T>(SqlSession s, InboundMessage m, string store, string device, DateTimeOffset now,
        Dictionary<(string, string), DateTimeOffset> touched, Func<SqlSession, T, DateTimeOffset, IngestOutcome> apply)
        where T : ContractMessage, IContractMessage<T>
    {
        ContractParseResult<T> parsed = ContractParser.Parse<T>(m.Payload);
        if (parsed.Message is not { } msg)
        {
            ContractRejection r = parsed.Rejection!;
            return IngestOutcome.Refused(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(r.Reason.ToString()), r.Detail);
        }
        if (msg.StoreId != store)
        {
            return IngestOutcome.Refused("storeMismatch", $"published on store '{store}''s topic but says store '{msg.StoreId}'");
        }
        if (msg.DeviceId != device)
        {
            return IngestOutcome.Refused("deviceMismatch", $"published on device '{device}''s topic but says device '{msg.DeviceId}'");
        }
        if (msg.OccurredAt > now + _options.Ingest.ClockSkew)
        {
            return IngestOutcome.Refused("futureDated", $"occurredAt {msg.OccurredAt:O} is more than {_options.Ingest.ClockSkew} ahead of the aggregator's clock");
        }
        // Heartbeats are QoS 0 and never redelivered; discrepancy events are de-duplicated by their own table's key
        // (one statement less on the busiest path); everything else by event id here, before it changes anything.
        if (msg is not Heartbeat and not DiscrepancyEvent
            && s.Execute("INSERT INTO received_events (event_id, received_at, schema_id) VALUES (@e, @t, @s) ON CONFLICT (event_id) DO NOTHING",
                ("@e", msg.EventId.ToString()), ("@t", CloudDatabase.Ms(now)), ("@s", msg.Schema)) == 0)
        {
            return IngestOutcome.Duplicate;
        }
        IngestOutcome outcome = apply(s, msg, now);
        if (outcome.Result == IngestResult.Refused)
        {
            // Refused after the id was recorded: forget it, so a corrected message with the same id is not a "duplicate".
            s.Execute("DELETE FROM received_events WHERE event_id = @e", ("@e", msg.EventId.ToString()));
            return outcome;
        }
        DateTimeOffset seen = msg.OccurredAt < now ? msg.OccurredAt : now;
        if (!touched.TryGetValue((store, device), out DateTimeOffset before) || seen > before)
        {
            touched[(store, device)] = seen;
        }
        return outcome;
    }

    private static bool IsCameraHealth(DiscrepancyKind k) => k is DiscrepancyKind.CameraOffline or DiscrepancyKind.CameraStalled or DiscrepancyKind.ViewChanged;

    private IngestOutcome ApplyDiscrepancy(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        string did = e.DiscrepancyId.ToString();
        string phase = e.Phase switch { DiscrepancyPhase.Start => "start", DiscrepancyPhase.Update => "update", _ => "end" };
        if (e.Evidence is { } ev && s.Scalar("SELECT sha256 FROM evidence WHERE evidence_id = @id", ("@id", ev.EvidenceId)) is string known && known != ev.Sha256)
        {
            return IngestOutcome.Refused("evidenceMismatch", $"evidence {ev.EvidenceId} was received with SHA-256 {known}, the event says {ev.Sha256}");
        }
        if (s.Execute("""
            INSERT INTO discrepancy_events (event_id, discrepancy_id, store_id, phase, occurred_at, received_at, severity, observed_units, expected_units,
                empty_fraction, evidence_id, evidence_sha256, detail)
            VALUES (@e, @d, @s, @p, @o, @r, @sev, @ou, @eu, @ef, @ev, @evs, @det)
            ON CONFLICT (event_id) DO NOTHING
            """,
            ("@e", e.EventId.ToString()), ("@d", did), ("@s", e.StoreId), ("@p", phase), ("@o", CloudDatabase.Ms(e.OccurredAt)), ("@r", CloudDatabase.Ms(now)),
            ("@sev", AlertLifecycle.Wire(e.Severity)), ("@ou", e.ObservedUnits), ("@eu", e.ExpectedUnits), ("@ef", e.EmptyFraction),
            ("@ev", e.Evidence?.EvidenceId), ("@evs", e.Evidence?.Sha256), ("@det", e.Detail)) == 0)
        {
            return IngestOutcome.Duplicate;
        }

        if (e.LocationId is not null && (e.ExpectedUnits is not null || e.PlannedFacings is not null))
        {
            // What the edge expects at the zone (its planogram and the cloud's imports): the stock map shows it.
            s.Execute("UPDATE zones SET expected_units = COALESCE(@eu, expected_units), planned_facings = COALESCE(@pf, planned_facings) WHERE store_id = @s AND location_id = @l AND sku = @sku",
                ("@eu", e.ExpectedUnits), ("@pf", e.PlannedFacings), ("@s", e.StoreId), ("@l", e.LocationId), ("@sku", e.Sku ?? ""));
        }

        string? state;
        long lastEventAt;
        using (var r = s.Query("SELECT state, last_event_at FROM discrepancies WHERE discrepancy_id = @d", ("@d", did)))
        {
            state = r.Read() ? r.GetString(0) : null;
            lastEventAt = state is null ? 0 : r.GetInt64(1);
        }

        long occurred = CloudDatabase.Ms(e.OccurredAt);
        bool newer = occurred >= lastEventAt;
        if (state is null)
        {
            // First word of this discrepancy, whatever its phase: an end that overtook its start creates it ended.
            s.Execute("""
                INSERT INTO discrepancies (discrepancy_id, store_id, device_id, camera_id, zone_id, location_id, sku, kind, severity, state,
                    started_at, ended_at, last_event_at, observed_units, expected_units, observed_facings, planned_facings, empty_fraction,
                    evidence_id, evidence_sha256, detail, model_version, updated_at)
                VALUES (@d, @s, @dev, @c, @z, @l, @sku, @k, @sev, @state, @st, @en, @o, @ou, @eu, @of, @pf, @ef, @ev, @evs, @det, @mv, @now)
                """, DiscrepancyValues(e, did, e.Phase == DiscrepancyPhase.End ? "ended" : "open", now));
            if (e.Phase != DiscrepancyPhase.End)
            {
                Opened(s, e, now);
            }
            return IngestOutcome.Stored;
        }

        if (e.Phase == DiscrepancyPhase.End)
        {
            if (state == "open")
            {
                s.Execute("UPDATE discrepancies SET state = 'ended', ended_at = @en, last_event_at = @o, severity = @sev, observed_units = @ou, " +
                    "expected_units = @eu, observed_facings = @of, empty_fraction = @ef, detail = @det, updated_at = @now WHERE discrepancy_id = @d",
                    ("@en", CloudDatabase.Ms(e.EndedAt)), ("@o", Math.Max(occurred, lastEventAt)), ("@sev", AlertLifecycle.Wire(e.Severity)),
                    ("@ou", e.ObservedUnits), ("@eu", e.ExpectedUnits), ("@of", e.ObservedFacings), ("@ef", e.EmptyFraction), ("@det", e.Detail),
                    ("@now", CloudDatabase.Ms(now)), ("@d", did));
                Ended(s, e, now);
            }
            return IngestOutcome.Stored;
        }

        // A start that arrives after an update or end only moves the start time back; values follow the newest event.
        s.Execute("UPDATE discrepancies SET started_at = @st WHERE discrepancy_id = @d AND started_at > @st", ("@st", CloudDatabase.Ms(e.StartedAt)), ("@d", did));
        if (state == "open" && newer)
        {
            s.Execute("UPDATE discrepancies SET last_event_at = @o, severity = @sev, observed_units = @ou, expected_units = @eu, observed_facings = @of, " +
                "planned_facings = @pf, empty_fraction = @ef, evidence_id = COALESCE(@ev, evidence_id), evidence_sha256 = COALESCE(@evs, evidence_sha256), " +
                "detail = @det, updated_at = @now WHERE discrepancy_id = @d",
                ("@o", occurred), ("@sev", AlertLifecycle.Wire(e.Severity)), ("@ou", e.ObservedUnits), ("@eu", e.ExpectedUnits), ("@of", e.ObservedFacings),
                ("@pf", e.PlannedFacings), ("@ef", e.EmptyFraction), ("@ev", e.Evidence?.EvidenceId), ("@evs", e.Evidence?.Sha256), ("@det", e.Detail),
                ("@now", CloudDatabase.Ms(now)), ("@d", did));
            if (!IsCameraHealth(e.Kind))
            {
                _alerts.OnDiscrepancyUpdate(s, e, now);
            }
        }
        return IngestOutcome.Stored;
    }

    private void Opened(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        if (IsCameraHealth(e.Kind))
        {
            string issue = AlertLifecycle.Wire(e.Kind);
            s.Execute("""
                INSERT INTO cameras (store_id, camera_id, device_id, state, state_at, health_issue, health_discrepancy_id) VALUES (@s, @c, @d, 'unknown', @t, @i, @di)
                ON CONFLICT (store_id, camera_id) DO UPDATE SET health_issue = excluded.health_issue, health_discrepancy_id = excluded.health_discrepancy_id
                """, ("@s", e.StoreId), ("@c", e.CameraId), ("@d", e.DeviceId), ("@t", CloudDatabase.Ms(e.OccurredAt)), ("@i", issue), ("@di", e.DiscrepancyId.ToString()));
            _alerts.HoldCamera(s, e.StoreId, e.CameraId, null, $"camera {e.CameraId}: {issue}", now);
        }
        _alerts.OnDiscrepancyOpen(s, e, now);
    }

    private void Ended(SqlSession s, DiscrepancyEvent e, DateTimeOffset now)
    {
        _alerts.OnDiscrepancyEnd(s, e, now);
        if (IsCameraHealth(e.Kind)
            && s.Execute("UPDATE cameras SET health_issue = NULL, health_discrepancy_id = NULL WHERE store_id = @s AND camera_id = @c AND health_discrepancy_id = @d",
                ("@s", e.StoreId), ("@c", e.CameraId), ("@d", e.DiscrepancyId.ToString())) > 0)
        {
            _alerts.ReleaseCamera(s, e.StoreId, now);
        }
    }

    private static (string, object?)[] DiscrepancyValues(DiscrepancyEvent e, string did, string state, DateTimeOffset now) =>
    [
        ("@d", did), ("@s", e.StoreId), ("@dev", e.DeviceId), ("@c", e.CameraId), ("@z", e.ZoneId), ("@l", e.LocationId), ("@sku", e.Sku),
        ("@k", AlertLifecycle.Wire(e.Kind)), ("@sev", AlertLifecycle.Wire(e.Severity)), ("@state", state), ("@st", CloudDatabase.Ms(e.StartedAt)),
        ("@en", CloudDatabase.Ms(e.EndedAt)), ("@o", CloudDatabase.Ms(e.OccurredAt)), ("@ou", e.ObservedUnits), ("@eu", e.ExpectedUnits),
        ("@of", e.ObservedFacings), ("@pf", e.PlannedFacings), ("@ef", e.EmptyFraction), ("@ev", e.Evidence?.EvidenceId), ("@evs", e.Evidence?.Sha256),
        ("@det", e.Detail), ("@mv", e.ModelVersion), ("@now", CloudDatabase.Ms(now)),
    ];

    private static IngestOutcome ApplyCounts(SqlSession s, ZoneCountSnapshot snapshot, DateTimeOffset now)
    {
        long observed = CloudDatabase.Ms(snapshot.WindowEnd);
        string eventId = snapshot.EventId.ToString();
        foreach (ZoneCount z in snapshot.Zones)
        {
            string sku = z.Sku ?? "";
            s.Execute("""
                INSERT INTO count_history (store_id, location_id, sku, observed_at, facings, units, empty_fraction, occluded, event_id)
                VALUES (@s, @l, @sku, @t, @f, @u, @e, @o, @id)
                """, ("@s", snapshot.StoreId), ("@l", z.LocationId), ("@sku", sku), ("@t", observed), ("@f", z.Facings), ("@u", z.Units),
                ("@e", z.EmptyFraction), ("@o", z.Occluded ? 1 : 0), ("@id", eventId));
            // The latest state moves only forward: an older snapshot arriving late is history, not the present.
            s.Execute("""
                INSERT INTO zones (store_id, location_id, sku, zone_id, camera_id, device_id, facings, units, empty_fraction, occluded, observed_at, model_version)
                VALUES (@s, @l, @sku, @z, @c, @d, @f, @u, @e, @o, @t, @mv)
                ON CONFLICT (store_id, location_id, sku) DO UPDATE SET zone_id = excluded.zone_id, camera_id = excluded.camera_id, device_id = excluded.device_id,
                    facings = excluded.facings, units = excluded.units, empty_fraction = excluded.empty_fraction, occluded = excluded.occluded,
                    observed_at = excluded.observed_at, model_version = excluded.model_version
                WHERE zones.observed_at IS NULL OR excluded.observed_at >= zones.observed_at
                """, ("@s", snapshot.StoreId), ("@l", z.LocationId), ("@sku", sku), ("@z", z.ZoneId), ("@c", snapshot.CameraId), ("@d", snapshot.DeviceId),
                ("@f", z.Facings), ("@u", z.Units), ("@e", z.EmptyFraction), ("@o", z.Occluded ? 1 : 0), ("@t", observed), ("@mv", snapshot.ModelVersion));
        }
        return IngestOutcome.Stored;
    }

    private IngestOutcome ApplyStatus(SqlSession s, DeviceStatus status, bool retained, DateTimeOffset now)
    {
        long at = CloudDatabase.Ms(status.OccurredAt);
        string value = status.State == DeviceState.Online ? "online" : "offline";
        string? before = null;
        long lastSeen = 0;
        using (var r = s.Query("SELECT status, last_seen FROM devices WHERE store_id = @s AND device_id = @d", ("@s", status.StoreId), ("@d", status.DeviceId)))
        {
            if (r.Read())
            {
                before = r.GetString(0);
                lastSeen = r.GetInt64(1);
            }
        }
        // A retained status replayed at subscribe time is old news when the device has been heard from since. A live
        // one is applied in arrival order: the last will is made at connect time, so its own timestamp is always old.
        if (retained && before is not null && at < lastSeen)
        {
            return IngestOutcome.Stored;
        }
        s.Execute("""
            INSERT INTO devices (store_id, device_id, status, status_reason, status_at, last_seen, agent_version, model_version)
            VALUES (@s, @d, @st, @r, @t, @t, @av, @mv)
            ON CONFLICT (store_id, device_id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason, status_at = excluded.status_at,
                agent_version = excluded.agent_version, model_version = excluded.model_version
            """, ("@s", status.StoreId), ("@d", status.DeviceId), ("@st", value), ("@r", status.Reason), ("@t", at), ("@av", status.AgentVersion), ("@mv", status.ModelVersion));
        if (value == "offline" && before != "offline")
        {
            _alerts.HoldCamera(s, status.StoreId, null, status.DeviceId, $"device {status.DeviceId} offline: {status.Reason}", now);
        }
        else if (value == "online" && before == "offline")
        {
            _alerts.ReleaseCamera(s, status.StoreId, now);
        }
        return IngestOutcome.Stored;
    }

    private static IngestOutcome ApplyHeartbeat(SqlSession s, Heartbeat h, DateTimeOffset now)
    {
        long at = CloudDatabase.Ms(h.OccurredAt);
        s.Execute("""
            INSERT INTO devices (store_id, device_id, status, status_at, last_seen, last_heartbeat, model_version, outbox_pending, open_discrepancies, uptime_seconds)
            VALUES (@s, @d, 'online', @t, @t, @t, @mv, @op, @od, @up)
            ON CONFLICT (store_id, device_id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, model_version = excluded.model_version,
                outbox_pending = excluded.outbox_pending, open_discrepancies = excluded.open_discrepancies, uptime_seconds = excluded.uptime_seconds
            WHERE devices.last_heartbeat IS NULL OR excluded.last_heartbeat > devices.last_heartbeat
            """, ("@s", h.StoreId), ("@d", h.DeviceId), ("@t", at), ("@mv", h.ModelVersion), ("@op", h.OutboxPending), ("@od", h.OpenDiscrepancies), ("@up", h.UptimeSeconds));
        foreach (CameraHealth c in h.Cameras)
        {
            s.Execute("""
                INSERT INTO cameras (store_id, camera_id, device_id, state, state_at, frames_captured, frames_skipped) VALUES (@s, @c, @d, @st, @t, @fc, @fs)
                ON CONFLICT (store_id, camera_id) DO UPDATE SET device_id = excluded.device_id, state = excluded.state, state_at = excluded.state_at,
                    frames_captured = excluded.frames_captured, frames_skipped = excluded.frames_skipped
                WHERE excluded.state_at >= cameras.state_at
                """, ("@s", h.StoreId), ("@c", c.CameraId), ("@d", h.DeviceId), ("@st", System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(c.State.ToString())),
                ("@t", at), ("@fc", c.FramesCaptured), ("@fs", c.FramesSkipped));
        }
        return IngestOutcome.Stored;
    }

    private static IngestOutcome ApplyEvidence(SqlSession s, EvidencePhoto p, DateTimeOffset now)
    {
        // The photo may come before or after its event; whichever comes second is checked against the first.
        using (var r = s.Query("SELECT evidence_sha256 FROM discrepancy_events WHERE evidence_id = @id AND evidence_sha256 <> @sha", ("@id", p.EvidenceId), ("@sha", p.Sha256)))
        {
            if (r.Read())
            {
                return IngestOutcome.Refused("evidenceMismatch", $"evidence {p.EvidenceId} hashes to {p.Sha256}, its discrepancy event says {r.GetString(0)}");
            }
        }
        s.Execute("""
            INSERT INTO evidence (evidence_id, store_id, device_id, discrepancy_id, source_event_id, camera_id, zone_id, sha256, width, height, bytes, received_at)
            VALUES (@id, @s, @d, @di, @se, @c, @z, @sha, @w, @h, @b, @t)
            ON CONFLICT (evidence_id) DO NOTHING
            """, ("@id", p.EvidenceId), ("@s", p.StoreId), ("@d", p.DeviceId), ("@di", p.DiscrepancyId.ToString()), ("@se", p.SourceEventId.ToString()),
            ("@c", p.CameraId), ("@z", p.ZoneId), ("@sha", p.Sha256), ("@w", p.Width), ("@h", p.Height), ("@b", p.Jpeg), ("@t", CloudDatabase.Ms(now)));
        return IngestOutcome.Stored;
    }

    private static void DeadLetter(SqlSession s, InboundMessage m, IngestOutcome outcome, DateTimeOffset now)
    {
        string? store = TryParseTopic(m.Topic, out string s0, out _, out _, out _) ? s0 : null;
        const int keep = 64 * 1024;
        byte[] payload = m.Payload.Length <= keep ? m.Payload : m.Payload[..keep];
        s.Execute("INSERT INTO dead_letters (received_at, topic, store_id, reason, detail, payload, payload_bytes) VALUES (@t, @topic, @s, @r, @d, @p, @n)",
            ("@t", CloudDatabase.Ms(now)), ("@topic", Truncate(m.Topic, 512)), ("@s", store), ("@r", outcome.Reason),
            ("@d", Truncate(outcome.Detail ?? "", 1000)), ("@p", payload), ("@n", m.Payload.Length));
    }

    /// <summary><c>edgeinv/&lt;store&gt;/&lt;device&gt;/&lt;leaf&gt;</c>, or <c>.../evidence/&lt;id&gt;</c>, with safe, unreserved ids.</summary>
    public static bool TryParseTopic(string topic, out string store, out string device, out string leaf, out string? evidenceId)
    {
        store = device = leaf = "";
        evidenceId = null;
        string[] parts = topic.Split('/');
        if (parts.Length is < 4 or > 5 || parts[0] != Topics.Root
            || Identifiers.CheckStoreId(parts[1]) is not null || Identifiers.Check(parts[2], "device id") is not null)
        {
            return false;
        }
        if (parts.Length == 5 && (parts[3] != Topics.EvidenceLeaf || Identifiers.Check(parts[4], "evidence id") is not null))
        {
            return false;
        }
        if (parts.Length == 4 && parts[3] == Topics.EvidenceLeaf)
        {
            return false;
        }
        store = parts[1];
        device = parts[2];
        leaf = parts[3];
        evidenceId = parts.Length == 5 ? parts[4] : null;
        return true;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
