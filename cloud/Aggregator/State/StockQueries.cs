using System.Data.Common;
using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Storage;

namespace EdgeInventory.Cloud.State;

/// <summary>One store at a glance (the chain overview's row).</summary>
public sealed record StoreSummary
{
    public required string StoreId { get; init; }

    public string? Name { get; init; }

    public string? Region { get; init; }

    public int Zones { get; init; }

    public int OpenOutOfStock { get; init; }

    public int OpenBelowMinimum { get; init; }

    public int OpenGaps { get; init; }

    public int OpenAlerts { get; init; }

    public int DevicesOnline { get; init; }

    public int Devices { get; init; }

    /// <summary>Share of zones without an open out-of-stock, now; null for a store with no zones yet.</summary>
    public double? AvailabilityNow { get; init; }

    /// <summary>Time-weighted share of zone-time in stock over the last 24 h and 7 d.</summary>
    public double? Availability24h { get; init; }

    public double? Availability7d { get; init; }

    public DateTimeOffset LastSeen { get; init; }
}

/// <summary>The latest state of one store × location × SKU.</summary>
public sealed record ZoneState
{
    public required string LocationId { get; init; }

    public string? Sku { get; init; }

    public required string ZoneId { get; init; }

    public required string CameraId { get; init; }

    public required string DeviceId { get; init; }

    public int? Facings { get; init; }

    public int? Units { get; init; }

    public double? EmptyFraction { get; init; }

    public bool Occluded { get; init; }

    public DateTimeOffset? ObservedAt { get; init; }

    /// <summary>Seconds since the zone was last seen.</summary>
    public double? AgeSeconds { get; init; }

    public int? ExpectedUnits { get; init; }

    public int? MinFacings { get; init; }

    public IReadOnlyList<string> OpenDiscrepancies { get; init; } = [];

    public string? CameraState { get; init; }

    /// <summary>An open camera-health discrepancy (cameraOffline, cameraStalled, viewChanged), if any.</summary>
    public string? CameraIssue { get; init; }

    public string? DeviceStatus { get; init; }

    public bool DeviceOnline { get; init; }
}

public sealed record DeviceState(string DeviceId, string Status, bool Online, DateTimeOffset LastSeen, string? StatusReason, string? AgentVersion, string? ModelVersion, long? OutboxPending, int? OpenDiscrepancies);

public sealed record CameraInfo(string CameraId, string DeviceId, string State, DateTimeOffset StateAt, string? HealthIssue, long? FramesCaptured, long? FramesSkipped);

public sealed record StoreDetail(StoreSummary Summary, IReadOnlyList<ZoneState> Zones, IReadOnlyList<DeviceState> Devices, IReadOnlyList<CameraInfo> Cameras);

public sealed record CountPoint(DateTimeOffset ObservedAt, int Facings, int Units, double EmptyFraction, bool Occluded, string? Sku);

public sealed record DiscrepancyRecord
{
    public required string Id { get; init; }

    public required string StoreId { get; init; }

    public required string DeviceId { get; init; }

    public required string CameraId { get; init; }

    public string? ZoneId { get; init; }

    public string? LocationId { get; init; }

    public string? Sku { get; init; }

    public required string Kind { get; init; }

    public required string Severity { get; init; }

    public required string State { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public int? ObservedUnits { get; init; }

    public int? ExpectedUnits { get; init; }

    public int? ObservedFacings { get; init; }

    public int? PlannedFacings { get; init; }

    public double? EmptyFraction { get; init; }

    public string? EvidenceId { get; init; }

    public string? Detail { get; init; }

    public string? ModelVersion { get; init; }

    public IReadOnlyList<DiscrepancyStep>? Events { get; init; }
}

public sealed record DiscrepancyStep(string EventId, string Phase, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, string Severity, int? ObservedUnits, int? ExpectedUnits, double? EmptyFraction, string? EvidenceId, string? Detail);

/// <summary>Filters of a list; <see cref="Stores"/> null means every store (the caller's scope is applied by the API).</summary>
public sealed record ListFilter(IReadOnlyCollection<string>? Stores, string? State, string? Kind, DateTimeOffset? From, DateTimeOffset? To, int Limit);

/// <summary>
/// What head office and operators read: the chain overview, a store with its zones, a zone's count history,
/// discrepancies and alerts. Read-only, each call one snapshot.
/// </summary>
public sealed class StockQueries
{
    private readonly CloudDatabase _database;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _heartbeatTimeout;
    private readonly Lock _cacheGate = new();
    private (DateTimeOffset At, Dictionary<string, (double? Day, double? Week)> Values)? _windowed;

