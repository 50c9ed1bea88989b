using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Hosting;
using EdgeInventory.Cloud.Storage;
using Microsoft.AspNetCore.Http;

namespace EdgeInventory.Cloud.Api;

/// <summary>An operator's action on one alert: checked against the key's role and stores, applied in one transaction.</summary>
public sealed class AlertActions
{
    private readonly CloudDatabase _database;
    private readonly AlertLifecycle _lifecycle;
    private readonly ChangeSignal _changes;
    private readonly TimeProvider _clock;

    public AlertActions(CloudDatabase database, AlertLifecycle lifecycle, ChangeSignal changes, TimeProvider clock)
    {
        _database = database;
        _lifecycle = lifecycle;
        _changes = changes;
        _clock = clock;
    }

    public async Task<IResult> RunAsync(HttpContext http, string alertId,
        Func<AlertLifecycle, SqlSession, ApiCaller, DateTimeOffset, (AlertLifecycle.ActionResult Result, string? Conflict)> action, CancellationToken cancellationToken)
    {
        ApiCaller caller = ApiEndpoints.Caller(http);
        using SqlSession s = await SqlSession.BeginAsync(_database, cancellationToken).ConfigureAwait(false);
        AlertRecord? before = AlertLifecycle.Load(s, alertId);
        if (before is null || !caller.MaySee(before.StoreId))
        {
            return ApiEndpoints.NotFound(http, $"alert '{alertId}'");
        }
        if (!caller.MayActOnAlerts)
        {
            return ApiEndpoints.Forbidden(http, $"a {caller.Role} key may read alerts but not act on them");
        }
        (AlertLifecycle.ActionResult result, string? conflict) = action(_lifecycle, s, caller, _clock.GetUtcNow());
        if (result == AlertLifecycle.ActionResult.Conflict)
        {
            return ApiEndpoints.Problem(http, StatusCodes.Status409Conflict, "conflict", conflict ?? "the alert cannot make this transition");
        }
        AlertRecord after = AlertLifecycle.Load(s, alertId)!;
        s.Commit();
        _changes.Pulse();
        return Results.Ok(after);
    }
}
