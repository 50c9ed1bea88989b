using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// The real agent as its own process (<c>dotnet edgeinv-agent.dll --config FILE</c>, the build the tests reference),
/// for what only a process shows: which sockets it listens on, its exit code, what it writes to the console.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public static AgentProcess Start(string configFile)
    {
        string agent = Path.Combine(AppContext.BaseDirectory, "edgeinv-agent.dll");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(agent);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(configFile);
        var process = new Process { StartInfo = psi };
        var run = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => Keep(run._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(run._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits until the host reports it started (<c>Microsoft.Hosting.Lifetime</c> at Information) or the process ends.</summary>
    public Task<bool> WaitUntilStarted() => TestSupport.WaitFor(() => _process.HasExited || _stdout.Any(static l => l.Contains("Application started", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));

    public bool WaitForExit() => _process.WaitForExit(60_000) && Drain();

    /// <summary>TCP ports this process has sockets listening on: its socket inodes (/proc/PID/fd) looked up in /proc/net/tcp and tcp6.</summary>
    public IReadOnlyList<int> ListeningPorts()
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{_process.Id}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
            catch (IOException)
            {
                // a descriptor closed while the folder was read
            }
        }

        var ports = new List<int>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
                {
                    ports.Add(int.Parse(f[1][(f[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return ports;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    /// <summary>After the exit, the asynchronous readers may still hold the last lines: the parameterless wait takes them.</summary>
    private bool Drain()
    {
        _process.WaitForExit();
        return true;
    }
}
