using System.Globalization;
using EdgeInventory.Contracts;
using EdgeInventory.Messaging;
using EdgeInventory.Mqtt;
using EdgeInventory.Testing;
using Microsoft.Data.Sqlite;

// Usage: TestHost --db PATH --port N --user U --password P [--enqueue N] [--zones Z] [--commands hold|store [--expect N]]
// Without --commands: enqueues N discrepancy events (in transactions of 100, as an agent would in bursts), then relays
// the outbox to the broker and exits once it is empty. Prints "enqueued N" and "done" on stdout.
// With --commands: takes the store's scanner counts through CommandIntake on the device's persistent session, as the
// agent does. "hold" prints "received <event id>" for each and never stores or acknowledges it (the agent between
// receipt and storage, waiting to be killed); "store" commits each to the table 'applied' (a redelivered id is not
// applied twice), then acknowledges it, prints "stored <event id>", and exits once --expect counts are stored.
var args_ = ParseArguments(args);
string db = args_["db"];
int enqueue = int.Parse(args_.GetValueOrDefault("enqueue", "0"), CultureInfo.InvariantCulture);
int zones = int.Parse(args_.GetValueOrDefault("zones", "20"), CultureInfo.InvariantCulture);
string? commands = args_.GetValueOrDefault("commands");

var options = new MqttConnectionOptions
{
    Host = "127.0.0.1",
    Port = int.Parse(args_["port"], CultureInfo.InvariantCulture),
    ClientId = "s042-edge-01",
    Username = args_["user"],
    Password = args_["password"],
    ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
    ReconnectDelayMax = TimeSpan.FromSeconds(1),
};
if (commands is not null)
{
    options.SessionExpiry = TimeSpan.FromHours(1);
    options.ManualAcknowledgement = true;
    return await TakeCommandsAsync(options, db, commands, int.Parse(args_.GetValueOrDefault("expect", "0"), CultureInfo.InvariantCulture));
}

var outbox = new SqliteOutbox(new OutboxOptions { DatabasePath = db });
var started = DateTimeOffset.UtcNow;
for (int done = 0; done < enqueue; done += 100)
{
    outbox.EnqueueBatch(Enumerable.Range(done, Math.Min(100, enqueue - done)).Select(i => OutboxMessage.For(TestMessages.Discrepancy($"zone-{i % zones}", at: started))));
}
Console.WriteLine($"enqueued {enqueue}");

using var client = new MqttConnection(options);
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

static async Task<int> TakeCommandsAsync(MqttConnectionOptions options, string db, string mode, int expect)
{
    using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
    connection.Open();
    using (SqliteCommand create = connection.CreateCommand())
    {
        create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS applied (event_id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)";
        create.ExecuteNonQuery();
    }
    using var client = new MqttConnection(options);
    var intake = new CommandIntake(client, "s042");
    await client.WaitConnectedAsync();
    await intake.SubscribeAsync();
    Console.WriteLine("subscribed");
    using var stop = new CancellationTokenSource();
    Task running = intake.RunAsync(stop.Token);
    int stored = 0;
    await foreach (InboundCommand<ScannerCount> command in intake.ScannerCounts.ReadAllAsync())
    {
        if (mode == "hold")
        {
            Console.WriteLine($"received {command.Message.EventId}");
            continue;
        }
        using (SqliteCommand insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT OR IGNORE INTO applied VALUES ($id, $at)";
            insert.Parameters.AddWithValue("$id", command.Message.EventId.ToString());
            insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }
        await command.AcknowledgeAsync();
        Console.WriteLine($"stored {command.Message.EventId}");
        if (++stored >= expect)
        {
            break;
        }
    }
    await stop.CancelAsync();
    try
    {
        await running;
    }
    catch (OperationCanceledException)
    {
    }
    return 0;
}

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
