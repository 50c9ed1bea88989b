using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Forecasts;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;
using EdgeInventory.Reconciliation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Cloud.Api;

/// <summary>Body of acknowledge and resolve.</summary>
public sealed record AlertActionRequest(string? Comment);

/// <summary>Body of snooze: minutes from now (1 minute to 7 days).</summary>
public sealed record SnoozeRequest(int Minutes, string? Comment);

/// <summary>
/// The REST API under <c>/api/v1</c>. Every request carries an API key; a key scoped to some stores sees only those,
/// in lists, details, evidence and the event stream (another store's id is answered 404, as if it did not exist).
/// Errors are problem details with the reason.
/// </summary>
public static class ApiEndpoints
{
    private const int MaxLimit = 5000;

    public static void MapCloudApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        RouteGroupBuilder api = app.MapGroup("/api/v1");
        api.AddEndpointFilter(async (context, next) =>
        {
            ApiKeys keys = context.HttpContext.RequestServices.GetRequiredService<ApiKeys>();
            ApiCaller? caller = keys.Authenticate(context.HttpContext.Request);
            if (caller is null)
            {
                return Problem(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthorized", "a valid API key is needed (Authorization: Bearer KEY)");
            }
            context.HttpContext.Items[typeof(ApiCaller)] = caller;
            return await next(context).ConfigureAwait(false);
        });

        api.MapGet("/stores", async (HttpContext http, StockQueries q, CancellationToken ct) =>
            Results.Ok(await q.StoresAsync(Caller(http).Stores, ct).ConfigureAwait(false)))
            .WithSummary("Every store the key may see, at a glance");

        api.MapGet("/stores/{storeId}", async (string storeId, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            if (!Caller(http).MaySee(storeId))
            {
                return NotFound(http, $"store '{storeId}'");
            }
            StoreDetail? detail = await q.StoreAsync(storeId, ct).ConfigureAwait(false);
            return detail is null ? NotFound(http, $"store '{storeId}'") : Results.Ok(detail);
        }).WithSummary("A store with its zones, devices and cameras");

        api.MapGet("/stores/{storeId}/zone-history", async (string storeId, string? location, string? sku, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            if (!Caller(http).MaySee(storeId))
            {
                return NotFound(http, $"store '{storeId}'");
            }
            if (string.IsNullOrEmpty(location))
            {
                return Problem(http, StatusCodes.Status400BadRequest, "bad request", "'location' (the zone's location id) is required");
            }
            DateTimeOffset end = to ?? DateTimeOffset.UtcNow;
            DateTimeOffset start = from ?? end - TimeSpan.FromDays(1);
            if (start > end)
            {
                return Problem(http, StatusCodes.Status400BadRequest, "bad request", "'from' is after 'to'");
            }
            return Results.Ok(await q.ZoneHistoryAsync(storeId, location, sku, start, end, ct).ConfigureAwait(false));
        }).WithSummary("A zone's observed counts over time");

        api.MapGet("/discrepancies", async (string? store, string? state, string? kind, DateTimeOffset? from, DateTimeOffset? to, int? limit, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            if (state is not null && state is not ("open" or "ended"))
            {
                return Problem(http, StatusCodes.Status400BadRequest, "bad request", $"state '{state}' is not open or ended");
            }
            if (kind is not null && !Enum.GetNames<DiscrepancyKind>().Any(k => JsonNamingPolicy.CamelCase.ConvertName(k) == kind))
            {
                return Problem(http, StatusCodes.Status400BadRequest, "bad request", $"kind '{kind}' is not a discrepancy kind");
            }
            if (Filter(http, store, state, kind, from, to, limit) is not { } filter)
            {
                return LastProblem(http);
            }
            return Results.Ok(await q.DiscrepanciesAsync(filter, ct).ConfigureAwait(false));
        }).WithSummary("Discrepancies, newest first; filter by store, state, kind and time");

        api.MapGet("/discrepancies/{id}", async (string id, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            DiscrepancyRecord? d = await q.DiscrepancyAsync(id, ct).ConfigureAwait(false);
            return d is null || !Caller(http).MaySee(d.StoreId) ? NotFound(http, $"discrepancy '{id}'") : Results.Ok(d);
        }).WithSummary("A discrepancy with its full event history");

        api.MapGet("/alerts", async (string? store, string? state, string? kind, DateTimeOffset? from, DateTimeOffset? to, int? limit, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            if (state is not null && state is not ("open" or "acknowledged" or "resolved"))
            {
                return Problem(http, StatusCodes.Status400BadRequest, "bad request", $"state '{state}' is not open, acknowledged or resolved");
            }
            if (Filter(http, store, state, kind, from, to, limit) is not { } filter)
            {
                return LastProblem(http);
            }
            return Results.Ok(await q.AlertsAsync(filter, ct).ConfigureAwait(false));
        }).WithSummary("Alerts, newest first; filter by state and store");

        api.MapGet("/alerts/{id}", async (string id, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            AlertRecord? a = await q.AlertAsync(id, ct).ConfigureAwait(false);
            return a is null || !Caller(http).MaySee(a.StoreId) ? NotFound(http, $"alert '{id}'") : Results.Ok(a);
        }).WithSummary("One alert");

        api.MapPost("/alerts/{id}/acknowledge", (string id, AlertActionRequest? body, HttpContext http, AlertActions actions, CancellationToken ct) =>
            actions.RunAsync(http, id, (lifecycle, s, caller, now) => (lifecycle.Acknowledge(s, id, caller.Name, Comment(body?.Comment), now, out string? c), c), ct))
            .WithSummary("Acknowledge an open alert (who and when are recorded; optional comment)");

        api.MapPost("/alerts/{id}/resolve", (string id, AlertActionRequest? body, HttpContext http, AlertActions actions, CancellationToken ct) =>
            actions.RunAsync(http, id, (lifecycle, s, caller, now) => (lifecycle.Resolve(s, id, caller.Name, Comment(body?.Comment), now, out string? c), c), ct))
            .WithSummary("Resolve an alert by hand");

        api.MapPost("/alerts/{id}/snooze", (string id, SnoozeRequest? body, HttpContext http, AlertActions actions, CancellationToken ct) =>
        {
            if (body is null || body.Minutes is < 1 or > 7 * 24 * 60)
            {
                return Task.FromResult(Problem(http, StatusCodes.Status400BadRequest, "bad request", "'minutes' must be 1..10080"));
            }
            return actions.RunAsync(http, id, (lifecycle, s, caller, now) => (lifecycle.Snooze(s, id, caller.Name, TimeSpan.FromMinutes(body.Minutes), now, out string? c), c), ct);
        }).WithSummary("Snooze an alert for some minutes");

        api.MapGet("/evidence/{evidenceId}", async (string evidenceId, HttpContext http, StockQueries q, CancellationToken ct) =>
        {
            var found = await q.EvidenceAsync(evidenceId, ct).ConfigureAwait(false);
            if (found is not { } e || !Caller(http).MaySee(e.StoreId))
            {
                return NotFound(http, $"evidence '{evidenceId}'");
            }
            http.Response.Headers.ETag = $"\"{e.Sha256}\"";
            http.Response.Headers.CacheControl = "private, max-age=86400, immutable";
            return Results.File(e.Jpeg, "image/jpeg");
        }).WithSummary("The evidence photo behind a discrepancy (JPEG)");

        api.MapPost("/stores/{storeId}/expected-stock", ImportExpectedStockAsync)
            .WithSummary("Import expected stock (CSV as the agent reads it) and publish it to the store's devices (admin)");

        api.MapPost("/scanner-counts", ForwardScannerCountAsync)
            .WithSummary("Forward a handheld scanner count to the store's devices (operator of the store or admin)");

        api.MapGet("/dead-letters", async (int? limit, HttpContext http, CloudDatabase db, CancellationToken ct) =>
        {
            if (!Caller(http).IsAdmin)
            {
                return Forbidden(http, "dead letters are for admin keys");
            }
            using SqlSession s = await SqlSession.BeginReadAsync(db, ct).ConfigureAwait(false);
            var rows = new List<object>();
            using var r = s.Query("SELECT id, received_at, topic, store_id, reason, detail, payload_bytes FROM dead_letters ORDER BY id DESC LIMIT @l", ("@l", Math.Clamp(limit ?? 100, 1, MaxLimit)));
            while (r.Read())
            {
                rows.Add(new { id = r.GetInt64(0), receivedAt = CloudDatabase.Time(r.GetInt64(1)), topic = r.GetString(2), storeId = CloudDatabase.StringOrNull(r, 3), reason = r.GetString(4), detail = r.GetString(5), payloadBytes = r.GetInt32(6) });
            }
            return Results.Ok(rows);
        }).WithSummary("Refused messages, newest first (admin)");

        api.MapGet("/events", (HttpContext http, AlertEventStream stream, CancellationToken ct) => stream.RunAsync(http, Caller(http), ct))
            .WithSummary("Server-sent events: every alert transition the key may see");

        api.MapForecastApi();
        EdgeInventory.Cloud.Web.StoreLayoutApi.MapStoreLayoutApi(api);
    }

