using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace EdgeInventory.Simulator.Scoring;

/// <summary>An alert as the aggregator's API lists it (the fields the summary and the score use).</summary>
internal sealed record CloudAlert(string Id, string StoreId, string? ZoneId, string Kind, string Severity, string State, DateTimeOffset OpenedAt);

/// <summary>A store as <c>GET /api/v1/stores</c> shows it.</summary>
internal sealed record CloudStore(string StoreId, int Zones, int OpenShortages, int OpenAlerts, int DevicesOnline, int Devices, DateTimeOffset? LastSeen);

/// <summary>
/// What reached the cloud, read the way an operator's tool would: through the aggregator's REST API with an API key,
/// never from its database.
/// </summary>
internal sealed class CloudView(Uri baseAddress, string apiKey) : IDisposable
{
    private readonly HttpClient _http = Client(baseAddress, apiKey);

    private static HttpClient Client(Uri baseAddress, string apiKey)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    public async Task<bool> ReadyAsync(CancellationToken cancel)
    {
        try
        {
            using HttpResponseMessage r = await _http.GetAsync(new Uri("/readyz", UriKind.Relative), cancel);
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<List<CloudAlert>> AlertsAsync(CancellationToken cancel)
    {
        JsonArray list = (await GetAsync("/api/v1/alerts?limit=5000", cancel)).AsArray();
        return [.. list.Select(a => new CloudAlert(
            (string)a!["id"]!, (string)a["storeId"]!, (string?)a["zoneId"], (string)a["kind"]!, (string)a["severity"]!, (string)a["state"]!,
            DateTimeOffset.Parse((string)a["openedAt"]!, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public async Task<List<CloudStore>> StoresAsync(CancellationToken cancel)
    {
        JsonArray list = (await GetAsync("/api/v1/stores", cancel)).AsArray();
        return [.. list.Select(s => new CloudStore(
            (string)s!["storeId"]!, Int(s, "zones"), Int(s, "openOutOfStock") + Int(s, "openBelowMinimum") + Int(s, "openGaps"), Int(s, "openAlerts"),
            Int(s, "devicesOnline"), Int(s, "devices"),
            s["lastSeen"] is JsonValue v && DateTimeOffset.TryParse((string?)v, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out DateTimeOffset seen) && seen.Year > 2000 ? seen : null))];

        static int Int(JsonNode node, string name) => node[name] is JsonValue v && v.TryGetValue(out int i) ? i : 0;
    }

    private async Task<JsonNode> GetAsync(string path, CancellationToken cancel)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(path, UriKind.Relative), cancel);
        string body = await r.Content.ReadAsStringAsync(cancel);
        if (!r.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path}: {(int)r.StatusCode} {body}");
        }
        return JsonNode.Parse(body) ?? throw new HttpRequestException($"GET {path}: empty body");
    }

    public void Dispose() => _http.Dispose();
}
