using System.Reflection;
using System.Security.Cryptography;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// The head-office and operator web app, on the aggregator's own port: server-rendered pages over
/// <see cref="StockQueries"/> with the caller's scope (what a key sees is exactly what the API shows it), small
/// script islands for what must be live (the inbox, the reorder list), CSS and scripts embedded in this assembly.
/// The browser signs in with an API key kept in an HttpOnly, SameSite=Strict cookie that the API reads too.
/// </summary>
public static class WebApp
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type, string ETag)> Assets = LoadAssets();

    public static void MapWebApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Pages, not API: kept out of the OpenAPI document.
        RouteGroupBuilder web = app.MapGroup("").ExcludeFromDescription();
        web.AddEndpointFilter(async (context, next) =>
        {
            IHeaderDictionary h = context.HttpContext.Response.Headers;
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "same-origin";
            return await next(context).ConfigureAwait(false);
        });

        web.MapGet("/signin", (string? next, string? error) => HtmlResult(SignInPage.Render(next, error)));
        web.MapPost("/signin", (HttpContext http, ApiKeys keys) => SignInPage.SignInAsync(http, keys));
        web.MapPost("/signout", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(ApiKeys.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps });
            return Results.Redirect("/signin");
        });

        web.MapGet("/", (string? q, string? region, string? sort, string? dir, HttpContext http, StockQueries queries, CloudDatabase db, CancellationToken ct) =>
            Signed(http, caller => OverviewPage.RenderAsync(caller, queries, db, q, region, sort, dir, ct)));
        web.MapGet("/stores/{storeId}", (string storeId, HttpContext http, StockQueries queries, CloudDatabase db, CancellationToken ct) =>
            Signed(http, caller => StorePage.RenderAsync(caller, queries, db, storeId, ct)));
        web.MapGet("/stores/{storeId}/zones", (string storeId, string? location, string? sku, string? range, HttpContext http, StockQueries queries, CloudDatabase db, CancellationToken ct) =>
            Signed(http, caller => ZonePage.RenderAsync(caller, queries, db, storeId, location, sku, range, ct)));
        web.MapGet("/alerts", (string? sort, HttpContext http, StockQueries queries, CloudDatabase db, CancellationToken ct) =>
            Signed(http, caller => InboxPage.RenderAsync(caller, queries, db, sort, ct)));
        web.MapGet("/alerts/rows/{alertId}", (string alertId, HttpContext http, StockQueries queries, CloudDatabase db, CancellationToken ct) =>
            Signed(http, caller => InboxPage.RowAsync(caller, queries, db, alertId, ct)));
        web.MapGet("/reorder", (HttpContext http, CancellationToken ct) => Signed(http, caller => Task.FromResult(HtmlResult(ReorderPage.Render(caller)))));
        web.MapGet("/web/{name}", (string name, HttpContext http) => Asset(name, http));
    }

    internal static IResult HtmlResult(string html, int status = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", statusCode: status);

    /// <summary>A page for a signed-in caller; without a valid key the browser goes to sign-in and comes back after.</summary>
    private static async Task<IResult> Signed(HttpContext http, Func<ApiCaller, Task<IResult>> render)
    {
        ApiCaller? caller = http.RequestServices.GetRequiredService<ApiKeys>().Authenticate(http.Request);
        if (caller is null)
        {
            return Results.Redirect("/signin?next=" + Html.Q(http.Request.Path + http.Request.QueryString));
        }
        http.Response.Headers.CacheControl = "no-store";
        return await render(caller).ConfigureAwait(false);
    }

    internal static IResult NotFound(ApiCaller caller, string what) =>
        HtmlResult(Html.Page("Not found", "", caller, $"<h1>Not found</h1><p class=\"error\">{Html.E(what)} does not exist or this key may not see it.</p><p><a href=\"/\">Back to the chain overview</a></p>"),
            StatusCodes.Status404NotFound);

    /// <summary>The stores' time zones (IANA ids) where the stores table has one; the rest are shown in UTC.</summary>
    internal static async Task<Dictionary<string, StoreClock>> ClocksAsync(CloudDatabase db, CancellationToken ct)
    {
        var clocks = new Dictionary<string, StoreClock>(StringComparer.Ordinal);
        using SqlSession s = await SqlSession.BeginReadAsync(db, ct).ConfigureAwait(false);
        using var r = s.Query("SELECT store_id, time_zone FROM stores WHERE time_zone IS NOT NULL");
        while (r.Read())
        {
            clocks[r.GetString(0)] = StoreClock.For(r.GetString(1));
        }
        return clocks;
    }

    internal static StoreClock Clock(this Dictionary<string, StoreClock> clocks, string storeId) => clocks.GetValueOrDefault(storeId, StoreClock.Utc);

    private static IResult Asset(string name, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        return Results.File(asset.Bytes, asset.Type);
    }

    /// <summary>Every file of Web/Assets, embedded in the assembly (nothing to find on disk, nothing fetched).</summary>
    private static Dictionary<string, (byte[] Bytes, string Type, string ETag)> LoadAssets()
    {
        const string Prefix = "EdgeInventory.Cloud.Web.Assets.";
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        Assembly assembly = typeof(WebApp).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] bytes = buffer.ToArray();
            string name = resource[Prefix.Length..];
            string type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            };
            assets[name] = (bytes, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }
        return assets;
    }
}