    internal static ApiCaller Caller(HttpContext http) => (ApiCaller)http.Items[typeof(ApiCaller)]!;

    private static string? Comment(string? comment) => string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();

    private static ListFilter? Filter(HttpContext http, string? store, string? state, string? kind, DateTimeOffset? from, DateTimeOffset? to, int? limit)
    {
        ApiCaller caller = Caller(http);
        IReadOnlyCollection<string>? stores = caller.Stores;
        if (store is not null)
        {
            if (!caller.MaySee(store))
            {
                http.Items["problem"] = NotFound(http, $"store '{store}'");
                return null;
            }
            stores = [store];
        }
        if (limit is < 1 or > MaxLimit)
        {
            http.Items["problem"] = Problem(http, StatusCodes.Status400BadRequest, "bad request", $"limit must be 1..{MaxLimit}");
            return null;
        }
        return new ListFilter(stores, state, kind, from, to, limit ?? 500);
    }

    private static IResult LastProblem(HttpContext http) => (IResult)http.Items["problem"]!;

    internal static IResult Problem(HttpContext http, int status, string title, string detail)
    {
        http.RequestServices.GetRequiredService<CloudMetrics>().Refusals.WithLabels(status.ToString(CultureInfo.InvariantCulture)).Inc();
        return Results.Problem(statusCode: status, title: title, detail: detail);
    }

