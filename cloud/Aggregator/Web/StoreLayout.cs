using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeInventory.Cloud.Web;

/// <summary>One zone's place on a store's floor plan, in the plan's own units (e.g. centimetres from a corner).</summary>
public sealed record LayoutZone(string Location, string? Sku, double X, double Y, double Width, double Height);

/// <summary>
/// A store's floor plan, uploaded by an admin (<c>PUT /api/v1/stores/{id}/layout</c>): where each zone is. The stock
/// map then draws the zones it places where they are, and the rest from their location ids below it, so a plan that
/// lags behind the planogram still shows every zone.
/// </summary>
public sealed record StoreLayout(IReadOnlyList<LayoutZone> Zones)
{
    public const int MaxZones = 20_000;
    private const double MaxCoordinate = 1_000_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The layout in <paramref name="json"/>, or the first reason it cannot be used (naming the zone by index).</summary>
    public static (StoreLayout? Layout, string? Problem) Parse(string storeId, ReadOnlySpan<byte> json)
    {
        StoreLayout? layout;
        try
        {
            layout = JsonSerializer.Deserialize<StoreLayout>(json, Json);
        }
        catch (JsonException e)
        {
            return (null, "not a layout: " + e.Message);
        }
        if (layout?.Zones is not { Count: > 0 } zones)
        {
            return (null, "a layout needs 'zones': [{location, sku?, x, y, width, height}, ...]");
        }
        if (zones.Count > MaxZones)
        {
            return (null, $"{zones.Count} zones; at most {MaxZones}");
        }
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < zones.Count; i++)
        {
            LayoutZone z = zones[i];
            string at = $"zones[{i}]";
            if (z is null || string.IsNullOrEmpty(z.Location) || z.Location.Length > 128 || !z.Location.StartsWith(storeId + "/", StringComparison.Ordinal))
            {
                return (null, $"{at}.location must be a location id of store '{storeId}' (\"{storeId}/aisle/bay/shelf\")");
            }
            if (!(double.IsFinite(z.X) && double.IsFinite(z.Y) && z.X is >= 0 and <= MaxCoordinate && z.Y is >= 0 and <= MaxCoordinate
                && z.Width is > 0 and <= MaxCoordinate && z.Height is > 0 and <= MaxCoordinate))
            {
                return (null, $"{at}: x and y must be 0..{MaxCoordinate:0}, width and height above 0");
            }
            if (!seen.Add((z.Location, z.Sku ?? "")))
            {
                return (null, $"{at}: {z.Location} {z.Sku} is placed twice");
            }
        }
        return (layout, null);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static async Task<StoreLayout?> LoadAsync(CloudDatabase db, string storeId, CancellationToken ct)
    {
        using SqlSession s = await SqlSession.BeginReadAsync(db, ct).ConfigureAwait(false);
        return s.Scalar("SELECT layout FROM store_layouts WHERE store_id = @s", ("@s", storeId)) is string json
            ? JsonSerializer.Deserialize<StoreLayout>(json, Json)
            : null;
    }

    /// <summary>The zones of <paramref name="zones"/> the layout places, drawn where it says, scaled into one SVG.</summary>
    internal string Render(string storeId, IReadOnlyList<ZoneState> zones, out List<ZoneState> unplaced)
    {
        var places = new Dictionary<(string, string), LayoutZone>();
        foreach (LayoutZone p in Zones)
        {
            places[(p.Location, p.Sku ?? "")] = p;
        }
        unplaced = [];
        var placed = new List<(ZoneState Zone, LayoutZone Place)>();
        foreach (ZoneState z in zones)
        {
            // A layout entry without a SKU places every SKU of its location.
            if (places.TryGetValue((z.LocationId, z.Sku ?? ""), out LayoutZone? p) || places.TryGetValue((z.LocationId, ""), out p))
            {
                placed.Add((z, p));
            }
            else
            {
                unplaced.Add(z);
            }
        }
        if (placed.Count == 0)
        {
            return "";
        }
        double right = Zones.Max(p => p.X + p.Width), bottom = Zones.Max(p => p.Y + p.Height);
        // About 1,000 px wide whatever the plan's units; text scales with it.
        double scale = 1000 / Math.Max(right, 1);
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ic, $"<svg class=\"stockmap floorplan\" role=\"group\" aria-label=\"Stock map: the store's floor plan\" viewBox=\"0 0 {right * scale:0.#} {bottom * scale:0.#}\" width=\"{right * scale:0.#}\" height=\"{bottom * scale:0.#}\">");
        foreach ((ZoneState z, LayoutZone p) in placed)
        {
            ZoneReading reading = StockMap.Read(z);
            (string aisle, string bay, string shelf) = StockMap.Place(storeId, z.LocationId);
            string label = $"Aisle {aisle}, bay {bay}, shelf {shelf}{(z.Sku is null ? "" : ", SKU " + z.Sku)}: {StockMap.Words(reading)}"
                + (z.Units is { } u ? $", {u} units" : "");
            string href = $"/stores/{Html.Q(storeId)}/zones?location={Html.Q(z.LocationId)}" + (z.Sku is null ? "" : "&sku=" + Html.Q(z.Sku));
            sb.Append("<a class=\"zone\" href=\"").Append(Html.E(href)).Append("\" aria-label=\"").Append(Html.E(label)).Append("\">")
              .Append(ic, $"<rect class=\"z {StockMap.Css(reading)}\" x=\"{p.X * scale:0.#}\" y=\"{p.Y * scale:0.#}\" width=\"{p.Width * scale:0.#}\" height=\"{p.Height * scale:0.#}\" rx=\"2\"/>")
              .Append(ic, $"<text class=\"zone-text\" x=\"{(p.X * scale) + 3:0.#}\" y=\"{(p.Y * scale) + 13:0.#}\">{Html.E($"{aisle}/{bay}/{shelf}")}</text>")
              .Append("<title>").Append(Html.E(label)).Append("</title></a>");
        }
        return sb.Append("</svg>").ToString();
    }
}

