using System.Text;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// <c>/alerts</c>: the operator inbox. Open and acknowledged alerts of the key's stores, newest or most severe first,
/// rendered on the server; <c>inbox.js</c> keeps it live from <c>/api/v1/events</c> (each change re-fetches that one
/// row from <c>/alerts/rows/{id}</c>, so rows are rendered in one place) and sends the actions to the API.
/// </summary>
internal static class InboxPage
{
    public static async Task<IResult> RenderAsync(ApiCaller caller, StockQueries queries, CloudDatabase db, string? sort, CancellationToken ct)
    {
        bool bySeverity = sort == "severity";
        List<AlertRecord> alerts = [.. await queries.AlertsAsync(new ListFilter(caller.Stores, "open", null, null, null, 5000), ct).ConfigureAwait(false),
            .. await queries.AlertsAsync(new ListFilter(caller.Stores, "acknowledged", null, null, null, 5000), ct).ConfigureAwait(false)];
        DateTimeOffset now = DateTimeOffset.UtcNow;
        IEnumerable<AlertRecord> ordered = alerts.OrderBy(a => a.SnoozedUntil > now ? 1 : 0);
        ordered = bySeverity
            ? ((IOrderedEnumerable<AlertRecord>)ordered).ThenByDescending(a => Rank(a.Severity)).ThenByDescending(a => a.OpenedAt)
            : ((IOrderedEnumerable<AlertRecord>)ordered).ThenByDescending(a => a.OpenedAt);
        Dictionary<string, StoreClock> clocks = await WebApp.ClocksAsync(db, ct).ConfigureAwait(false);

        var sb = new StringBuilder(alerts.Count * 1500 + 4096);
        sb.Append("<h1>Alerts</h1><p>Open and acknowledged shortages of ").Append(caller.Stores is null ? "every store" : "this key's stores")
          .Append(". Times in each store's local zone (UTC where a store has none). Sort: ")
          .Append(bySeverity ? "<a href=\"/alerts\">newest first</a> · <strong aria-current=\"true\">most severe first</strong>" : "<strong aria-current=\"true\">newest first</strong> · <a href=\"/alerts?sort=severity\">most severe first</a>")
          .Append("</p><p id=\"live-status\" role=\"status\" class=\"status\">Connecting to live updates…</p><p id=\"inbox-error\" role=\"alert\" class=\"error\"></p>");
        if (caller.MayActOnAlerts)
        {
            sb.Append("""
                <form id="bulk" class="bulk" aria-label="Act on selected alerts">
                  <label><input type="checkbox" id="select-all"> Select all</label>
                  <span id="selected-count">0 selected</span>
                  <label for="bulk-comment">Comment</label><input id="bulk-comment" name="comment" maxlength="500">
                  <label for="bulk-minutes">Snooze for</label><select id="bulk-minutes" name="minutes"><option value="30">30 min</option><option value="60" selected>1 h</option><option value="240">4 h</option><option value="1440">1 day</option></select>
                  <button type="submit" value="acknowledge">Acknowledge selected</button>
                  <button type="submit" value="snooze">Snooze selected</button>
                  <button type="submit" value="resolve">Resolve selected</button>
                </form>
                """);
        }
        else
        {
            sb.Append("<p class=\"note\">This key reads alerts only (head office); operators of the store acknowledge and resolve them.</p>");
        }
        sb.Append("<table class=\"grid inbox\" id=\"inbox\" data-sort=\"").Append(bySeverity ? "severity" : "newest").Append("\"><thead><tr>")
          .Append(caller.MayActOnAlerts ? "<th scope=\"col\"><span class=\"visually-hidden\">Select</span></th>" : "")
          .Append("<th scope=\"col\">Severity</th><th scope=\"col\">Shortage</th><th scope=\"col\">Lasting</th><th scope=\"col\">State</th><th scope=\"col\">Evidence</th>")
          .Append(caller.MayActOnAlerts ? "<th scope=\"col\">Actions</th>" : "").Append("</tr></thead><tbody>");
        foreach (AlertRecord a in ordered)
        {
            Row(sb, a, caller, clocks.Clock(a.StoreId), now);
        }
        sb.Append("</tbody></table><p id=\"inbox-empty\" class=\"empty\"").Append(alerts.Count == 0 ? "" : " hidden")
          .Append(">No open alerts. New ones appear here as they happen.</p>");
        return WebApp.HtmlResult(Html.Page("Alerts", "alerts", caller, sb.ToString(), "inbox.js"));
    }