    public StockQueries(CloudDatabase database, TimeProvider clock, TimeSpan heartbeatTimeout)
    {
        _database = database;
        _clock = clock;
        _heartbeatTimeout = heartbeatTimeout;
    }

    /// <summary>How long the 24 h / 7 d availability figures are reused: they move slowly and cost a scan of a week's discrepancies.</summary>
    public static readonly TimeSpan WindowedCacheAge = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyList<StoreSummary>> StoresAsync(IReadOnlyCollection<string>? scope, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        return Summaries(s, scope, now);
    }

    public async Task<StoreDetail?> StoreAsync(string storeId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        StoreSummary? summary = Summaries(s, [storeId], now).FirstOrDefault();
        if (summary is null)
        {
            return null;
        }
        var devices = new List<DeviceState>();
        using (DbDataReader r = s.Query("SELECT device_id, status, last_seen, status_reason, agent_version, model_version, outbox_pending, open_discrepancies FROM devices WHERE store_id = @s ORDER BY device_id", ("@s", storeId)))
        {
            while (r.Read())
            {
                string status = r.GetString(1);
                DateTimeOffset seen = CloudDatabase.Time(r.GetInt64(2));
                devices.Add(new DeviceState(r.GetString(0), status, IsOnline(status, seen, now), seen, CloudDatabase.StringOrNull(r, 3), CloudDatabase.StringOrNull(r, 4),
                    CloudDatabase.StringOrNull(r, 5), r.IsDBNull(6) ? null : r.GetInt64(6), CloudDatabase.IntOrNull(r, 7)));
            }
        }
        var cameras = new List<CameraInfo>();
        using (DbDataReader r = s.Query("SELECT camera_id, device_id, state, state_at, health_issue, frames_captured, frames_skipped FROM cameras WHERE store_id = @s ORDER BY camera_id", ("@s", storeId)))
        {
            while (r.Read())
            {
                cameras.Add(new CameraInfo(r.GetString(0), r.GetString(1), r.GetString(2), CloudDatabase.Time(r.GetInt64(3)), CloudDatabase.StringOrNull(r, 4),
                    r.IsDBNull(5) ? null : r.GetInt64(5), r.IsDBNull(6) ? null : r.GetInt64(6)));
            }
        }
        var open = new Dictionary<(string, string), List<string>>();
        using (DbDataReader r = s.Query("SELECT location_id, sku, kind FROM discrepancies WHERE state = 'open' AND store_id = @s AND location_id IS NOT NULL", ("@s", storeId)))
        {
            while (r.Read())
            {
                var key = (r.GetString(0), CloudDatabase.StringOrNull(r, 1) ?? "");
                if (!open.TryGetValue(key, out List<string>? kinds))
                {
                    open[key] = kinds = [];
                }
                kinds.Add(r.GetString(2));
            }
        }
        var zones = new List<ZoneState>();
        Dictionary<string, DeviceState> deviceById = devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        Dictionary<string, CameraInfo> cameraById = cameras.ToDictionary(c => c.CameraId, StringComparer.Ordinal);
        using (DbDataReader r = s.Query("""
            SELECT z.location_id, z.sku, z.zone_id, z.camera_id, z.device_id, z.facings, z.units, z.empty_fraction, z.occluded, z.observed_at,
                COALESCE(x.expected_units, z.expected_units), x.min_facings
            FROM zones z LEFT JOIN expected_stock x ON x.store_id = z.store_id AND x.location_id = z.location_id AND x.sku = z.sku
            WHERE z.store_id = @s ORDER BY z.location_id, z.sku
            """, ("@s", storeId)))
        {
            while (r.Read())
            {
                string location = r.GetString(0), sku = r.GetString(1), camera = r.GetString(3), device = r.GetString(4);
                DateTimeOffset? observed = CloudDatabase.TimeOrNull(r, 9);
                cameraById.TryGetValue(camera, out CameraInfo? cam);
                deviceById.TryGetValue(device, out DeviceState? dev);
                zones.Add(new ZoneState
                {
                    LocationId = location,
                    Sku = sku.Length == 0 ? null : sku,
                    ZoneId = r.GetString(2),
                    CameraId = camera,
                    DeviceId = device,
                    Facings = CloudDatabase.IntOrNull(r, 5),
                    Units = CloudDatabase.IntOrNull(r, 6),
                    EmptyFraction = CloudDatabase.DoubleOrNull(r, 7),
                    Occluded = Convert.ToInt64(r.GetValue(8), CultureInfo.InvariantCulture) != 0,
                    ObservedAt = observed,
                    AgeSeconds = observed is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
                    ExpectedUnits = CloudDatabase.IntOrNull(r, 10),
                    MinFacings = CloudDatabase.IntOrNull(r, 11),
                    OpenDiscrepancies = open.TryGetValue((location, sku), out List<string>? kinds) ? kinds : [],
                    CameraState = cam?.State,
                    CameraIssue = cam?.HealthIssue,
                    DeviceStatus = dev?.Status,
                    DeviceOnline = dev?.Online ?? false,
                });
            }
        }
        return new StoreDetail(summary, zones, devices, cameras);
    }

