using System.Globalization;
using System.Net;
using System.Text;
using EdgeInventory.Cloud.Api;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// The shared frame of every page (header, navigation, sign-out, main landmark) and the few HTML helpers the pages
/// use. Everything that came from data goes through <see cref="E"/>; pages carry no inline script or style, so the
/// Content-Security-Policy can stay 'self'.
/// </summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A query-string value.</summary>
    public static string Q(string? text) => Uri.EscapeDataString(text ?? "");

    public static string Percent(double? share) => share is { } v ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    public static string Page(string title, string current, ApiCaller caller, string body, string? script = null)
    {
        var sb = new StringBuilder(body.Length + 2048);
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .Append("<title>").Append(E(title)).Append(" · EdgeInventory</title>")
          .Append("<link rel=\"stylesheet\" href=\"/web/app.css\">");
        if (script is not null)
        {
            sb.Append("<script type=\"module\" src=\"/web/").Append(script).Append("\"></script>");
        }
        sb.Append("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\"><a class=\"brand\" href=\"/\">EdgeInventory</a><nav aria-label=\"Main\"><ul>");
        foreach ((string href, string label, string key) in new[] { ("/", "Overview", "overview"), ("/alerts", "Alerts", "alerts"), ("/reorder", "Reorder", "reorder") })
        {
            sb.Append("<li><a href=\"").Append(href).Append('"').Append(current == key ? " aria-current=\"page\"" : "").Append('>').Append(label).Append("</a></li>");
        }
        sb.Append("</ul></nav><form class=\"signout\" method=\"post\" action=\"/signout\"><span class=\"who\">")
          .Append(E(caller.Name)).Append(" · ").Append(E(caller.Role))
          .Append(caller.Stores is { } s ? $" · {s.Count} store{(s.Count == 1 ? "" : "s")}" : " · all stores")
          .Append("</span> <button type=\"submit\">Sign out</button></form></header><main id=\"main\" tabindex=\"-1\">")
          .Append(body).Append("</main></body></html>");
        return sb.ToString();
    }

    /// <summary>A page with no signed-in caller (the sign-in form).</summary>
    public static string Bare(string title, string body) =>
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        $"<title>{E(title)} · EdgeInventory</title><link rel=\"stylesheet\" href=\"/web/app.css\"></head><body><main id=\"main\" class=\"narrow\">{body}</main></body></html>";

    /// <summary>How long ago, in words a person reads at a glance.</summary>
    public static string Ago(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }
        return age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds} s"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} h {age.Minutes} min"
            : $"{(int)age.TotalDays} d {age.Hours} h";
    }
}

/// <summary>
/// A store's clock: its <c>time_zone</c> (IANA id) when the stores table has one, else UTC, always labelled so a
/// reader knows which.
/// </summary>
internal sealed class StoreClock
{
    public static readonly StoreClock Utc = new(TimeZoneInfo.Utc, "UTC");

    private StoreClock(TimeZoneInfo zone, string label)
    {
        Zone = zone;
        Label = label;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>"UTC" or the IANA id ("Europe/Stockholm").</summary>
    public string Label { get; }

    public static StoreClock For(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return Utc;
        }
        try
        {
            return new StoreClock(TimeZoneInfo.FindSystemTimeZoneById(timeZone), timeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return new StoreClock(TimeZoneInfo.Utc, $"UTC ({timeZone} unknown)");
        }
    }

    public DateTimeOffset Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone);

    /// <summary>A <c>time</c> element: local date and time, the zone named in its title and after it when asked.</summary>
    public string Time(DateTimeOffset t, bool withZone = true, string format = "yyyy-MM-dd HH:mm")
    {
        DateTimeOffset local = Local(t);
        string text = local.ToString(format, CultureInfo.InvariantCulture);
        return $"<time datetime=\"{t.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\" title=\"{Html.E(local.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))} {Html.E(Label)}\">{text}{(withZone ? " " + Html.E(Label) : "")}</time>";
    }
}
