using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeInventory.Simulator.Chain;

/// <summary>A run that cannot start: one line saying what stands in the way and what to do about it.</summary>
internal sealed class RunRefusedException(string message) : Exception(message);

/// <summary>
/// One demo or simulation at a time per checkout: an exclusive lock on <c>.deps/demo/lock</c> (.NET takes an advisory
/// flock for <see cref="FileShare.None"/>, which the kernel drops when the process dies, however it dies), and beside it
/// who holds it, to name in the refusal.
/// </summary>
internal sealed class RunLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _owner;

    private RunLock(FileStream held, string owner)
    {
        _lock = held;
        _owner = owner;
    }

    public static RunLock Take(string directory, string what)
    {
        Directory.CreateDirectory(directory);
        string owner = Path.Combine(directory, "owner");
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string who = File.Exists(owner) ? File.ReadAllText(owner).Trim() : "another process";
            throw new RunRefusedException($"a demo or simulation is already running in this checkout ({who}): stop it with Ctrl-C in its terminal (or kill its pid) and try again");
        }
        File.WriteAllText(owner, $"{what}, pid {Environment.ProcessId}, started {DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}");
        return new RunLock(held, owner);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_owner);
        }
        catch (IOException)
        {
        }
        _lock.Dispose();
    }
}

/// <summary>What a run needs from the machine, checked before anything starts.</summary>
internal static class Prerequisites
{
    /// <summary>Refuses a port something already listens on, naming the option that moves it.</summary>
    public static void PortFree(int port, string what, string option)
    {
        var probe = new TcpListener(IPAddress.Loopback, port) { ExclusiveAddressUse = true };
        try
        {
            probe.Start();
        }
        catch (SocketException)
        {
            throw new RunRefusedException($"port {port} ({what}) is in use on 127.0.0.1: stop what listens there (`ss -ltnp 'sport = :{port}'` names it) or pass {option} N");
        }
        finally
        {
            probe.Stop();
        }
    }

    /// <summary>Refuses a missing program (a Debian package <c>tools/edgeinv demo</c> installs).</summary>
    public static void Program(string program, string package)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null || !path.Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program))))
        {
            throw new RunRefusedException($"'{program}' is not installed: run through 'tools/edgeinv demo' (it installs what is missing), or 'sudo apt-get install {package}'");
        }
    }

    public static void FileThere(string path, string what, string remedy)
    {
        if (!File.Exists(path))
        {
            throw new RunRefusedException($"{what} is missing ({path}): {remedy}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The checkout this program was built in: the folder above bin/ that holds EdgeInventory.sln.</summary>
    public static string RepositoryRoot()
    {
        string? root = Environment.GetEnvironmentVariable("EDGEINV_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "EdgeInventory.sln")))
        {
            return root;
        }
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "EdgeInventory.sln")))
            {
                return d.FullName;
            }
        }
        throw new RunRefusedException("cannot find the checkout (no EdgeInventory.sln above this program): run it as 'tools/edgeinv demo'");
    }

    /// <summary>The build configuration this program runs from (bin/&lt;configuration&gt;/net10.0/), which the agent and aggregator it starts share.</summary>
    public static string Configuration() => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string Dotnet() => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    public static Stopwatch Watch() => Stopwatch.StartNew();
}
