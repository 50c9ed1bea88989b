using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeInventory.Testing;

/// <summary>TLS material for a broker listener (PEM files).</summary>
public sealed record BrokerTls(string CaFile, string CertFile, string KeyFile);

/// <summary>
/// A real mosquitto broker for a test: its own temp directory, a free loopback port, generated users and
/// ACL, persistence, optional TLS. Stop/Kill/Start keep the port so clients can reconnect to it.
/// </summary>
public sealed partial class MosquittoBroker : IDisposable
{
    /// <summary>tools/broker/acl, copied next to the test assembly as 'broker-acl': the deployment's own ACL.</summary>
    public static string DeploymentAcl => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "broker-acl"));

    private readonly string configPath;
    private Process? process;

    private MosquittoBroker(string directory, int port, string configPath)
    {
        Directory = directory;
        Port = port;
        this.configPath = configPath;
    }

    public string Directory { get; }

    public int Port { get; }

    public string LogPath => Path.Combine(Directory, "mosquitto.log");

    public bool IsRunning => process is { HasExited: false };

    /// <summary>The running mosquitto's process id (the demo records it, to stop a broker a killed run left behind).</summary>
    public int? ProcessId => process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts a broker with the given users (name → password) and ACL; throws with its log if it does not come up.</summary>
    public static MosquittoBroker Start(IReadOnlyDictionary<string, string> users, string? acl = null, BrokerTls? tls = null, int? port = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgeinv-broker-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        string passwd = Path.Combine(dir, "passwd");
        bool first = true;
        foreach ((string user, string password) in users)
        {
            Run("mosquitto_passwd", first ? ["-c", "-b", passwd, user, password] : ["-b", passwd, user, password]);
            first = false;
        }
        File.WriteAllText(Path.Combine(dir, "acl"), (acl ?? DeploymentAcl) + "\n");
        int chosen = port ?? FreePort();
        var conf = new StringBuilder();
        conf.AppendLine("per_listener_settings false");
        conf.AppendLine("allow_anonymous false");
        conf.AppendLine($"password_file {passwd}");
        conf.AppendLine($"acl_file {Path.Combine(dir, "acl")}");
        conf.AppendLine("persistence true");
        conf.AppendLine($"persistence_location {dir}/");
        conf.AppendLine($"log_dest file {Path.Combine(dir, "mosquitto.log")}");
        conf.AppendLine("log_type error");
        conf.AppendLine("log_type warning");
        conf.AppendLine("log_type notice");
        conf.AppendLine("log_type information");
        conf.AppendLine("max_inflight_messages 100");
        // As in tools/broker/mosquitto.conf: otherwise PUBACKs wait for the client's next packet (Nagle + delayed ACK).
        conf.AppendLine("set_tcp_nodelay true");
        conf.AppendLine("max_queued_messages 100000");
        // Running as root, mosquitto would switch to the 'mosquitto' user and lose access to this directory.
        conf.AppendLine($"user {Environment.UserName}");
        conf.AppendLine($"listener {chosen} 127.0.0.1");
        if (tls is not null)
        {
            conf.AppendLine($"cafile {tls.CaFile}");
            conf.AppendLine($"certfile {tls.CertFile}");
            conf.AppendLine($"keyfile {tls.KeyFile}");
        }
        string confPath = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(confPath, conf.ToString());
        var broker = new MosquittoBroker(dir, chosen, confPath);
        broker.StartProcess();
        return broker;
    }

    public void StartProcess()
    {
        if (IsRunning)
        {
            return;
        }
        var psi = new ProcessStartInfo("mosquitto", ["-c", configPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        process = Process.Start(psi) ?? throw new InvalidOperationException("mosquitto did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}: {ReadLog()}");
            }
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        throw new InvalidOperationException($"mosquitto did not listen on {Port} within 10 s: {ReadLog()}");
    }

    /// <summary>A graceful stop (SIGTERM): the broker saves its persistence file.</summary>
    public void Stop()
    {
        if (process is { HasExited: false } p)
        {
            _ = kill(p.Id, 15);
            if (!p.WaitForExit(10_000))
            {
                p.Kill();
                p.WaitForExit();
            }
        }
        process?.Dispose();
        process = null;
    }

    /// <summary>kill -9: the broker vanishes mid-flight.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
        process?.Dispose();
        process = null;
    }

    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public void Dispose()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000) || p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