/// <summary><c>/api/v1/stores/{id}/layout</c>: read by anyone who may see the store, replaced or removed by an admin.</summary>
internal static class StoreLayoutApi
{
    public static void MapStoreLayoutApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stores/{storeId}/layout", async (string storeId, HttpContext http, CloudDatabase db, CancellationToken ct) =>
        {
            if (!ApiEndpoints.Caller(http).MaySee(storeId))
            {
                return ApiEndpoints.NotFound(http, $"store '{storeId}'");
            }
            StoreLayout? layout = await StoreLayout.LoadAsync(db, storeId, ct).ConfigureAwait(false);
            return layout is null ? ApiEndpoints.NotFound(http, $"a layout of store '{storeId}'") : Results.Ok(layout);
        }).WithSummary("The store's floor plan for the stock map");

        api.MapPut("/stores/{storeId}/layout", async (string storeId, HttpContext http, CloudDatabase db, TimeProvider clock, CancellationToken ct) =>
        {
            ApiCaller caller = ApiEndpoints.Caller(http);
            if (!caller.MaySee(storeId))
            {
                return ApiEndpoints.NotFound(http, $"store '{storeId}'");
            }
            if (!caller.IsAdmin)
            {
                return ApiEndpoints.Forbidden(http, "uploading a layout needs an admin key");
            }
            if (Identifiers.CheckStoreId(storeId) is { } bad)
            {
                return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", bad);
            }
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, ct).ConfigureAwait(false);
            (StoreLayout? layout, string? problem) = StoreLayout.Parse(storeId, body.ToArray());
            if (layout is null)
            {
                return ApiEndpoints.Problem(http, StatusCodes.Status400BadRequest, "bad request", problem!);
            }
            using SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false);
            s.Execute("""
                INSERT INTO store_layouts (store_id, layout, updated_at, updated_by) VALUES (@s, @l, @t, @by)
                ON CONFLICT (store_id) DO UPDATE SET layout = excluded.layout, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, ("@s", storeId), ("@l", layout.ToJson()), ("@t", CloudDatabase.Ms(clock.GetUtcNow())), ("@by", caller.Name));
            s.Commit();
            return Results.Ok(new { storeId, zones = layout.Zones.Count });
        }).WithSummary("Replace the store's floor plan (admin): {zones: [{location, sku?, x, y, width, height}]}");

        api.MapDelete("/stores/{storeId}/layout", async (string storeId, HttpContext http, CloudDatabase db, CancellationToken ct) =>
        {
            ApiCaller caller = ApiEndpoints.Caller(http);
            if (!caller.MaySee(storeId))
            {
                return ApiEndpoints.NotFound(http, $"store '{storeId}'");
            }
            if (!caller.IsAdmin)
            {
                return ApiEndpoints.Forbidden(http, "removing a layout needs an admin key");
            }
            using SqlSession s = await SqlSession.BeginAsync(db, ct).ConfigureAwait(false);
            int removed = s.Execute("DELETE FROM store_layouts WHERE store_id = @s", ("@s", storeId));
            s.Commit();
            return removed == 0 ? ApiEndpoints.NotFound(http, $"a layout of store '{storeId}'") : Results.NoContent();
        }).WithSummary("Remove the store's floor plan (admin): the map is laid out from location ids again");
    }
}
