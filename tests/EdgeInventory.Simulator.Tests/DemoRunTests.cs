using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Simulator.Tests;

/// <summary>
/// `tools/edgeinv demo` as a user runs it, everything real (mosquitto, the aggregator, one agent per store with ffmpeg
/// and the default model): headless for a while it gets alerts to the cloud and exits 0 (the CI smoke test); Ctrl-C
/// in the middle of its start-up stops every process it had started; a second demo meanwhile is refused; a busy port
/// and a missing program are refused in one line; `simulate --load` gets every planned alert to the cloud. Each run has its own state folder (EDGEINV_DEMO_STATE) and free
/// ports, so it never meets a developer's demo. One class: these runs take the machine's cores, one at a time.
/// </summary>
public sealed class DemoRunTests : IDisposable
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(6);

    private readonly TempFolder _state = RepoPaths.NewTempFolder();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task A_headless_demo_gets_alerts_to_the_cloud_scores_them_exits_0_and_leaves_nothing_running()
    {
        await using DemoProcess demo = DemoProcess.Start(_state.Path, "--duration", "60", "--broker-port", FreePort(), "--http-port", FreePort());
        int code = await demo.ExitAsync(Hang);
        Assert.True(code == 0, $"exit {code}\n{demo.Output}");

        // The summary's last word is the score, read back from the cloud's API; the files say the same.
        Assert.Contains("web app:  http://127.0.0.1:", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("sign in with the key", demo.Stdout, StringComparison.Ordinal);
        JsonNode score = JsonNode.Parse(File.ReadAllText(Path.Combine(_state.Path, "run", "score.json")))!;
        Assert.True((int)score["alerts"]! > 0, demo.Output);
        Assert.True((int)score["rightAlerts"]! > 0, "no alert was on a true shortage\n" + demo.Output);
        JsonNode truth = JsonNode.Parse(File.ReadAllText(Path.Combine(_state.Path, "run", "truth.json")))!;
        Assert.NotEmpty(truth["shortages"]!.AsArray());
        Assert.Empty(demo.StillRunning());
    }

    [Fact]
    public async Task Ctrl_C_during_start_up_stops_everything_it_started_and_a_second_demo_meanwhile_is_refused()
    {
        string brokerPort = FreePort(), httpPort = FreePort();
        await using DemoProcess demo = DemoProcess.Start(_state.Path, "--broker-port", brokerPort, "--http-port", httpPort);
        // Start-up under way: the broker and the aggregator are running, the agents being started.
        Assert.True(await DemoProcess.WaitForAsync(() => demo.Recorded.Count >= 3 || demo.HasExited, Hang), demo.Output);
        Assert.False(demo.HasExited, demo.Output);
        Assert.DoesNotContain("the stores open now", demo.Stderr, StringComparison.Ordinal);

        await using (DemoProcess second = DemoProcess.Start(_state.Path, "--broker-port", FreePort(), "--http-port", FreePort()))
        {
            Assert.Equal(2, await second.ExitAsync(Hang));
            string line = Assert.Single(second.StderrLines);
            Assert.StartsWith("edgeinv demo: a demo or simulation is already running in this checkout (demo, pid ", line, StringComparison.Ordinal);
        }

        demo.Signal("INT");
        Assert.Equal(130, await demo.ExitAsync(Hang));
        Assert.Contains("stopping everything this run started", demo.Stderr, StringComparison.Ordinal);
        Assert.True(demo.Recorded.Count >= 3, demo.Output);
        Assert.Empty(demo.StillRunning());
        // Its ports are free again: nothing it started still listens.
        foreach (string port in (string[])[brokerPort, httpPort])
        {
            using var probe = new TcpListener(IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture));
            probe.Start();
        }
    }

    [Fact]
    public async Task Load_mode_publishes_contract_messages_straight_to_the_broker_and_reads_every_planned_alert_back()
    {
        await using DemoProcess load = DemoProcess.Start(_state.Path, "simulate",
            ["--load", "600", "--stores", "3", "--broker-port", FreePort(), "--http-port", FreePort(), "--out", _state.Path]);
        Assert.True(await load.ExitAsync(Hang) == 0, load.Output);
        JsonNode result = JsonNode.Parse(File.ReadAllText(Path.Combine(_state.Path, "load.json")))!;
        Assert.Equal(600, (int)result["events"]!);
        Assert.True((int)result["plannedAlerts"]! > 0);
        Assert.Equal((int)result["plannedAlerts"]!, (int)result["alertsOnCloud"]!);
        Assert.Empty(load.StillRunning());
    }

    [Fact]
    public async Task A_busy_port_is_refused_in_one_line_that_says_what_to_do()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        await using DemoProcess demo = DemoProcess.Start(_state.Path, "--broker-port", FreePort(), "--http-port", port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(2, await demo.ExitAsync(Hang));
        Assert.Equal($"edgeinv demo: port {port} (aggregator and web app) is in use on 127.0.0.1: stop what listens there (`ss -ltnp 'sport = :{port}'` names it) or pass --http-port N",
            Assert.Single(demo.StderrLines));
        Assert.Empty(demo.Recorded);
    }

    [Fact]
    public async Task A_missing_program_is_refused_in_one_line_that_says_what_to_do()
    {
        // The simulator itself, as tools/edgeinv runs it once its installs are done, on a PATH without mosquitto (/usr/sbin).
        string dotnet = Path.GetDirectoryName(Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "/usr/bin/dotnet")!;
        await using DemoProcess demo = DemoProcess.StartProgram(_state.Path, new Dictionary<string, string> { ["PATH"] = $"{dotnet}:/usr/bin:/bin" }, "--broker-port", FreePort());
        Assert.Equal(2, await demo.ExitAsync(Hang));
        Assert.Equal("edgeinv demo: 'mosquitto' is not installed: run through 'tools/edgeinv demo' (it installs what is missing), or 'sudo apt-get install mosquitto'",
            Assert.Single(demo.StderrLines));
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One demo process with its output collected, and the child processes it recorded in its state folder (pid and
    /// kernel start time, read while it runs), to check afterwards that none of them is left.
    /// </summary>
    private sealed class DemoProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new(), _stderr = new();
        private readonly string _record;
        private readonly HashSet<(int Pid, string Started)> _recorded = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _watch;

        private DemoProcess(Process process, string state)
        {
            _process = process;
            _record = Path.Combine(state, "children");
            process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
            process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _watch = Task.Run(WatchRecordAsync);
        }

        /// <summary>
        /// <c>tools/edgeinv demo ARGS</c> with SIGINT at its default disposition, as in a terminal's foreground job: a test
        /// host started in the background by a non-interactive shell passes SIGINT on ignored, and .NET then never sees it.
        /// Python restores it before it execs bash (which cannot: a signal ignored on entry stays ignored).
        /// </summary>
        public static DemoProcess Start(string state, params string[] args) => Start(state, "demo", args);

        public static DemoProcess Start(string state, string command, string[] args)
        {
            var psi = Psi("python3", state);
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
            psi.ArgumentList.Add("bash");
            psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tools", "edgeinv"));
            psi.ArgumentList.Add(command);
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            psi.Environment["EDGEINV_ROOT"] = RepoPaths.Root;
            psi.Environment["EDGEINV_NO_BUILD"] = "1";
            psi.Environment["EDGEINV_CONFIGURATION"] = Configuration;
            return new DemoProcess(Process.Start(psi)!, state);
        }

        public static DemoProcess StartProgram(string state, IReadOnlyDictionary<string, string> environment, params string[] args)
        {
            var psi = Psi("dotnet", state);
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgeinv-sim.dll"));
            psi.ArgumentList.Add("demo");
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            foreach ((string k, string v) in environment)
            {
                psi.Environment[k] = v;
            }
            return new DemoProcess(Process.Start(psi)!, state);
        }

        private static ProcessStartInfo Psi(string file, string state)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
            psi.Environment["EDGEINV_DEMO_STATE"] = state;
            return psi;
        }

        /// <summary>The configuration this test was built in (bin/&lt;configuration&gt;/net10.0/), whose programs the script runs.</summary>
        private static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

        public bool HasExited => _process.HasExited;

        public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

        public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public string Output => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

        public IReadOnlyCollection<(int Pid, string Started)> Recorded { get { lock (_recorded) { return [.. _recorded]; } } }

        /// <summary>Recorded children still alive with the same start time (a reused pid is another process).</summary>
        public List<int> StillRunning() => [.. Recorded.Where(c => StartTime(c.Pid) == c.Started).Select(c => c.Pid)];

        public void Signal(string signal)
        {
            using Process kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }

        public static async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (!condition())
            {
                if (watch.Elapsed > timeout)
                {
                    return false;
                }
                await Task.Delay(100);
            }
            return true;
        }

        public async Task<int> ExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the demo did not exit within {timeout}\n{Output}");
            }
            _process.WaitForExit(); // the output handlers have run
            return _process.ExitCode;
        }

        private async Task WatchRecordAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                ReadRecord();
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        private void ReadRecord()
        {
            try
            {
                foreach (string line in File.ReadAllLines(_record))
                {
                    string[] f = line.Split(' ', 3);
                    if (f.Length == 3 && int.TryParse(f[0], CultureInfo.InvariantCulture, out int pid))
                    {
                        lock (_recorded)
                        {
                            _recorded.Add((pid, f[1]));
                        }
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        private static string? StartTime(int pid)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return rest[0] == "Z" ? null : rest[19];
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static void Append(StringBuilder to, string? line)
        {
            if (line is not null)
            {
                lock (to)
                {
                    to.AppendLine(line);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            await _stop.CancelAsync();
            await _watch;
            _stop.Dispose();
            _process.Dispose();
        }
    }
}
