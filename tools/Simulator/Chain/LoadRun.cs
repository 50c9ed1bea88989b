using System.Diagnostics;
using System.Text.Json;
using EdgeInventory.Mqtt;
using EdgeInventory.Simulator.Scoring;
using EdgeInventory.Tools;

namespace EdgeInventory.Simulator.Chain;

/// <summary>
/// The simulator's load mode, for ingest benchmarks on the whole deployment (the aggregator a process of its own, as it
/// runs): the contract messages of tools/Shared's <see cref="EventPlan"/> (start, update and end of discrepancies, one
/// in ten a shortage the default route pages) published straight to the broker by one connection per store, each with
/// its store's credentials under the deployment ACL; then the alerts the cloud opened are read back through its API.
/// </summary>
internal static class LoadRun
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(IReadOnlyList<string> stores, IReadOnlyDictionary<string, string> users, int brokerPort, int events, int? rate,
        CloudView cloud, string outDir, TextWriter output, CancellationToken cancel)
    {
        EventPlan plan = EventPlan.Build(stores, events, alertShare: 0.1, tag: "load");
        var publishers = stores.Select(s => new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1",
            Port = brokerPort,
            ClientId = $"load-{s}",
            Username = s,
            Password = users[s],
            ReconnectDelayMin = TimeSpan.FromMilliseconds(100),
        })).ToList();
        try
        {
            foreach (MqttConnection p in publishers)
            {
                await p.WaitConnectedAsync(cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);
            }
            var sentAt = new long[plan.Count];
            var watch = Stopwatch.StartNew();
            await plan.PublishAsync(publishers, rate, sentAt).WaitAsync(cancel);
            TimeSpan published = watch.Elapsed;
            output.WriteLine($"load: published {plan.Count} events from {stores.Count} stores in {published.TotalSeconds:0.00} s ({plan.Count / published.TotalSeconds:0} events/s, every one acknowledged by the broker)");

            // The cloud has them all when every shortage the plan opens is an alert (the plan's last events end them).
            List<CloudAlert> alerts = [];
            while (watch.Elapsed < published + TimeSpan.FromSeconds(120) && !cancel.IsCancellationRequested)
            {
                alerts = await cloud.AlertsAsync(cancel);
                if (alerts.Count >= plan.Alerts)
                {
                    break;
                }
                await Task.Delay(250, cancel);
            }
            TimeSpan seen = watch.Elapsed;
            output.WriteLine($"load: {alerts.Count} of {plan.Alerts} planned alerts visible on the cloud's API {seen.TotalSeconds:0.00} s after the first publish (polled every 0.25 s)");
            var result = new
            {
                stores = stores.Count,
                events = plan.Count,
                publishSeconds = Math.Round(published.TotalSeconds, 3),
                publishedPerSecond = Math.Round(plan.Count / published.TotalSeconds),
                plannedAlerts = plan.Alerts,
                alertsOnCloud = alerts.Count,
                readBackSeconds = Math.Round(seen.TotalSeconds, 3),
            };
            File.WriteAllText(Path.Combine(outDir, "load.json"), JsonSerializer.Serialize(result, Indented));
            return alerts.Count >= plan.Alerts ? 0 : 1;
        }
        finally
        {
            foreach (MqttConnection p in publishers)
            {
                p.Dispose();
            }
        }
    }
}
