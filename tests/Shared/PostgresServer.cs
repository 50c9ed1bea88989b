using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeInventory.Testing;

/// <summary>
/// A real PostgreSQL (Debian's `postgresql` package, installed by test_needs_forecast) in a temporary
/// folder on a free loopback port, started once for the test class and removed afterwards. initdb
/// refuses to run as root, so under root the cluster belongs to the `postgres` user and the tools run
/// through runuser. Tests run it with fsync off; a benchmark (tools/CloudBench) asks for a durable one, since the
/// SQLite figure it is compared with commits with synchronous=FULL.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _folder;
    private readonly string _data;
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    public PostgresServer(bool durable = false)
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
            throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (tools/edgeinv test installs Debian's postgresql)");
        _asPostgresUser = Environment.UserName == "root";
        _folder = Directory.CreateTempSubdirectory("edgeinv-pg-").FullName;
        _data = Path.Combine(_folder, "data");
        if (_asPostgresUser) Run("/bin/chown", ["-R", "postgres:postgres", _folder]);
        Port = FreePort();
        Tool("initdb", ["-D", _data, "-A", "trust", "-U", "edgeinv", "--no-sync", "-E", "UTF8"]);
        Tool("pg_ctl", ["-D", _data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1" + (durable ? "" : " -c fsync=off -c full_page_writes=off"), "start"]);
    }

    public int Port { get; }

    /// <summary>The server's major version (its folder under /usr/lib/postgresql).</summary>
    public string Version => Path.GetFileName(Path.GetDirectoryName(_bin)) ?? "?";

    /// <summary>The postmaster (its backends are its children), for CPU accounting.</summary>
    public int? PostmasterPid => int.TryParse(File.ReadLines(Path.Combine(_data, "postmaster.pid")).FirstOrDefault(), out int pid) ? pid : null;

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=edgeinv;Database=postgres;Pooling=false";

    public void Dispose()
    {
        try
        {
            Tool("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Tool(string name, string[] args)
    {
        string path = Path.Combine(_bin, name);
        if (_asPostgresUser) Run("/usr/sbin/runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(path, args);
    }

    private static void Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(90_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 90 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr}{stdout.Result}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
