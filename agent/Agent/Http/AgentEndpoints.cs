using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace EdgeInventory.Agent.Http;

/// <summary>
/// The agent's local HTTP endpoint: <c>POST /v1/scanner-counts</c> for handheld scanners (per-device API
/// keys), <c>GET /metrics</c> (Prometheus text) and <c>GET /healthz</c>. A refused post gets a status and a
/// JSON body naming the reason, and changes nothing.
/// </summary>
public static partial class AgentEndpoints
{
    public const string ScannerCountsPath = "/v1/scanner-counts";

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(ScannerCountsPath, PostScannerCount);
        app.MapGet("/metrics", ScrapeMetrics);
        app.MapGet("/healthz", Health);
        return app;
    }

    private static async Task<IResult> PostScannerCount(HttpContext http, ScannerIntake scanners, AgentMetrics metrics, AgentSettings settings, ILoggerFactory logs)
    {
        string? device = Authenticate(http.Request, settings);
        if (device is null)
        {
            metrics.ScannerCountRefused(AgentMetrics.Unauthorized);
            return Problem(StatusCodes.Status401Unauthorized, "unauthorized", "a valid API key is needed (Authorization: Bearer KEY or X-Api-Key: KEY)");
        }

        // Read at most one byte more than a scanner count may have, so an oversized body is refused unread.
        byte[] body = new byte[ScannerCount.MaxPayloadBytes + 1];
        int length = 0;
        try
        {
            while (length < body.Length)
            {
                int n = await http.Request.Body.ReadAsync(body.AsMemory(length), http.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                length += n;
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusals of the body (declared over its size limit, too slow): counted and one line, not an unhandled exception.
            metrics.ScannerCountRefused(AgentMetrics.Invalid);
            LogBodyRefused(logs.CreateLogger(typeof(AgentEndpoints).FullName!), e.StatusCode, http.Connection.RemoteIpAddress, e.Message);
            return Problem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "oversized" : "badBody", e.Message);
        }

        ContractParseResult<ScannerCount> parsed = ContractParser.Parse<ScannerCount>(body.AsSpan(0, length));
        if (parsed.Message is not { } count)
        {
            metrics.ScannerCountRefused(AgentMetrics.Invalid);
            int status = parsed.Rejection!.Reason == ContractRejectionReason.Oversized ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
            return Problem(status, JsonNamingPolicy.CamelCase.ConvertName(parsed.Rejection.Reason.ToString()), parsed.Rejection.Detail);
        }

        if (count.DeviceId != device)
        {
            metrics.ScannerCountRefused(AgentMetrics.Forbidden);
            return Problem(StatusCodes.Status403Forbidden, "wrongDevice", $"the key belongs to '{device}', the count says deviceId '{count.DeviceId}'");
        }

        (ScannerCountOutcome outcome, string detail) = scanners.Accept(count);
        metrics.ScannerCountHandled(outcome);
        return outcome switch
        {
            ScannerCountOutcome.Accepted => Results.Json(new ScannerCountReply("accepted", count.EventId, detail), AgentJsonContext.Default.ScannerCountReply, statusCode: StatusCodes.Status202Accepted),
            ScannerCountOutcome.Duplicate => Results.Json(new ScannerCountReply("duplicate", count.EventId, detail), AgentJsonContext.Default.ScannerCountReply, statusCode: StatusCodes.Status200OK),
            ScannerCountOutcome.FutureDated => Problem(StatusCodes.Status400BadRequest, "futureDated", detail),
            _ => Problem(StatusCodes.Status400BadRequest, "rejected", detail),
        };
    }

    private static async Task ScrapeMetrics(HttpContext http, AgentMetrics metrics)
    {
        http.Response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
        await metrics.WriteAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
    }

    private static IResult Health(ZoneStateKeeper zones, CameraStatusBoard board, DetectionHealth detection)
    {
        bool loopAlive = detection.LoopAlive;
        bool detectorFailing = detection.Failing;
        var cameras = board.ReadAll().Select(static c => new CameraHealthReply(
            c.CameraId,
            JsonNamingPolicy.CamelCase.ConvertName(c.State.ToString()),
            c.FramesCaptured,
            c.FramesDropped,
            c.Restarts,
            c.LastFrameAt,
            c.ViewChanged,
            c.LastError)).ToList();
        string status = !loopAlive ? "detection loop not running"
            : detectorFailing ? $"detector failing every round ({detection.LastError})"
            : "ok";
        var reply = new HealthReply(status, zones.ModelVersion, zones.OpenDiscrepancyTotal, cameras);
        return Results.Json(reply, AgentJsonContext.Default.HealthReply, statusCode: status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The device whose key the request carries, or null. Keys are compared by SHA-256 in constant time.</summary>
    private static string? Authenticate(HttpRequest request, AgentSettings settings)
    {
        string? key = request.Headers["X-Api-Key"].FirstOrDefault();
        string? authorization = request.Headers.Authorization.FirstOrDefault();
        if (key is null && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(key) || key.Length > 512)
        {
            return null;
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? device = null;
        foreach ((string known, string owner) in settings.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(known)))
            {
                device = owner;
            }
        }

        return device;
    }

    private static IResult Problem(int status, string error, string detail) =>
        Results.Json(new ErrorReply(error, detail), AgentJsonContext.Default.ErrorReply, statusCode: status);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "scanner count post from {Remote} refused with {Status}: {Reason}")]
    private static partial void LogBodyRefused(ILogger logger, int status, System.Net.IPAddress? remote, string reason);
}

public sealed record ErrorReply(string Error, string Detail);

public sealed record ScannerCountReply(string Status, Guid EventId, string Detail);

public sealed record CameraHealthReply(string CameraId, string State, long FramesCaptured, long FramesSkipped, int Restarts, DateTimeOffset? LastFrameAt, bool ViewChanged, string? LastError);

public sealed record HealthReply(string Status, string ModelVersion, int OpenDiscrepancies, IReadOnlyList<CameraHealthReply> Cameras);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorReply))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ScannerCountReply))]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReply))]
public sealed partial class AgentJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
