using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// <c>/stores/{id}/zones?location=&amp;sku=&amp;range=24h|7d|30d</c>: a zone's observed units and facings against
/// expected over time (SVG, with its discrepancies as bands), the discrepancies with their event timeline, the latest
/// evidence photo, the camera and device health and the latest scanner counts.
/// </summary>
internal static class ZonePage
{
    private static readonly (string Key, string Label, TimeSpan Span)[] Ranges =
        [("24h", "24 h", TimeSpan.FromDays(1)), ("7d", "7 days", TimeSpan.FromDays(7)), ("30d", "30 days", TimeSpan.FromDays(30))];

    public static async Task<IResult> RenderAsync(ApiCaller caller, StockQueries queries, CloudDatabase db, string storeId, string? location, string? sku, string? range, CancellationToken ct)
    {
        if (!caller.MaySee(storeId) || await queries.StoreAsync(storeId, ct).ConfigureAwait(false) is not { } store)
        {
            return WebApp.NotFound(caller, $"Store '{storeId}'");
        }
        if (string.IsNullOrEmpty(location))
        {
            return WebApp.HtmlResult(Html.Page("Zone", "overview", caller, $"<h1>Zone</h1><p class=\"error\">No zone was named: open one from the <a href=\"/stores/{Html.Q(storeId)}\">store's map</a>.</p>"), StatusCodes.Status400BadRequest);
        }
        sku = string.IsNullOrEmpty(sku) ? null : sku;
        ZoneState? zone = store.Zones.FirstOrDefault(z => z.LocationId == location && z.Sku == sku);
        StoreClock clock = (await WebApp.ClocksAsync(db, ct).ConfigureAwait(false)).Clock(storeId);
        (string rangeKey, string rangeLabel, TimeSpan span) = Ranges.FirstOrDefault(r => r.Key == range, Ranges[0]);
        DateTimeOffset now = DateTimeOffset.UtcNow, from = now - span;
        IReadOnlyList<CountPoint> history = await queries.ZoneHistoryAsync(storeId, location, sku, from, now, ct).ConfigureAwait(false);
        List<DiscrepancyRecord> discrepancies = [.. (await queries.DiscrepanciesAsync(new ListFilter([storeId], null, null, null, null, 5000), ct).ConfigureAwait(false))
            .Where(d => d.LocationId == location && (sku is null || d.Sku == sku))];

        (string aisle, string bay, string shelf) = StockMap.Place(storeId, location);
        string title = $"Aisle {aisle}, bay {bay}, shelf {shelf}" + (sku is null ? "" : $" · SKU {sku}");
        string self = $"/stores/{Html.Q(storeId)}/zones?location={Html.Q(location)}" + (sku is null ? "" : "&sku=" + Html.Q(sku));
        var sb = new StringBuilder(16384);
        sb.Append("<nav aria-label=\"Breadcrumb\" class=\"crumbs\"><a href=\"/\">Overview</a> › <a href=\"/stores/").Append(Html.Q(storeId)).Append("\">").Append(Html.E(storeId))
          .Append("</a> › <span aria-current=\"page\">").Append(Html.E(location)).Append("</span></nav><h1>").Append(Html.E(title)).Append("</h1>");
        if (zone is null)
        {
            sb.Append("<p class=\"empty\">This zone has no current count (it may never have been seen, or only its history is kept).</p>");
        }
        else
        {
            ZoneReading reading = StockMap.Read(zone);
            sb.Append("<dl class=\"figures\"><div><dt>State</dt><dd><span class=\"badge ").Append(StockMap.Css(reading)).Append("\">").Append(Html.E(StockMap.Words(reading))).Append("</span></dd></div>")
              .Append("<div><dt>Units / expected</dt><dd>").Append(zone.Units?.ToString(CultureInfo.InvariantCulture) ?? "—").Append(" / ").Append(zone.ExpectedUnits?.ToString(CultureInfo.InvariantCulture) ?? "—").Append("</dd></div>")
              .Append("<div><dt>Facings / minimum</dt><dd>").Append(zone.Facings?.ToString(CultureInfo.InvariantCulture) ?? "—").Append(" / ").Append(zone.MinFacings?.ToString(CultureInfo.InvariantCulture) ?? "—").Append("</dd></div>")
              .Append("<div><dt>Last seen</dt><dd>").Append(zone.ObservedAt is { } o ? clock.Time(o) + $" ({Html.Ago(now - o)} ago)" : "never").Append("</dd></div>")
              .Append("<div><dt>Camera</dt><dd>").Append(Html.E(zone.CameraId)).Append(": ").Append(Html.E(zone.CameraIssue ?? zone.CameraState ?? "unknown")).Append("</dd></div>")
              .Append("<div><dt>Device</dt><dd>").Append(Html.E(zone.DeviceId)).Append(": ").Append(zone.DeviceOnline ? "online" : "offline (" + Html.E(zone.DeviceStatus ?? "not heard from") + ")").Append("</dd></div></dl>");
        }

        sb.Append("<h2 id=\"history\">Units against expected, last ").Append(rangeLabel).Append("</h2><nav class=\"ranges\" aria-label=\"Time range\">");
        foreach ((string key, string label, _) in Ranges)
        {
            sb.Append("<a href=\"").Append(Html.E(self + "&range=" + key)).Append("#history\"").Append(key == rangeKey ? " aria-current=\"true\"" : "").Append('>').Append(label).Append("</a> ");
        }
        sb.Append("</nav>");
        if (history.Count == 0)
        {
            sb.Append("<p class=\"empty\">No counts in the last ").Append(rangeLabel).Append(".</p>");
        }
        else
        {
            // The zone row keeps expected units once an import or a discrepancy named them; else the latest discrepancy's figure.
            int? expected = zone?.ExpectedUnits ?? discrepancies.FirstOrDefault(d => d.ExpectedUnits is not null)?.ExpectedUnits;
            sb.Append(ZoneChart.Render(history, expected, discrepancies, from, now, clock));
        }

        sb.Append("<h2>Latest evidence photo</h2>");
        DiscrepancyRecord? withPhoto = discrepancies.FirstOrDefault(d => d.EvidenceId is not null);
        if (withPhoto is null)
        {
            sb.Append("<p class=\"empty\">No evidence photo for this zone.</p>");
        }
        else
        {
            sb.Append("<figure class=\"evidence\"><img id=\"evidence\" src=\"/api/v1/evidence/").Append(Html.Q(withPhoto.EvidenceId)).Append("\" alt=\"Evidence photo of ")
              .Append(Html.E(withPhoto.Kind)).Append(" at ").Append(Html.E(location)).Append("\"><figcaption>").Append(Html.E(withPhoto.Kind)).Append(", ")
              .Append(clock.Time(withPhoto.StartedAt)).Append(" (camera ").Append(Html.E(withPhoto.CameraId)).Append(")</figcaption></figure>");
        }

        sb.Append("<h2>Discrepancies</h2>");
        if (discrepancies.Count == 0)
        {
            sb.Append("<p class=\"empty\">None recorded for this zone.</p>");
        }
        else
        {
            sb.Append("<ol class=\"timeline\">");
            foreach (DiscrepancyRecord d in discrepancies.Take(20))
            {
                DiscrepancyRecord full = await queries.DiscrepancyAsync(d.Id, ct).ConfigureAwait(false) ?? d;
                sb.Append("<li class=\"").Append(d.State == "open" ? "open" : "ended").Append("\"><strong>").Append(Html.E(d.Kind)).Append("</strong> (").Append(Html.E(d.Severity)).Append(", ")
                  .Append(d.State).Append(") from ").Append(clock.Time(d.StartedAt)).Append(d.EndedAt is { } e ? " to " + clock.Time(e) + $", lasted {Html.Ago(e - d.StartedAt)}" : $", open for {Html.Ago(now - d.StartedAt)}");
                if (full.Events is { Count: > 0 } steps)
                {
                    sb.Append("<ul>");
                    foreach (DiscrepancyStep step in steps)
                    {
                        sb.Append("<li>").Append(clock.Time(step.OccurredAt, withZone: false, format: "MM-dd HH:mm:ss")).Append(' ').Append(Html.E(step.Phase)).Append(", ").Append(Html.E(step.Severity))
                          .Append(step.ObservedUnits is { } u ? $", {u}" + (step.ExpectedUnits is { } x ? $" of {x}" : "") + " units" : "")
                          .Append(step.Detail is null ? "" : " — " + Html.E(step.Detail)).Append("</li>");
                    }
                    sb.Append("</ul>");
                }
                sb.Append("</li>");
            }
            sb.Append("</ol>");
        }

        sb.Append("<h2>Scanner counts</h2>").Append(await ScannerCountsAsync(db, storeId, location, sku, clock, ct).ConfigureAwait(false))
          .Append("<h2>Forecast and reorder</h2>").Append(await ForecastAsync(db, storeId, sku, ct).ConfigureAwait(false));
        return WebApp.HtmlResult(Html.Page(title, "overview", caller, sb.ToString()));
    }

