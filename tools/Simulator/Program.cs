using System.CommandLine;
using System.Runtime.InteropServices;
using EdgeInventory.Simulator.Chain;
using EdgeInventory.Tools;

namespace EdgeInventory.Simulator;

/// <summary>
/// <c>edgeinv-sim demo</c> and <c>edgeinv-sim simulate</c> (run through <c>tools/edgeinv demo</c> / <c>simulate</c>,
/// which install and build what is missing first). Exit codes: 0 an alert reached the cloud (load mode: every planned
/// one), 1 none did, 2 a usage error or a run refused (busy port, missing dependency, another run), 130 stopped by
/// Ctrl-C or SIGTERM before it was done.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        // Ctrl-C, SIGTERM and a closed terminal end the run the same way: everything it started is stopped first.
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

        var root = new RootCommand("The simulated store chain through the real system (run through tools/edgeinv demo / simulate).")
        {
            DemoCommand(stop.Token),
            SimulateCommand(stop.Token),
        };
        ParseResult? parsed = ToolCommandLine.Parse(root, "edgeinv", args, Console.Error);
        if (parsed is null)
        {
            return ToolCommandLine.UsageError;
        }
        try
        {
            // No termination timeout: System.CommandLine would otherwise end the process 2 s after Ctrl-C, before the run has
            // stopped what it started (this program handles the signals itself, above).
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (RunRefusedException e)
        {
            Console.Error.WriteLine($"{ToolCommandLine.Prefix(parsed, "edgeinv")}: {e.Message}");
            return ToolCommandLine.UsageError;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{ToolCommandLine.Prefix(parsed, "edgeinv")}: stopped before the run was done; everything it started is stopped");
            return 130;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static readonly Option<int> BrokerPort = ToolCommandLine.Number("--broker-port", 1, 65535, 1883, "the MQTT broker's port on 127.0.0.1");
    private static readonly Option<int> HttpPort = ToolCommandLine.Number("--http-port", 1, 65535, 8090, "the aggregator's port on 127.0.0.1 (API and web app)");
    private static readonly Option<double> Interval = ToolCommandLine.Number("--interval", 0.2, 60.0, 1.0, "seconds between two frames of a camera");
    private static readonly Option<int> Seed = ToolCommandLine.Number("--seed", 0, int.MaxValue, 1, "the story's random seed (same seed, same story)");

    private static Command DemoCommand(CancellationToken stop)
    {
        Option<int> stores = ToolCommandLine.Number("--stores", 1, 20, 2, "simulated stores, one agent each");
        Option<int> cameras = ToolCommandLine.Number("--cameras", 1, 8, 2, "cameras per store");
        Option<double?> duration = ToolCommandLine.OptionalNumber("--duration", 1.0, 86400.0, "run this many seconds headless, print the summary and exit (1 when no alert reached the cloud); default: until Ctrl-C");
        Option<double> day = ToolCommandLine.Number("--day", 30.0, 86400.0, 240.0, "seconds a store's day is compressed into");
        var command = new Command("demo", "The whole system on this machine: a broker with per-store credentials, the aggregator and web app, one agent per simulated store.")
        {
            stores, cameras, duration, day, Interval, BrokerPort, HttpPort, Seed,
        };
        command.SetAction((r, _) => new ChainRun(Chain(r, "demo", stores, cameras, day, [Path.Combine(Prerequisites.RepositoryRoot(), "models", "samples")]) with
        {
            Duration = r.GetValue(duration),
        }, Console.Out).RunAsync(stop));
        return command;
    }

    private static Command SimulateCommand(CancellationToken stop)
    {
        Option<int> stores = ToolCommandLine.Number("--stores", 1, 1000, 2, "simulated stores (with --load, publishing connections)");
        Option<int> cameras = ToolCommandLine.Number("--cameras", 1, 16, 2, "cameras per store");
        Option<double> duration = ToolCommandLine.Number("--duration", 10.0, 7.0 * 86400, 300.0, "seconds to run once every camera is read");
        Option<double> day = ToolCommandLine.Number("--day", 30.0, 86400.0, 240.0, "seconds a store's day is compressed into");
        Option<string[]> photos = new("--photos")
        {
            Description = "a folder of labelled photos (images/ and labels/, YOLO text), repeatable; default: models/samples, then ../shared/data/sku110k-dev where present",
            HelpName = "DIR",
            AllowMultipleArgumentsPerToken = false,
        };
        Option<string?> output = new("--out") { Description = "where truth.json and score.json (load.json with --load) go; default .deps/demo/run", HelpName = "DIR" };
        Option<int?> load = ToolCommandLine.OptionalNumber("--load", 1, 10_000_000, "load mode: publish this many contract messages straight to the broker (no agents) and read the alerts back");
        Option<int?> rate = ToolCommandLine.OptionalNumber("--rate", 1, 1_000_000, "load mode: events/s over all stores (default: as fast as the broker acknowledges)");
        var command = new Command("simulate", "N stores × M cameras from real shelf photos through the real agents and aggregator; writes the ground truth and scores the cloud's alerts against it.")
        {
            stores, cameras, duration, day, Interval, photos, output, load, rate, BrokerPort, HttpPort, Seed,
        };
        command.SetAction((r, _) =>
        {
            string root = Prerequisites.RepositoryRoot();
            string[] given = r.GetValue(photos) ?? [];
            string shared = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "sku110k-dev"));
            string[] folders = given.Length > 0 ? given : [Path.Combine(root, "models", "samples"), .. Directory.Exists(shared) ? (string[])[shared] : []];
            foreach (string f in given.Where(f => !Directory.Exists(Path.Combine(f, "images"))))
            {
                throw new RunRefusedException($"--photos {f}: no images/ folder there (images/*.jpg with labels/*.txt beside)");
            }
            return new ChainRun(Chain(r, "simulate", stores, cameras, day, folders) with
            {
                Duration = r.GetValue(duration),
                Out = r.GetValue(output) is string o ? Path.GetFullPath(o) : null,
                LoadEvents = r.GetValue(load),
                LoadRate = r.GetValue(rate),
                SummaryEvery = 10,
            }, Console.Out).RunAsync(stop);
        });
        return command;
    }

    /// <summary>What demo and simulate read alike from their command lines.</summary>
    private static ChainOptions Chain(ParseResult r, string name, Option<int> stores, Option<int> cameras, Option<double> day, IReadOnlyList<string> photoFolders) => new()
    {
        Name = name,
        PhotoFolders = photoFolders,
        Stores = r.GetValue(stores),
        Cameras = r.GetValue(cameras),
        DaySeconds = r.GetValue(day),
        IntervalSeconds = r.GetValue(Interval),
        BrokerPort = r.GetValue(BrokerPort),
        HttpPort = r.GetValue(HttpPort),
        Seed = r.GetValue(Seed),
    };
}