    /// <summary>One row, for the live inbox; 404 once the alert is resolved or not the caller's.</summary>
    public static async Task<IResult> RowAsync(ApiCaller caller, StockQueries queries, CloudDatabase db, string alertId, CancellationToken ct)
    {
        AlertRecord? a = await queries.AlertAsync(alertId, ct).ConfigureAwait(false);
        if (a is null || !caller.MaySee(a.StoreId) || a.State == "resolved")
        {
            return Results.Content("", "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }
        var sb = new StringBuilder(2048);
        Row(sb, a, caller, (await WebApp.ClocksAsync(db, ct).ConfigureAwait(false)).Clock(a.StoreId), DateTimeOffset.UtcNow);
        return WebApp.HtmlResult(sb.ToString());
    }

    private static int Rank(string severity) => severity switch { "critical" => 3, "warning" => 2, "info" => 1, _ => 0 };

    private static void Row(StringBuilder sb, AlertRecord a, ApiCaller caller, StoreClock clock, DateTimeOffset now)
    {
        bool snoozed = a.SnoozedUntil > now;
        string id = Html.E(a.Id);
        string where = a.LocationId is null ? "" : $"<a href=\"/stores/{Html.Q(a.StoreId)}/zones?location={Html.Q(a.LocationId)}{(a.Sku is null ? "" : "&amp;sku=" + Html.Q(a.Sku))}\">{Html.E(a.LocationId)}</a>";
        sb.Append("<tr data-alert-id=\"").Append(id).Append("\" data-opened=\"").Append(a.OpenedAt.ToUnixTimeMilliseconds()).Append("\" data-rank=\"").Append(Rank(a.Severity))
          .Append("\" data-snoozed=\"").Append(snoozed ? 1 : 0).Append("\" class=\"").Append(snoozed ? "snoozed" : "").Append("\">");
        if (caller.MayActOnAlerts)
        {
            sb.Append("<td><input type=\"checkbox\" class=\"pick\" value=\"").Append(id).Append("\" aria-label=\"Select ").Append(Html.E(a.Kind)).Append(" at ").Append(Html.E(a.LocationId ?? a.StoreId)).Append("\"></td>");
        }
        sb.Append("<td><span class=\"badge sev-").Append(Html.E(a.Severity)).Append("\">").Append(Html.E(a.Severity)).Append("</span></td>")
          .Append("<td><strong>").Append(Html.E(a.Kind)).Append("</strong> · <a href=\"/stores/").Append(Html.Q(a.StoreId)).Append("\">").Append(Html.E(a.StoreId)).Append("</a> ")
          .Append(where).Append(a.Sku is null ? "" : " · SKU " + Html.E(a.Sku)).Append("<br><span class=\"message\">").Append(Html.E(a.Message)).Append("</span></td>")
          .Append("<td><span class=\"lasted\" data-since=\"").Append(a.OpenedAt.ToUnixTimeMilliseconds()).Append("\">").Append(Html.Ago(now - a.OpenedAt))
          .Append("</span><br><span class=\"since\">since ").Append(clock.Time(a.OpenedAt)).Append("</span></td><td class=\"state\">");
        sb.Append(a.State == "acknowledged" ? $"acknowledged by {Html.E(a.AcknowledgedBy)}" + (a.AcknowledgeComment is null ? "" : $": “{Html.E(a.AcknowledgeComment)}”") : "open");
        if (snoozed)
        {
            sb.Append("<br>snoozed until ").Append(clock.Time(a.SnoozedUntil!.Value));
        }
        if (a.Unverified)
        {
            sb.Append("<br><span class=\"badge unverified\">unverified: camera or device down</span>");
        }
        sb.Append("</td><td>");
        if (a.EvidenceId is { } ev)
        {
            sb.Append("<a href=\"/api/v1/evidence/").Append(Html.Q(ev)).Append("\"><img class=\"thumb\" loading=\"lazy\" src=\"/api/v1/evidence/").Append(Html.Q(ev))
              .Append("\" alt=\"Evidence photo of the shortage at ").Append(Html.E(a.LocationId ?? a.StoreId)).Append("\"></a>");
        }
        else
        {
            sb.Append("<span class=\"none\">none</span>");
        }
        sb.Append("</td>");
        if (caller.MayActOnAlerts)
        {
            sb.Append("<td><form class=\"act\" data-id=\"").Append(id).Append("\"><label>Comment <input name=\"comment\" maxlength=\"500\"></label> ");
            if (a.State == "open")
            {
                sb.Append("<button type=\"submit\" value=\"acknowledge\">Acknowledge</button> ");
            }
            sb.Append("<label>for <select name=\"minutes\"><option value=\"30\">30 min</option><option value=\"60\" selected>1 h</option><option value=\"240\">4 h</option><option value=\"1440\">1 day</option></select></label> ")
              .Append("<button type=\"submit\" value=\"snooze\">Snooze</button> <button type=\"submit\" value=\"resolve\">Resolve</button></form></td>");
        }
        sb.Append("</tr>");
    }
}