    /// <summary>The SKU's latest forecast and reorder recommendation at this store (the forecast run's row), in words.</summary>
    private static async Task<string> ForecastAsync(CloudDatabase db, string storeId, string? sku, CancellationToken ct)
    {
        string link = "/reorder?store=" + Html.Q(storeId) + (sku is null ? "" : "&amp;sku=" + Html.Q(sku));
        if (sku is null)
        {
            return $"<p class=\"empty\">This zone has no SKU, so there is no forecast. <a href=\"{link}\">Reorder list of the store</a>.</p>";
        }
        List<Forecasts.Recommendation> rows = await Forecasts.ForecastEndpoints.QueryAsync(db, storeId, sku, null, 1, ct).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return $"<p class=\"empty\">No forecast for this SKU yet: the forecast run has not covered it. <a href=\"{link}\">Reorder list</a>.</p>";
        }
        Forecasts.Recommendation r = rows[0];
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("<dl class=\"figures\">");
        void Fact(string name, string value) => sb.Append("<div><dt>").Append(Html.E(name)).Append("</dt><dd>").Append(Html.E(value)).Append("</dd></div>");
        Fact("Demand per day", string.Format(ic, "{0:0.##} ({1:0.##}–{2:0.##})", r.ForecastPerDay, r.ForecastLow, r.ForecastHigh));
        Fact("Runs out", r.PredictedStockoutDate ?? $"not within {r.HorizonDays} days");
        Fact("On hand / reorder point", string.Format(ic, "{0:0} / {1:0.#}", r.OnHand, r.ReorderPoint));
        Fact("Safety stock / order up to", string.Format(ic, "{0:0.#} / {1:0.#}", r.SafetyStock, r.OrderUpTo));
        Fact("Order now", r.ReorderNow ? string.Format(ic, "yes, {0:0}", r.OrderQuantity) + (r.PackSize > 1 ? $" (packs of {r.PackSize})" : "") : "no");
        Fact("Based on", $"{r.Method}, {r.DemandSource}, {r.HistoryDays} days" + (r.Fallback is null ? "" : $"; {r.Fallback}"));
        sb.Append("</dl><p><a href=\"").Append(link).Append("\">Reorder list for this SKU</a></p>");
        return sb.ToString();
    }

    private static async Task<string> ScannerCountsAsync(CloudDatabase db, string storeId, string location, string? sku, StoreClock clock, CancellationToken ct)
    {
        var sb = new StringBuilder();
        using SqlSession s = await SqlSession.BeginReadAsync(db, ct).ConfigureAwait(false);
        using var r = s.Query("""
            SELECT counted_at, sku, quantity, received_by FROM scanner_counts
            WHERE store_id = @s AND location_id = @l AND (@any = 1 OR sku = @k) ORDER BY counted_at DESC LIMIT 10
            """, ("@s", storeId), ("@l", location), ("@any", sku is null ? 1 : 0), ("@k", sku ?? ""));
        while (r.Read())
        {
            sb.Append("<tr><td>").Append(clock.Time(CloudDatabase.Time(r.GetInt64(0)))).Append("</td><td>").Append(Html.E(r.GetString(1))).Append("</td><td class=\"num\">")
              .Append(r.GetInt32(2)).Append("</td><td>").Append(Html.E(r.GetString(3))).Append("</td></tr>");
        }
        return sb.Length == 0 ? "<p class=\"empty\">No handheld scanner count for this zone.</p>"
            : $"<table class=\"grid\"><thead><tr><th scope=\"col\">Counted</th><th scope=\"col\">SKU</th><th scope=\"col\">Quantity</th><th scope=\"col\">By</th></tr></thead><tbody>{sb}</tbody></table>";
    }
}