    /// <summary>A zone's counts in [from, to]; without <paramref name="sku"/>, every SKU's at the location.</summary>
    public async Task<IReadOnlyList<CountPoint>> ZoneHistoryAsync(string storeId, string locationId, string? sku, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        var points = new List<CountPoint>();
        using DbDataReader r = s.Query("""
            SELECT observed_at, facings, units, empty_fraction, occluded, sku FROM count_history
            WHERE store_id = @s AND location_id = @l AND (@any = 1 OR sku = @sku) AND observed_at >= @f AND observed_at <= @t ORDER BY observed_at LIMIT 20000
            """, ("@s", storeId), ("@l", locationId), ("@any", sku is null ? 1 : 0), ("@sku", sku ?? ""), ("@f", CloudDatabase.Ms(from)), ("@t", CloudDatabase.Ms(to)));
        while (r.Read())
        {
            points.Add(new CountPoint(CloudDatabase.Time(r.GetInt64(0)), r.GetInt32(1), r.GetInt32(2), r.GetDouble(3), Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture) != 0,
                r.GetString(5) is { Length: > 0 } k ? k : null));
        }
        return points;
    }

    private const string DiscrepancyColumns = "discrepancy_id, store_id, device_id, camera_id, zone_id, location_id, sku, kind, severity, state, started_at, ended_at, " +
        "observed_units, expected_units, observed_facings, planned_facings, empty_fraction, evidence_id, detail, model_version";

