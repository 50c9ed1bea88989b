using System.Globalization;
using System.Text;
using EdgeInventory.Cloud.State;

namespace EdgeInventory.Cloud.Web;

/// <summary>What the map says of a zone, worst reading first: a zone whose camera or device is down cannot be trusted
/// (unverified), then empty (an open out-of-stock), low (below minimum, a gap, or fewer units than expected), stale
/// (not seen for <see cref="StockMap.StaleAfter"/>), in stock.</summary>
internal enum ZoneReading
{
    Unverified,
    Empty,
    Low,
    Stale,
    InStock,
}

/// <summary>
/// The stock map: zones placed from their location ids <c>store/aisle/bay/shelf</c>, aisles as rows, bays as columns
/// within them, shelves stacked in a bay (first shelf on top), several SKUs on one shelf side by side. Plain SVG, each
/// zone a link to its detail with its state in words for screen readers.
/// </summary>
internal static class StockMap
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    private const int LabelWidth = 64, BayWidth = 112, BayGap = 8, ShelfHeight = 26, ShelfGap = 3, BayLabel = 16, AisleGap = 18, Top = 4;

    public static ZoneReading Read(ZoneState z)
    {
        if (z.CameraIssue is not null || z.DeviceStatus == "offline" || z.CameraState is "offline" or "stalled")
        {
            return ZoneReading.Unverified;
        }
        if (z.OpenDiscrepancies.Contains("outOfStock"))
        {
            return ZoneReading.Empty;
        }
        if (z.OpenDiscrepancies.Contains("belowMinimum") || z.OpenDiscrepancies.Contains("gap")
            || (z.ExpectedUnits is { } e && z.Units is { } u && u < e) || (z.MinFacings is { } m && z.Facings is { } f && f < m))
        {
            return ZoneReading.Low;
        }
        if (z.AgeSeconds is not { } age || age > StaleAfter.TotalSeconds)
        {
            return ZoneReading.Stale;
        }
        return ZoneReading.InStock;
    }

    public static string Css(ZoneReading r) => r switch
    {
        ZoneReading.Unverified => "unverified",
        ZoneReading.Empty => "empty",
        ZoneReading.Low => "low",
        ZoneReading.Stale => "stale",
        _ => "instock",
    };

    public static string Words(ZoneReading r) => r switch
    {
        ZoneReading.Unverified => "unverified (camera or device down)",
        ZoneReading.Empty => "empty (out of stock)",
        ZoneReading.Low => "low (below expected or minimum)",
        ZoneReading.Stale => "stale (not seen for over 30 min)",
        _ => "in stock",
    };

    /// <summary>(aisle, bay, shelf) of a location id, without the store; missing parts are shown as "—".</summary>
    public static (string Aisle, string Bay, string Shelf) Place(string storeId, string locationId)
    {
        string[] parts = locationId.Split('/');
        int i = parts.Length > 1 && parts[0] == storeId ? 1 : 0;
        string Part(int k) => i + k < parts.Length && parts[i + k].Length > 0 ? parts[i + k] : "—";
        string shelf = parts.Length > i + 3 ? string.Join('/', parts[(i + 2)..]) : Part(2);
        return (Part(0), Part(1), shelf);
    }

    public static string Render(string storeId, IReadOnlyList<ZoneState> zones)
    {
        var aisles = zones
            .Select(z => (Zone: z, Place: Place(storeId, z.LocationId)))
            .GroupBy(x => x.Place.Aisle).OrderBy(g => g.Key, NaturalOrder.Instance)
            .Select(a => (Aisle: a.Key, Bays: a.GroupBy(x => x.Place.Bay).OrderBy(g => g.Key, NaturalOrder.Instance)
                .Select(b => (Bay: b.Key, Shelves: b.GroupBy(x => x.Place.Shelf).OrderBy(g => g.Key, NaturalOrder.Instance)
                    .Select(s => (Shelf: s.Key, Zones: s.Select(x => x.Zone).OrderBy(z => z.Sku, StringComparer.Ordinal).ToList())).ToList())).ToList()))
            .ToList();
        int maxBays = aisles.Max(a => a.Bays.Count);
        int width = LabelWidth + (maxBays * (BayWidth + BayGap));
        var body = new StringBuilder(zones.Count * 420);
        int y = Top;
        foreach (var aisle in aisles)
        {
            int shelves = aisle.Bays.Max(b => b.Shelves.Count);
            int height = BayLabel + (shelves * (ShelfHeight + ShelfGap));
            body.Append(CultureInfo.InvariantCulture, $"<g class=\"aisle\"><text class=\"aisle-label\" x=\"0\" y=\"{y + BayLabel + 14}\">{Html.E(aisle.Aisle)}</text>");
            int x = LabelWidth;
            foreach (var bay in aisle.Bays)
            {
                body.Append(CultureInfo.InvariantCulture, $"<text class=\"bay-label\" x=\"{x + 2}\" y=\"{y + 11}\">{Html.E(bay.Bay)}</text>");
                int sy = y + BayLabel;
                foreach (var shelf in bay.Shelves)
                {
                    double w = (double)BayWidth / shelf.Zones.Count;
                    for (int k = 0; k < shelf.Zones.Count; k++)
                    {
                        ZoneState z = shelf.Zones[k];
                        ZoneReading reading = Read(z);
                        double zx = x + (k * w);
                        string label = $"Aisle {aisle.Aisle}, bay {bay.Bay}, shelf {shelf.Shelf}{(z.Sku is null ? "" : ", SKU " + z.Sku)}: {Words(reading)}" +
                            (z.Units is { } u ? $", {u} units" + (z.ExpectedUnits is { } e ? $" of {e} expected" : "") : "");
                        string href = $"/stores/{Html.Q(storeId)}/zones?location={Html.Q(z.LocationId)}" + (z.Sku is null ? "" : "&sku=" + Html.Q(z.Sku));
                        body.Append("<a class=\"zone\" href=\"").Append(Html.E(href)).Append("\" aria-label=\"").Append(Html.E(label)).Append("\">")
                            .Append(CultureInfo.InvariantCulture, $"<rect class=\"z {Css(reading)}\" x=\"{zx + 1:0.#}\" y=\"{sy}\" width=\"{w - 2:0.#}\" height=\"{ShelfHeight}\" rx=\"3\"/>")
                            .Append(CultureInfo.InvariantCulture, $"<text class=\"zone-text\" x=\"{zx + 5:0.#}\" y=\"{sy + 17}\">{Html.E(shelf.Shelf)}{(shelf.Zones.Count == 1 && z.Units is { } un ? " · " + un.ToString(CultureInfo.InvariantCulture) : "")}</text>")
                            .Append("<title>").Append(Html.E(label)).Append("</title></a>");
                    }
                    sy += ShelfHeight + ShelfGap;
                }
                x += BayWidth + BayGap;
            }
            body.Append("</g>");
            y += height + AisleGap;
        }
        return $"<svg class=\"stockmap\" role=\"group\" aria-label=\"Stock map: aisles as rows, bays as columns, shelves stacked\" viewBox=\"0 0 {width} {y}\" width=\"{width}\" height=\"{y}\">{body}</svg>";
    }

    public static string Legend(IReadOnlyList<ZoneState> zones)
    {
        var counts = zones.GroupBy(Read).ToDictionary(g => g.Key, g => g.Count());
        var sb = new StringBuilder("<ul class=\"legend\" aria-label=\"Legend\">");
        foreach (ZoneReading r in Enum.GetValues<ZoneReading>())
        {
            sb.Append("<li><svg width=\"14\" height=\"14\" aria-hidden=\"true\"><rect class=\"z ").Append(Css(r)).Append("\" width=\"14\" height=\"14\" rx=\"3\"/></svg> ")
              .Append(Html.E(Words(r))).Append(": <strong>").Append(counts.GetValueOrDefault(r)).Append("</strong></li>");
        }
        return sb.Append("</ul>").ToString();
    }
}

/// <summary>"A2" before "A10": digit runs compare as numbers.</summary>
internal sealed class NaturalOrder : IComparer<string?>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? a, string? b)
    {
        a ??= "";
        b ??= "";
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }
                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
                string na = a[si..i].TrimStart('0'), nb = b[sj..j].TrimStart('0');
                int c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : string.CompareOrdinal(na, nb);
                if (c != 0)
                {
                    return c;
                }
            }
            else
            {
                int c = a[i].CompareTo(b[j]);
                if (c != 0)
                {
                    return c;
                }
                i++;
                j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }
}
