using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeInventory.Simulator.Chain;

/// <summary>
/// The processes a run starts (aggregator, agents; the broker is added by id), each logging to its own file. They are
/// recorded in <c>children</c> (pid and kernel start time) as they start, so that stopping is certain: <see
/// cref="StopAll"/> sends SIGTERM newest first, waits, then SIGKILL; and a run killed with SIGKILL, which cannot stop
/// anything, leaves the record for the next run to stop what it left (<see cref="StopLeftovers"/>: only processes
/// whose pid and start time both still match, so a reused pid is never hit).
/// </summary>
internal sealed partial class ChildProcesses : IDisposable
{
    private readonly string _record;
    private readonly List<(string Name, int Pid, Process? Process)> _children = [];
    private readonly Lock _gate = new();

    public ChildProcesses(string record)
    {
        _record = record;
        File.WriteAllText(_record, "");
    }

    /// <summary>Starts <paramref name="file"/> with its output appended to <paramref name="log"/>.</summary>
    public Process Start(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string log)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach ((string key, string value) in environment)
        {
            psi.Environment[key] = value;
        }
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        Process p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        p.OutputDataReceived += (_, e) => Write(writer, e.Data);
        p.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.Exited += (_, _) => writer.Dispose();
        p.EnableRaisingEvents = true;
        Add(name, p.Id, p);
        return p;
    }

    /// <summary>Records a process started elsewhere (the broker), to stop it with the rest.</summary>
    public void Adopt(string name, int pid) => Add(name, pid, null);

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }
        try
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Add(string name, int pid, Process? process)
    {
        lock (_gate)
        {
            _children.Add((name, pid, process));
            File.AppendAllText(_record, $"{pid} {StartTime(pid)} {name}\n");
        }
    }

    /// <summary>SIGTERM to every child, newest first (agents before the aggregator before the broker), then SIGKILL to what is still there after <paramref name="grace"/>.</summary>
    public void StopAll(TimeSpan grace)
    {
        List<(string Name, int Pid, Process? Process)> children;
        lock (_gate)
        {
            children = [.. _children];
            children.Reverse();
            _children.Clear();
        }
        foreach ((_, int pid, _) in children)
        {
            _ = kill(pid, SigTerm);
        }
        var watch = Stopwatch.StartNew();
        foreach ((_, int pid, Process? p) in children)
        {
            while (IsAlive(pid, p) && watch.Elapsed < grace)
            {
                Thread.Sleep(50);
            }
            if (IsAlive(pid, p))
            {
                _ = kill(pid, SigKill);
            }
            p?.WaitForExit(5000);
            p?.Dispose();
        }
        File.WriteAllText(_record, "");
    }

    /// <summary>Stops what a run killed before it could stop its children left running (see the class summary); returns their names.</summary>
    public static List<string> StopLeftovers(string record)
    {
        var stopped = new List<string>();
        if (!File.Exists(record))
        {
            return stopped;
        }
        foreach (string line in File.ReadAllLines(record))
        {
            string[] f = line.Split(' ', 3);
            if (f.Length == 3 && int.TryParse(f[0], CultureInfo.InvariantCulture, out int pid) && StartTime(pid) is string started && started == f[1])
            {
                _ = kill(pid, SigKill);
                stopped.Add($"{f[2]} (pid {pid})");
            }
        }
        File.WriteAllText(record, "");
        return stopped;
    }

    private static bool IsAlive(int pid, Process? p) => p is not null ? !p.HasExited : StartTime(pid) is not null && !IsZombie(pid);

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), with the pid the process's identity.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return rest[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] == 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    public void Dispose() => StopAll(TimeSpan.FromSeconds(10));

    private const int SigTerm = 15;
    private const int SigKill = 9;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
