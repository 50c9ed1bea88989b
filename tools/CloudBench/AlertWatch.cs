using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.CloudBench;

/// <summary>
/// Records when each opened alert reaches an operator: as an <see cref="OperatorAlert"/> on <c>edgeinv/alerts/+</c>
/// (user <c>operators</c>, as the deployment ACL allows) keyed by its source event id, and as an <c>alert</c> event
/// with action <c>opened</c> on <c>GET /api/v1/events</c> keyed by its discrepancy id. First arrival wins.
/// </summary>
internal sealed class AlertWatch : IAsyncDisposable
{
    private readonly MqttConnection _operators;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _mqttReading;
    private readonly Task _sseReading;
    private readonly TaskCompletionSource _sseOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AlertWatch(MqttConnection operators, HttpClient http, Uri events, string apiKey)
    {
        _operators = operators;
        _http = http;
        _mqttReading = Task.Run(ReadMqttAsync);
        _sseReading = Task.Run(() => ReadSseAsync(events, apiKey));
    }

    /// <summary>Source event id → arrival (Stopwatch timestamp) of the alert's first MQTT message.</summary>
    public ConcurrentDictionary<Guid, long> MqttBySourceEvent { get; } = new();

    /// <summary>Discrepancy id → arrival of the alert's <c>opened</c> server-sent event.</summary>
    public ConcurrentDictionary<Guid, long> SseByDiscrepancy { get; } = new();

    public string? SseError { get; private set; }

    public static async Task<AlertWatch> StartAsync(MqttConnection operators, HttpClient http, Uri api, string apiKey)
    {
        await operators.WaitConnectedAsync().ConfigureAwait(false);
        await operators.SubscribeAsync("edgeinv/alerts/+", qos: 1).ConfigureAwait(false);
        var watch = new AlertWatch(operators, http, new Uri(api, "/api/v1/events"), apiKey);
        await watch._sseOpen.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return watch;
    }

    private async Task ReadMqttAsync()
    {
        try
        {
            await foreach (MqttMessage m in _operators.Messages.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                long now = Stopwatch.GetTimestamp();
                if (ContractParser.Parse<OperatorAlert>(m.Payload).Message is { State: AlertState.Raised } alert)
                {
                    foreach (Guid source in alert.SourceEventIds)
                    {
                        MqttBySourceEvent.TryAdd(source, now);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadSseAsync(Uri events, string apiKey)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, events);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
            string? kind = null;
            while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
            {
                _sseOpen.TrySetResult(); // the stream's greeting: subscribed from here on
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    kind = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && kind == "alert")
                {
                    long now = Stopwatch.GetTimestamp();
                    using JsonDocument doc = JsonDocument.Parse(line["data: ".Length..]);
                    if (doc.RootElement.GetProperty("action").GetString() == "opened"
                        && Guid.TryParse(doc.RootElement.GetProperty("alert").GetProperty("discrepancyId").GetString(), out Guid discrepancy))
                    {
                        SseByDiscrepancy.TryAdd(discrepancy, now);
                    }
                }
                else if (line.Length == 0)
                {
                    kind = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or KeyNotFoundException)
        {
            SseError = e.Message;
            _sseOpen.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_mqttReading, _sseReading).ConfigureAwait(false);
        _stop.Dispose();
    }
}
