using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// <c>/</c>: every store the key sees in one server-rendered table (one query set for the whole chain, no request per
/// row), worst first; sorting and filtering are links and a GET form, so each view has its URL and the back button
/// walks through them.
/// </summary>
internal static class OverviewPage
{
    private static readonly (string Key, string Label, bool DescendingFirst)[] Columns =
    [
        ("store", "Store", false), ("region", "Region", false), ("now", "Available now", false), ("day", "24 h", false), ("week", "7 d", false),
        ("oos", "Out of stock", true), ("below", "Below minimum", true), ("alerts", "Open alerts", true), ("devices", "Devices online", false), ("seen", "Last data", false),
    ];

    public static async Task<IResult> RenderAsync(ApiCaller caller, StockQueries queries, CloudDatabase db, string? q, string? region, string? sort, string? dir, CancellationToken ct)
    {
        IReadOnlyList<StoreSummary> all = await queries.StoresAsync(caller.Stores, ct).ConfigureAwait(false);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Dictionary<string, StoreClock> clocks = await WebApp.ClocksAsync(db, ct).ConfigureAwait(false);
        string search = q?.Trim() ?? "";
        IEnumerable<StoreSummary> rows = all;
        if (search.Length > 0)
        {
            rows = rows.Where(s => s.StoreId.Contains(search, StringComparison.OrdinalIgnoreCase) || (s.Name?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false));
        }
        if (!string.IsNullOrEmpty(region))
        {
            rows = rows.Where(s => string.Equals(s.Region, region, StringComparison.Ordinal));
        }
        string key = Columns.Any(c => c.Key == sort) ? sort! : "worst";
        bool descending = dir == "desc" || (dir is null && Columns.FirstOrDefault(c => c.Key == key).DescendingFirst);
        List<StoreSummary> list = [.. Sort(rows, key, descending)];

        var sb = new StringBuilder(600 * list.Count + 4096);
        sb.Append("<h1>Chain overview</h1>");
        sb.Append("<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\"><label for=\"q\">Store name or id</label><input id=\"q\" name=\"q\" type=\"search\" value=\"")
          .Append(Html.E(search)).Append("\"><label for=\"region\">Region</label><select id=\"region\" name=\"region\"><option value=\"\">All regions</option>");
        foreach (string r in all.Select(s => s.Region).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            sb.Append("<option").Append(r == region ? " selected" : "").Append(" value=\"").Append(Html.E(r)).Append("\">").Append(Html.E(r)).Append("</option>");
        }
        sb.Append("</select>");
        if (key != "worst")
        {
            sb.Append("<input type=\"hidden\" name=\"sort\" value=\"").Append(Html.E(key)).Append("\"><input type=\"hidden\" name=\"dir\" value=\"").Append(descending ? "desc" : "asc").Append("\">");
        }
        sb.Append("<button type=\"submit\">Filter</button>");
        if (search.Length > 0 || !string.IsNullOrEmpty(region))
        {
            sb.Append(" <a href=\"/\">Clear</a>");
        }
        sb.Append("</form>");

        int oos = list.Sum(s => s.OpenOutOfStock), alerts = list.Sum(s => s.OpenAlerts);
        sb.Append("<p class=\"summary\" id=\"count\">").Append(list.Count).Append(" of ").Append(all.Count).Append(" stores")
          .Append(key == "worst" ? ", worst first" : "").Append(" · ").Append(oos).Append(" zones out of stock · ").Append(alerts)
          .Append(" open alerts. Times in each store's local zone (UTC where a store has none).</p>");
        if (all.Count == 0)
        {
            sb.Append("<p class=\"empty\">No store has sent data yet").Append(caller.Stores is null ? "" : " among this key's stores")
              .Append(". Stores appear here once their edge devices publish counts or discrepancies.</p>");
            return WebApp.HtmlResult(Html.Page("Chain overview", "overview", caller, sb.ToString()));
        }
        if (list.Count == 0)
        {
            sb.Append("<p class=\"empty\">No store matches this filter.</p>");
            return WebApp.HtmlResult(Html.Page("Chain overview", "overview", caller, sb.ToString()));
        }

        sb.Append("<table class=\"grid\" id=\"stores\"><caption class=\"visually-hidden\">Stores</caption><thead><tr>");
        foreach ((string col, string label, bool descFirst) in Columns)
        {
            bool active = col == key;
            bool nextDescending = active ? !descending : descFirst;
            string aria = active ? $" aria-sort=\"{(descending ? "descending" : "ascending")}\"" : "";
            sb.Append("<th scope=\"col\"").Append(aria).Append("><a href=\"/?").Append(Query(search, region, col, nextDescending)).Append("\">").Append(label)
              .Append(active ? (descending ? " ▼" : " ▲") : "").Append("</a></th>");
        }
        sb.Append("</tr></thead><tbody>");
        foreach (StoreSummary s in list)
        {
            StoreClock clock = clocks.Clock(s.StoreId);
            string state = s.OpenOutOfStock > 0 ? "bad" : s.OpenBelowMinimum > 0 ? "warn" : "ok";
            sb.Append("<tr data-store=\"").Append(Html.E(s.StoreId)).Append("\"><th scope=\"row\"><a href=\"/stores/").Append(Html.Q(s.StoreId)).Append("\">")
              .Append(Html.E(s.Name ?? s.StoreId)).Append("</a>").Append(s.Name is null ? "" : $" <span class=\"id\">{Html.E(s.StoreId)}</span>").Append("</th>")
              .Append("<td>").Append(Html.E(s.Region ?? "—")).Append("</td>")
              .Append("<td class=\"num ").Append(state).Append("\">").Append(Html.Percent(s.AvailabilityNow)).Append("</td>")
              .Append("<td class=\"num\">").Append(Html.Percent(s.Availability24h)).Append("</td>")
              .Append("<td class=\"num\">").Append(Html.Percent(s.Availability7d)).Append(Trend(s)).Append("</td>")
              .Append("<td class=\"num").Append(s.OpenOutOfStock > 0 ? " bad" : "").Append("\">").Append(s.OpenOutOfStock).Append("</td>")
              .Append("<td class=\"num").Append(s.OpenBelowMinimum > 0 ? " warn" : "").Append("\">").Append(s.OpenBelowMinimum).Append("</td>")
              .Append("<td class=\"num\">").Append(s.OpenAlerts).Append("</td>")
              .Append("<td class=\"num").Append(s.DevicesOnline < s.Devices ? " warn" : "").Append("\">").Append(s.DevicesOnline).Append(" / ").Append(s.Devices).Append("</td>")
              .Append("<td>").Append(clock.Time(s.LastSeen)).Append(" <span class=\"ago\">(").Append(Html.Ago(now - s.LastSeen)).Append(" ago)</span></td></tr>");
        }
        sb.Append("</tbody></table>");
        return WebApp.HtmlResult(Html.Page("Chain overview", "overview", caller, sb.ToString()));
    }