    public async Task<IReadOnlyList<DiscrepancyRecord>> DiscrepanciesAsync(ListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder($"SELECT {DiscrepancyColumns} FROM discrepancies WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        AddStores(sql, parameters, "store_id", filter.Stores);
        if (filter.State is not null)
        {
            sql.Append(" AND state = @state");
            parameters.Add(("@state", filter.State));
        }
        if (filter.Kind is not null)
        {
            sql.Append(" AND kind = @kind");
            parameters.Add(("@kind", filter.Kind));
        }
        if (filter.From is { } from)
        {
            sql.Append(" AND (ended_at IS NULL OR ended_at >= @from)");
            parameters.Add(("@from", CloudDatabase.Ms(from)));
        }
        if (filter.To is { } to)
        {
            sql.Append(" AND started_at <= @to");
            parameters.Add(("@to", CloudDatabase.Ms(to)));
        }
        sql.Append(" ORDER BY started_at DESC, discrepancy_id LIMIT @limit");
        parameters.Add(("@limit", filter.Limit));
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        var list = new List<DiscrepancyRecord>();
        using DbDataReader r = s.Query(sql.ToString(), [.. parameters]);
        while (r.Read())
        {
            list.Add(ReadDiscrepancy(r));
        }
        return list;
    }

    public async Task<DiscrepancyRecord?> DiscrepancyAsync(string id, CancellationToken cancellationToken)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        DiscrepancyRecord? d;
        using (DbDataReader r = s.Query($"SELECT {DiscrepancyColumns} FROM discrepancies WHERE discrepancy_id = @d", ("@d", id)))
        {
            d = r.Read() ? ReadDiscrepancy(r) : null;
        }
        if (d is null)
        {
            return null;
        }
        var steps = new List<DiscrepancyStep>();
        using (DbDataReader r = s.Query("""
            SELECT event_id, phase, occurred_at, received_at, severity, observed_units, expected_units, empty_fraction, evidence_id, detail
            FROM discrepancy_events WHERE discrepancy_id = @d ORDER BY occurred_at, event_id
            """, ("@d", id)))
        {
            while (r.Read())
            {
                steps.Add(new DiscrepancyStep(r.GetString(0), r.GetString(1), CloudDatabase.Time(r.GetInt64(2)), CloudDatabase.Time(r.GetInt64(3)), r.GetString(4),
                    CloudDatabase.IntOrNull(r, 5), CloudDatabase.IntOrNull(r, 6), CloudDatabase.DoubleOrNull(r, 7), CloudDatabase.StringOrNull(r, 8), CloudDatabase.StringOrNull(r, 9)));
            }
        }
        return d with { Events = steps };
    }

    public async Task<IReadOnlyList<AlertRecord>> AlertsAsync(ListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder($"SELECT {AlertRecord.Columns} FROM {AlertRecord.From} WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        AddStores(sql, parameters, "a.store_id", filter.Stores);
        if (filter.State is not null)
        {
            sql.Append(" AND a.state = @state");
            parameters.Add(("@state", filter.State));
        }
        if (filter.Kind is not null)
        {
            sql.Append(" AND a.kind = @kind");
            parameters.Add(("@kind", filter.Kind));
        }
        if (filter.From is { } from)
        {
            sql.Append(" AND a.updated_at >= @from");
            parameters.Add(("@from", CloudDatabase.Ms(from)));
        }
        if (filter.To is { } to)
        {
            sql.Append(" AND a.opened_at <= @to");
            parameters.Add(("@to", CloudDatabase.Ms(to)));
        }
        sql.Append(" ORDER BY a.opened_at DESC, a.alert_id LIMIT @limit");
        parameters.Add(("@limit", filter.Limit));
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        var list = new List<AlertRecord>();
        using DbDataReader r = s.Query(sql.ToString(), [.. parameters]);
        while (r.Read())
        {
            list.Add(AlertRecord.Read(r));
        }
        return list;
    }

    public async Task<AlertRecord?> AlertAsync(string id, CancellationToken cancellationToken)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        return AlertLifecycle.Load(s, id);
    }

