using EdgeInventory.Simulator.Scoring;
using EdgeInventory.Simulator.Story;

namespace EdgeInventory.Simulator.Chain;

/// <summary>
/// The run's short live summary, from the cloud's API and the story: stores online, zones reporting, open shortages
/// (cloud) against true ones (story), alerts, when the first one came, and the delivery lag (how old each store's
/// newest data on the cloud is: it grows while a device has lost its broker).
/// </summary>
internal sealed class LiveSummary(TextWriter output, RunClock clock, IReadOnlyList<StoreStory> stories)
{
    private List<CloudStore> _stores = [];
    private string? _error;

    public List<CloudAlert> Alerts { get; private set; } = [];

    public double? FirstAlertAt { get; private set; }

    /// <summary>Reads the cloud; false (and the last figures kept) when it did not answer.</summary>
    public async Task<bool> RefreshAsync(CloudView cloud, CancellationToken cancel)
    {
        try
        {
            Alerts = await cloud.AlertsAsync(cancel);
            _stores = await cloud.StoresAsync(cancel);
            _error = null;
            if (FirstAlertAt is null && Alerts.Count > 0)
            {
                FirstAlertAt = clock.Seconds;
            }
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or FormatException or InvalidOperationException)
        {
            _error = e.Message.Split('\n')[0];
            return false;
        }
    }

    public void Print()
    {
        double t = clock.Seconds;
        int trulyShort = stories.Sum(s => s.Truth(t).Count(x => x.End > t));
        int online = _stores.Sum(s => s.DevicesOnline), devices = _stores.Sum(s => s.Devices);
        string lag = string.Join(" ", _stores.OrderBy(s => s.StoreId, StringComparer.Ordinal)
            .Select(s => $"{s.StoreId} {(s.LastSeen is DateTimeOffset seen ? $"{Math.Max(0, (DateTimeOffset.UtcNow - seen).TotalSeconds):0}s" : "-")}"));
        string first = FirstAlertAt is double f ? $" (first at {f:0}s)" : "";
        output.WriteLine(
            $"{t,5:0}s  devices online {online}/{stories.Count}  zones {_stores.Sum(s => s.Zones)}  "
            + $"open shortages {_stores.Sum(s => s.OpenShortages)} (truly short {trulyShort})  "
            + $"alerts {Alerts.Count}, open {Alerts.Count(a => a.State != "resolved")}{first}  "
            + $"newest data {(lag.Length == 0 ? "-" : lag)}{(devices > stories.Count ? $"  ({devices} devices)" : "")}"
            + (_error is null ? "" : $"  [cloud: {_error}]"));
    }
}