    /// <summary>Now against the 7-day figure: the direction the store is going, in a word for screen readers.</summary>
    private static string Trend(StoreSummary s)
    {
        if (s.AvailabilityNow is not { } now || s.Availability7d is not { } week || Math.Abs(now - week) < 0.005)
        {
            return "";
        }
        return now > week ? " <span class=\"trend up\" title=\"better now than over 7 days\">↑<span class=\"visually-hidden\"> improving</span></span>"
            : " <span class=\"trend down\" title=\"worse now than over 7 days\">↓<span class=\"visually-hidden\"> worsening</span></span>";
    }

    private static string Query(string search, string? region, string sort, bool descending)
    {
        var q = new StringBuilder();
        if (search.Length > 0)
        {
            q.Append("q=").Append(Html.Q(search)).Append("&amp;");
        }
        if (!string.IsNullOrEmpty(region))
        {
            q.Append("region=").Append(Html.Q(region)).Append("&amp;");
        }
        return q.Append("sort=").Append(sort).Append("&amp;dir=").Append(descending ? "desc" : "asc").ToString();
    }

    private static IEnumerable<StoreSummary> Sort(IEnumerable<StoreSummary> rows, string key, bool descending)
    {
        if (key == "worst")
        {
            // Lowest availability first, then most out-of-stock zones, most alerts; stores with no zones yet last.
            return rows.OrderBy(s => s.AvailabilityNow ?? 2).ThenByDescending(s => s.OpenOutOfStock).ThenByDescending(s => s.OpenAlerts).ThenBy(s => s.StoreId, StringComparer.Ordinal);
        }
        Func<StoreSummary, IComparable> by = key switch
        {
            "store" => s => s.Name ?? s.StoreId,
            "region" => s => s.Region ?? "",
            "now" => s => s.AvailabilityNow ?? -1,
            "day" => s => s.Availability24h ?? -1,
            "week" => s => s.Availability7d ?? -1,
            "oos" => s => s.OpenOutOfStock,
            "below" => s => s.OpenBelowMinimum,
            "alerts" => s => s.OpenAlerts,
            "devices" => s => s.Devices == 0 ? 1.0 : (double)s.DevicesOnline / s.Devices,
            _ => s => s.LastSeen,
        };
        IOrderedEnumerable<StoreSummary> ordered = descending ? rows.OrderByDescending(by) : rows.OrderBy(by);
        return ordered.ThenBy(s => s.StoreId, StringComparer.Ordinal);
    }

    internal static string Invariant(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