    internal static IResult NotFound(HttpContext http, string what) => Problem(http, StatusCodes.Status404NotFound, "not found", $"{what} does not exist or this key may not see it");

    internal static IResult Forbidden(HttpContext http, string why) => Problem(http, StatusCodes.Status403Forbidden, "forbidden", why);

    private static async Task<IResult> ImportExpectedStockAsync(string storeId, HttpContext http, CloudDatabase db, CloudBroker broker, TimeProvider clock, CancellationToken ct)
    {
        ApiCaller caller = Caller(http);
        if (!caller.MaySee(storeId))
        {
            return NotFound(http, $"store '{storeId}'");
        }
        if (!caller.IsAdmin)
        {
            return Forbidden(http, "importing expected stock needs an admin key");
        }
        if (Identifiers.CheckStoreId(storeId) is { } bad)
        {
            return Problem(http, StatusCodes.Status400BadRequest, "bad request", bad);
        }
        string text;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
        IReadOnlyList<ExpectedStockEntry> entries;
        try
        {
            entries = ExpectedStockBook.ParseCsv(text, "body");
        }
        catch (ExpectedStockFormatException e)
        {
            return Problem(http, StatusCodes.Status400BadRequest, "bad request", e.Message);
        }
        if (entries.Count == 0 || entries.Count > ExpectedStockUpdate.MaxItems)
        {
            return Problem(http, StatusCodes.Status400BadRequest, "bad request", $"the file has {entries.Count} rows; 1..{ExpectedStockUpdate.MaxItems} are accepted per import");
        }
        DateTimeOffset now = clock.GetUtcNow();
        var update = new ExpectedStockUpdate
        {
            EventId = EventIds.NewId(),
            OccurredAt = now,
            StoreId = storeId,
            DeviceId = "replenishment",
            ModelVersion = null,
            Mode = ExpectedStockMode.Merge,
            EffectiveAt = now,
            Items = [.. entries.Select(e => new ExpectedStockItem { LocationId = e.LocationId, Sku = e.Sku, ExpectedUnits = e.ExpectedUnits, MinFacings = e.MinFacings, Capacity = e.Capacity })],
        };
        byte[] payload;
        try
        {
            payload = ContractParser.Serialize(update);
        }
        catch (ArgumentException e)
        {
            return Problem(http, StatusCodes.Status400BadRequest, "bad request", e.Message);
        }
        // Stored first, then published: a failed publish leaves the import recorded and the caller told to retry the send.
        using (SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false))
        {
            s.Execute("INSERT INTO stores (store_id, first_seen, last_seen) VALUES (@s, @t, @t) ON CONFLICT (store_id) DO NOTHING", ("@s", storeId), ("@t", CloudDatabase.Ms(now)));
            foreach (ExpectedStockEntry e in entries)
            {
                s.Execute("""
                    INSERT INTO expected_stock (store_id, location_id, sku, expected_units, min_facings, capacity, updated_at) VALUES (@s, @l, @k, @u, @m, @c, @t)
                    ON CONFLICT (store_id, location_id, sku) DO UPDATE SET expected_units = excluded.expected_units, min_facings = excluded.min_facings,
                        capacity = excluded.capacity, updated_at = excluded.updated_at
                    """, ("@s", storeId), ("@l", e.LocationId), ("@k", e.Sku), ("@u", e.ExpectedUnits), ("@m", e.MinFacings), ("@c", e.Capacity), ("@t", CloudDatabase.Ms(now)));
            }
            s.Commit();
        }
        return await PublishAsync(http, broker, Topics.ExpectedStock(storeId), payload, new { storeId, items = entries.Count, eventId = update.EventId }, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> ForwardScannerCountAsync(HttpContext http, CloudDatabase db, CloudBroker broker, TimeProvider clock, CancellationToken ct)
    {
        ApiCaller caller = Caller(http);
        if (!caller.MayActOnAlerts)
        {
            return Forbidden(http, "forwarding scanner counts needs an operator or admin key");
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        ContractParseResult<ScannerCount> parsed = ContractParser.Parse<ScannerCount>(buffer.ToArray());
        if (parsed.Message is not { } count)
        {
            return Problem(http, StatusCodes.Status400BadRequest, "bad request", parsed.Rejection!.ToString());
        }
        if (!caller.MaySee(count.StoreId))
        {
            return NotFound(http, $"store '{count.StoreId}'");
        }
        DateTimeOffset now = clock.GetUtcNow();
        using (SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false))
        {
            if (s.Execute("""
                INSERT INTO scanner_counts (event_id, store_id, device_id, location_id, sku, quantity, counted_at, received_at, received_by)
                VALUES (@e, @s, @d, @l, @k, @q, @c, @t, @by) ON CONFLICT (event_id) DO NOTHING
                """, ("@e", count.EventId.ToString()), ("@s", count.StoreId), ("@d", count.DeviceId), ("@l", count.LocationId), ("@k", count.Sku),
                ("@q", count.Quantity), ("@c", CloudDatabase.Ms(count.CountedAt)), ("@t", CloudDatabase.Ms(now)), ("@by", caller.Name)) == 0)
            {
                return Problem(http, StatusCodes.Status409Conflict, "conflict", $"scanner count {count.EventId} was already received");
            }
            s.Commit();
        }
        return await PublishAsync(http, broker, Topics.ScannerCount(count.StoreId), buffer.ToArray(), new { storeId = count.StoreId, eventId = count.EventId }, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> PublishAsync(HttpContext http, CloudBroker broker, string topic, byte[] payload, object accepted, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await broker.Connection.PublishAsync(topic, payload, qos: 1, retain: false, timeout.Token).ConfigureAwait(false);
            return Results.Accepted(value: accepted);
        }
        catch (Exception e) when (e is EdgeInventory.Mqtt.MqttException or OperationCanceledException)
        {
            return Problem(http, StatusCodes.Status503ServiceUnavailable, "broker unavailable", $"stored, but not published on {topic}: {e.Message}; send it again");
        }
    }
}
