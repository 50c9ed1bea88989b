using EdgeInventory.Cloud.Api;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// Sign-in: the key is checked as the API checks it (<see cref="ApiKeys.Find"/>) and kept in an HttpOnly,
/// SameSite=Strict cookie (script cannot read it, another site cannot send it), which the API also accepts.
/// </summary>
internal static class SignInPage
{
    private static readonly TimeSpan CookieLife = TimeSpan.FromDays(7);

    public static string Render(string? next, string? error)
    {
        string message = error switch
        {
            null => "",
            "invalid" => "<p class=\"error\" role=\"alert\">That key is not valid. Check it with whoever issued it; keys are case-sensitive.</p>",
            "empty" => "<p class=\"error\" role=\"alert\">Enter an API key to sign in.</p>",
            _ => "<p class=\"error\" role=\"alert\">Sign-in failed.</p>",
        };
        return Html.Bare("Sign in", $"""
            <h1>EdgeInventory</h1>
            <p>Sign in with the API key you were given (head office, operator or admin). It is kept in this browser until you sign out.</p>
            {message}
            <form method="post" action="/signin" class="signin">
              <input type="hidden" name="next" value="{Html.E(SafeNext(next))}">
              <label for="key">API key</label>
              <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
              <button type="submit">Sign in</button>
            </form>
            """);
    }

    public static async Task<IResult> SignInAsync(HttpContext http, ApiKeys keys)
    {
        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        string key = form["key"].ToString().Trim();
        string next = SafeNext(form["next"].ToString());
        if (key.Length == 0)
        {
            return Results.Redirect("/signin?error=empty&next=" + Html.Q(next));
        }
        if (keys.Find(key) is null)
        {
            return Results.Redirect("/signin?error=invalid&next=" + Html.Q(next));
        }
        http.Response.Cookies.Append(ApiKeys.CookieName, key, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            MaxAge = CookieLife,
        });
        return Results.Redirect(next);
    }

    /// <summary>Only a local path is followed after sign-in (no open redirect to another site).</summary>
    private static string SafeNext(string? next) =>
        next is { Length: > 0 } n && n[0] == '/' && !n.StartsWith("//", StringComparison.Ordinal) && !n.StartsWith("/\\", StringComparison.Ordinal) && !n.StartsWith("/signin", StringComparison.Ordinal) ? n : "/";
}
