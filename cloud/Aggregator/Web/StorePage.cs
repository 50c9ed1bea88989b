using System.Text;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Web;

/// <summary><c>/stores/{id}</c>: the store's figures, its stock map with a legend, its devices and cameras.</summary>
internal static class StorePage
{
    public static async Task<IResult> RenderAsync(ApiCaller caller, StockQueries queries, CloudDatabase db, string storeId, CancellationToken ct)
    {
        if (!caller.MaySee(storeId) || await queries.StoreAsync(storeId, ct).ConfigureAwait(false) is not { } store)
        {
            return WebApp.NotFound(caller, $"Store '{storeId}'");
        }
        StoreClock clock = (await WebApp.ClocksAsync(db, ct).ConfigureAwait(false)).Clock(storeId);
        StoreSummary s = store.Summary;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string title = s.Name is null ? $"Store {storeId}" : $"{s.Name} ({storeId})";
        var sb = new StringBuilder(store.Zones.Count * 600 + 4096);
        sb.Append("<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/\">Overview</a> › <span aria-current=\"page\">").Append(Html.E(storeId)).Append("</span></nav>")
          .Append("<h1>").Append(Html.E(title)).Append("</h1>")
          .Append("<dl class=\"figures\">")
          .Append("<div><dt>Available now</dt><dd>").Append(Html.Percent(s.AvailabilityNow)).Append("</dd></div>")
          .Append("<div><dt>24 h / 7 d</dt><dd>").Append(Html.Percent(s.Availability24h)).Append(" / ").Append(Html.Percent(s.Availability7d)).Append("</dd></div>")
          .Append("<div><dt>Out of stock</dt><dd>").Append(s.OpenOutOfStock).Append("</dd></div>")
          .Append("<div><dt>Below minimum</dt><dd>").Append(s.OpenBelowMinimum).Append("</dd></div>")
          .Append("<div><dt>Open alerts</dt><dd><a href=\"/alerts\">").Append(s.OpenAlerts).Append("</a></dd></div>")
          .Append("<div><dt>Devices online</dt><dd>").Append(s.DevicesOnline).Append(" / ").Append(s.Devices).Append("</dd></div>")
          .Append("<div><dt>Last data</dt><dd>").Append(clock.Time(s.LastSeen)).Append("</dd></div></dl>");

        sb.Append("<h2>Stock map</h2>");
        if (store.Zones.Count == 0)
        {
            sb.Append("<p class=\"empty\">No zone of this store has been counted yet: the map appears once its cameras send counts.</p>");
        }
        else
        {
            sb.Append(StockMap.Legend(store.Zones));
            // With an uploaded floor plan, the zones it places are drawn where they are; the others from their location ids.
            StoreLayout? layout = await StoreLayout.LoadAsync(db, storeId, ct).ConfigureAwait(false);
            List<ZoneState> rest = [.. store.Zones];
            if (layout is not null)
            {
                string plan = layout.Render(storeId, store.Zones, out rest);
                sb.Append("<div class=\"mapframe\">").Append(plan).Append("</div>");
                if (rest.Count > 0)
                {
                    sb.Append("<h3>Not on the floor plan</h3>");
                }
            }
            if (rest.Count > 0)
            {
                sb.Append("<div class=\"mapframe\">").Append(StockMap.Render(storeId, rest)).Append("</div>");
            }
        }

        sb.Append("<h2>Devices</h2>");
        if (store.Devices.Count == 0)
        {
            sb.Append("<p class=\"empty\">No device has reported yet.</p>");
        }
        else
        {
            sb.Append("<table class=\"grid\"><thead><tr><th scope=\"col\">Device</th><th scope=\"col\">Status</th><th scope=\"col\">Last heard</th><th scope=\"col\">Agent</th><th scope=\"col\">Model</th><th scope=\"col\">Outbox</th></tr></thead><tbody>");
            foreach (DeviceState d in store.Devices)
            {
                sb.Append("<tr><th scope=\"row\">").Append(Html.E(d.DeviceId)).Append("</th><td class=\"").Append(d.Online ? "ok" : "bad").Append("\">")
                  .Append(d.Online ? "online" : "offline").Append(d.StatusReason is null ? "" : " — " + Html.E(d.StatusReason)).Append("</td><td>")
                  .Append(clock.Time(d.LastSeen)).Append(" (").Append(Html.Ago(now - d.LastSeen)).Append(" ago)</td><td>").Append(Html.E(d.AgentVersion ?? "—"))
                  .Append("</td><td>").Append(Html.E(d.ModelVersion ?? "—")).Append("</td><td class=\"num\">").Append(d.OutboxPending?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—").Append("</td></tr>");
            }
            sb.Append("</tbody></table>");
        }
        sb.Append("<h2>Cameras</h2>");
        if (store.Cameras.Count == 0)
        {
            sb.Append("<p class=\"empty\">No camera has reported its state yet.</p>");
        }
        else
        {
            sb.Append("<table class=\"grid\"><thead><tr><th scope=\"col\">Camera</th><th scope=\"col\">Device</th><th scope=\"col\">State</th><th scope=\"col\">Since</th><th scope=\"col\">Issue</th></tr></thead><tbody>");
            foreach (CameraInfo c in store.Cameras)
            {
                sb.Append("<tr><th scope=\"row\">").Append(Html.E(c.CameraId)).Append("</th><td>").Append(Html.E(c.DeviceId)).Append("</td><td>").Append(Html.E(c.State))
                  .Append("</td><td>").Append(clock.Time(c.StateAt)).Append("</td><td class=\"").Append(c.HealthIssue is null ? "" : "bad").Append("\">")
                  .Append(Html.E(c.HealthIssue ?? "none")).Append("</td></tr>");
            }
            sb.Append("</tbody></table>");
        }
        return WebApp.HtmlResult(Html.Page(title, "overview", caller, sb.ToString()));
    }
}
