using System.Globalization;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;

// Usage: TestHost --db PATH --port N --user U --password P [--enqueue N] [--zones Z]
// Enqueues N discrepancy events (in transactions of 100, as an agent would in bursts), then relays the
// outbox to the broker and exits once it is empty. Prints "enqueued N" and "done" on stdout.
var args_ = ParseArguments(args);
string db = args_["db"];
int enqueue = int.Parse(args_.GetValueOrDefault("enqueue", "0"), CultureInfo.InvariantCulture);
int zones = int.Parse(args_.GetValueOrDefault("zones", "20"), CultureInfo.InvariantCulture);

var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = db });
var started = DateTimeOffset.UtcNow;
for (int done = 0; done < enqueue; done += 100)
{
    outbox.EnqueueBatch(Enumerable.Range(done, Math.Min(100, enqueue - done)).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % zones}", at: started))));
}
Console.WriteLine($"enqueued {enqueue}");

using var client = new MqttConnection(new MqttConnectionOptions
{
    Host = "127.0.0.1",
    Port = int.Parse(args_["port"], CultureInfo.InvariantCulture),
    ClientId = "s042-edge-01",
    Username = args_["user"],
    Password = args_["password"],
    ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
    ReconnectDelayMax = TimeSpan.FromSeconds(1),
});
var relay = new OutboxRelay(outbox, client);
using var stop = new CancellationTokenSource();
Task running = relay.RunAsync(stop.Token);
while (outbox.Stats().Count > 0)
{
    await Task.Delay(50);
}
await stop.CancelAsync();
await running;
Console.WriteLine("done");
return 0;

static Dictionary<string, string> ParseArguments(string[] args)
{
    var parsed = new Dictionary<string, string>();
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        parsed[args[i].TrimStart('-')] = args[i + 1];
    }
    foreach (string required in new[] { "db", "port", "user", "password" })
    {
        if (!parsed.ContainsKey(required))
        {
            Console.Error.WriteLine($"missing --{required}");
            Environment.Exit(2);
        }
    }
    return parsed;
}