    /// <summary>The photo of an evidence id, only when a stored discrepancy event names it with the same SHA-256.</summary>
    public async Task<(string StoreId, byte[] Jpeg, string Sha256)?> EvidenceAsync(string evidenceId, CancellationToken cancellationToken)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(_database, cancellationToken).ConfigureAwait(false);
        using DbDataReader r = s.Query("""
            SELECT e.store_id, e.bytes, e.sha256 FROM evidence e
            WHERE e.evidence_id = @id AND EXISTS (SELECT 1 FROM discrepancy_events d WHERE d.evidence_id = e.evidence_id AND d.evidence_sha256 = e.sha256)
            """, ("@id", evidenceId));
        return r.Read() ? (r.GetString(0), (byte[])r.GetValue(1), r.GetString(2)) : null;
    }

    private bool IsOnline(string status, DateTimeOffset lastSeen, DateTimeOffset now) => status != "offline" && now - lastSeen <= _heartbeatTimeout;

    private List<StoreSummary> Summaries(SqlSession s, IReadOnlyCollection<string>? scope, DateTimeOffset now)
    {
        var filterSql = new StringBuilder();
        var parameters = new List<(string, object?)>();
        AddStores(filterSql, parameters, "store_id", scope);
        string where = filterSql.ToString();
        (string, object?)[] ps = [.. parameters];

        var zones = Counts(s, $"SELECT store_id, COUNT(*) FROM zones WHERE 1 = 1{where} GROUP BY store_id", ps);
        var open = new Dictionary<(string Store, string Kind), int>();
        using (DbDataReader r = s.Query($"SELECT store_id, kind, COUNT(DISTINCT location_id) FROM discrepancies WHERE state = 'open'{where} GROUP BY store_id, kind", ps))
        {
            while (r.Read())
            {
                open[(r.GetString(0), r.GetString(1))] = Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture);
            }
        }
        var alerts = Counts(s, $"SELECT store_id, COUNT(*) FROM alerts WHERE state <> 'resolved'{where} GROUP BY store_id", ps);
        var devices = new Dictionary<string, (int Online, int All)>(StringComparer.Ordinal);
        long onlineSince = CloudDatabase.Ms(now - _heartbeatTimeout);
        using (DbDataReader r = s.Query($"SELECT store_id, SUM(CASE WHEN status <> 'offline' AND last_seen >= @since THEN 1 ELSE 0 END), COUNT(*) FROM devices WHERE 1 = 1{where} GROUP BY store_id",
            [.. ps, ("@since", onlineSince)]))
        {
            while (r.Read())
            {
                devices[r.GetString(0)] = (Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture));
            }
        }
        Dictionary<string, (double? Day, double? Week)> windowed = Windowed(s, zones, now);

        var list = new List<StoreSummary>();
        using (DbDataReader r = s.Query($"SELECT store_id, name, region, last_seen FROM stores WHERE 1 = 1{where} ORDER BY store_id", ps))
        {
            while (r.Read())
            {
                string id = r.GetString(0);
                int zoneCount = zones.GetValueOrDefault(id);
                int oos = open.GetValueOrDefault((id, "outOfStock"));
                (int online, int all) = devices.GetValueOrDefault(id);
                (double? day, double? week) = windowed.GetValueOrDefault(id);
                list.Add(new StoreSummary
                {
                    StoreId = id,
                    Name = CloudDatabase.StringOrNull(r, 1),
                    Region = CloudDatabase.StringOrNull(r, 2),
                    Zones = zoneCount,
                    OpenOutOfStock = oos,
                    OpenBelowMinimum = open.GetValueOrDefault((id, "belowMinimum")),
                    OpenGaps = open.GetValueOrDefault((id, "gap")),
                    OpenAlerts = alerts.GetValueOrDefault(id),
                    DevicesOnline = online,
                    Devices = all,
                    AvailabilityNow = zoneCount == 0 ? null : Math.Clamp(1.0 - ((double)oos / zoneCount), 0, 1),
                    Availability24h = day,
                    Availability7d = week,
                    LastSeen = CloudDatabase.Time(r.GetInt64(3)),
                });
            }
        }
        return list;
    }

    /// <summary>Time-weighted availability over 24 h and 7 d for every store, recomputed at most every <see cref="WindowedCacheAge"/>.</summary>
    private Dictionary<string, (double? Day, double? Week)> Windowed(SqlSession s, Dictionary<string, int> zones, DateTimeOffset now)
    {
        lock (_cacheGate)
        {
            if (_windowed is { } cached && now - cached.At < WindowedCacheAge && zones.Keys.All(cached.Values.ContainsKey))
            {
                return cached.Values;
            }
        }
        Dictionary<string, int> allZones = Counts(s, "SELECT store_id, COUNT(*) FROM zones GROUP BY store_id", []);
        Dictionary<string, double> day = OutOfStockMs(s, now - TimeSpan.FromDays(1), now);
        Dictionary<string, double> week = OutOfStockMs(s, now - TimeSpan.FromDays(7), now);
        var values = new Dictionary<string, (double?, double?)>(StringComparer.Ordinal);
        foreach ((string store, int count) in allZones)
        {
            double? Share(Dictionary<string, double> lost, TimeSpan window) =>
                count == 0 ? null : Math.Clamp(1.0 - (lost.GetValueOrDefault(store) / (count * window.TotalMilliseconds)), 0, 1);
            values[store] = (Share(day, TimeSpan.FromDays(1)), Share(week, TimeSpan.FromDays(7)));
        }
        lock (_cacheGate)
        {
            _windowed = (now, values);
        }
        return values;
    }

    private static Dictionary<string, double> OutOfStockMs(SqlSession s, DateTimeOffset from, DateTimeOffset to)
    {
        var lost = new Dictionary<string, double>(StringComparer.Ordinal);
        // Portable overlap of [started, ended or now] with [from, to]: CASE in place of LEAST/GREATEST (SQLite has neither).
        using DbDataReader r = s.Query("""
            SELECT store_id, SUM(
                (CASE WHEN COALESCE(ended_at, @to) < @to THEN COALESCE(ended_at, @to) ELSE @to END)
              - (CASE WHEN started_at > @from THEN started_at ELSE @from END))
            FROM discrepancies WHERE kind = 'outOfStock' AND started_at < @to AND (ended_at IS NULL OR ended_at > @from)
            GROUP BY store_id
            """, ("@from", CloudDatabase.Ms(from)), ("@to", CloudDatabase.Ms(to)));
        while (r.Read())
        {
            lost[r.GetString(0)] = r.IsDBNull(1) ? 0 : Convert.ToDouble(r.GetValue(1), CultureInfo.InvariantCulture);
        }
        return lost;
    }

    private static Dictionary<string, int> Counts(SqlSession s, string sql, (string, object?)[] parameters)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using DbDataReader r = s.Query(sql, parameters);
        while (r.Read())
        {
            counts[r.GetString(0)] = Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture);
        }
        return counts;
    }

    private static void AddStores(StringBuilder sql, List<(string, object?)> parameters, string column, IReadOnlyCollection<string>? stores)
    {
        if (stores is null)
        {
            return;
        }
        if (stores.Count == 0)
        {
            sql.Append(" AND 1 = 0");
            return;
        }
        sql.Append(CultureInfo.InvariantCulture, $" AND {column} IN (");
        int i = 0;
        foreach (string store in stores)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"@st{i}");
            parameters.Add(($"@st{i}", store));
            i++;
        }
        sql.Append(')');
    }

    private static DiscrepancyRecord ReadDiscrepancy(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        StoreId = r.GetString(1),
        DeviceId = r.GetString(2),
        CameraId = r.GetString(3),
        ZoneId = CloudDatabase.StringOrNull(r, 4),
        LocationId = CloudDatabase.StringOrNull(r, 5),
        Sku = CloudDatabase.StringOrNull(r, 6),
        Kind = r.GetString(7),
        Severity = r.GetString(8),
        State = r.GetString(9),
        StartedAt = CloudDatabase.Time(r.GetInt64(10)),
        EndedAt = CloudDatabase.TimeOrNull(r, 11),
        ObservedUnits = CloudDatabase.IntOrNull(r, 12),
        ExpectedUnits = CloudDatabase.IntOrNull(r, 13),
        ObservedFacings = CloudDatabase.IntOrNull(r, 14),
        PlannedFacings = CloudDatabase.IntOrNull(r, 15),
        EmptyFraction = CloudDatabase.DoubleOrNull(r, 16),
        EvidenceId = CloudDatabase.StringOrNull(r, 17),
        Detail = CloudDatabase.StringOrNull(r, 18),
        ModelVersion = CloudDatabase.StringOrNull(r, 19),
    };
}