/// <summary>The zone chart: units and facings as lines, expected units dashed, discrepancy intervals shaded; hand-written SVG.</summary>
internal static class ZoneChart
{
    private const int Width = 800, Height = 280, Left = 44, Right = 12, TopPad = 12, Bottom = 40;

    public static string Render(IReadOnlyList<CountPoint> points, int? expected, IReadOnlyList<DiscrepancyRecord> discrepancies, DateTimeOffset from, DateTimeOffset to, StoreClock clock)
    {
        IReadOnlyList<CountPoint> shown = Thin(points, 800);
        int highest = Math.Max(1, Math.Max(shown.Max(p => Math.Max(p.Units, p.Facings)), expected ?? 0));
        int step = NiceStep(highest / 4.0);
        double max = step * (int)Math.Ceiling((highest + 0.5) / step);
        double plotW = Width - Left - Right, plotH = Height - TopPad - Bottom;
        double span = Math.Max(1, (to - from).TotalMilliseconds);
        string X(DateTimeOffset t) => (Left + (plotW * Math.Clamp((t - from).TotalMilliseconds / span, 0, 1))).ToString("0.#", CultureInfo.InvariantCulture);
        string Y(double v) => (TopPad + plotH - (plotH * v / max)).ToString("0.#", CultureInfo.InvariantCulture);
        var sb = new StringBuilder(shown.Count * 40 + 4096);
        sb.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\"><svg id=\"zone-chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Observed units")
          .Append(CultureInfo.InvariantCulture, $" ({points.Count} counts, latest {points[^1].Units}){(expected is { } ex ? $" against {ex} expected" : "")}</title>");
        foreach (DiscrepancyRecord d in discrepancies.Where(d => d.StartedAt < to && (d.EndedAt ?? to) > from))
        {
            string x1 = X(d.StartedAt > from ? d.StartedAt : from), x2 = X(d.EndedAt ?? to);
            double w = double.Parse(x2, CultureInfo.InvariantCulture) - double.Parse(x1, CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"band {(d.Kind == "outOfStock" ? "empty" : "low")}\" x=\"{x1}\" y=\"{TopPad}\" width=\"{Math.Max(1.5, w):0.#}\" height=\"{plotH:0.#}\"><title>{Html.E(d.Kind)} from {Html.E(clock.Local(d.StartedAt).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture))}</title></rect>");
        }
        for (int v = 0; v <= max; v += step)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"gridline\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v)}\" y2=\"{Y(v)}\"/><text class=\"tick\" x=\"{Left - 6}\" y=\"{Y(v)}\" text-anchor=\"end\" dy=\"4\">{v:0}</text>");
        }
        string format = (to - from).TotalDays > 2 ? "MM-dd" : "HH:mm";
        for (int i = 0; i <= 6; i++)
        {
            DateTimeOffset t = from + ((to - from) * i / 6);
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{X(t)}\" y=\"{Height - Bottom + 16}\" text-anchor=\"{(i == 0 ? "start" : i == 6 ? "end" : "middle")}\">{clock.Local(t).ToString(format, CultureInfo.InvariantCulture)}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Width - Right}\" y=\"{Height - 6}\" text-anchor=\"end\">time ({Html.E(clock.Label)})</text>");
        if (expected is { } e)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"expected\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(e)}\" y2=\"{Y(e)}\"/>");
        }
        sb.Append("<polyline class=\"facings\" points=\"");
        foreach (CountPoint p in shown)
        {
            sb.Append(X(p.ObservedAt)).Append(',').Append(Y(p.Facings)).Append(' ');
        }
        sb.Append("\"/><polyline class=\"units\" points=\"");
        foreach (CountPoint p in shown)
        {
            sb.Append(X(p.ObservedAt)).Append(',').Append(Y(p.Units)).Append(' ');
        }
        sb.Append("\"/>");
        if (shown.Count <= 60)
        {
            foreach (CountPoint p in shown)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"dot\" cx=\"{X(p.ObservedAt)}\" cy=\"{Y(p.Units)}\" r=\"3\"><title>{clock.Local(p.ObservedAt):MM-dd HH:mm}: {p.Units} units, {p.Facings} facings</title></circle>");
            }
        }
        sb.Append("</svg><figcaption><span class=\"key units\">units</span> <span class=\"key facings\">facings</span>")
          .Append(expected is null ? "" : " <span class=\"key expected\">expected</span>")
          .Append(" <span class=\"key band-empty\">out of stock</span> <span class=\"key band-low\">other shortage</span></figcaption></figure>");
        return sb.ToString();
    }

    /// <summary>1, 2, 5, 10, 20, 50… at or above <paramref name="rough"/>.</summary>
    private static int NiceStep(double rough)
    {
        int step = 1;
        while (true)
        {
            foreach (int m in new[] { 1, 2, 5 })
            {
                if (step * m >= rough)
                {
                    return step * m;
                }
            }
            step *= 10;
        }
    }

    /// <summary>At most about <paramref name="target"/> points: each bucket keeps its lowest and highest count, so a dip is never smoothed away.</summary>
    private static IReadOnlyList<CountPoint> Thin(IReadOnlyList<CountPoint> points, int target)
    {
        if (points.Count <= target)
        {
            return points;
        }
        int per = (int)Math.Ceiling(points.Count * 2.0 / target);
        var thin = new List<CountPoint>(target + 2);
        for (int i = 0; i < points.Count; i += per)
        {
            var bucket = points.Skip(i).Take(per).ToList();
            CountPoint lo = bucket.MinBy(p => p.Units)!, hi = bucket.MaxBy(p => p.Units)!;
            thin.AddRange(lo.ObservedAt <= hi.ObservedAt ? [lo, hi] : [hi, lo]);
        }
        return thin;
    }
}
