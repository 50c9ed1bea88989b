using k8s.Models;

namespace EdgeInventory.Deploy.Tests;

/// <summary>deploy/kubernetes/broker.yaml carries tools/broker's configuration and ACL, and mounts every file they name.</summary>
public sealed class BrokerManifestTests
{
    private readonly Manifests _manifests = Manifests.Load();

    private V1ConfigMap Config => _manifests.ConfigMap("edgeinv-broker");

    [Fact]
    public void TheAclIsToolsBrokersAcl()
    {
        // The MQTT tests prove store isolation against tools/broker/acl; the cluster must get that very file.
        Assert.Equal(DeployFiles.Read("tools", "broker", "acl"), Config.Data["acl"]);
    }

    [Fact]
    public void TheConfigurationIsToolsBrokersButForTheLogDestination()
    {
        string[] repo = DeployFiles.Read("tools", "broker", "mosquitto.conf").ReplaceLineEndings("\n").Split('\n');
        string[] cluster = Config.Data["mosquitto.conf"].ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(repo.Length, cluster.Length);
        string[] differing = [.. repo.Zip(cluster).Where(static p => p.First != p.Second).Select(static p => $"{p.First} -> {p.Second}")];
        Assert.Equal(["log_dest syslog -> log_dest stdout"], differing);
    }

    [Fact]
    public void EveryFileTheConfigurationNamesIsMountedAndTheListenerIsServed()
    {
        V1StatefulSet broker = _manifests.Named<V1StatefulSet>("edgeinv-broker");
        V1PodSpec pod = broker.Spec.Template.Spec;
        V1Container container = Assert.Single(pod.Containers);
        string conf = Config.Data["mosquitto.conf"];
        Dictionary<string, string> settings = conf.ReplaceLineEndings("\n").Split('\n')
            .Where(static l => l.Length > 0 && !l.StartsWith('#'))
            .Select(static l => l.Split(' ', 2))
            .GroupBy(static p => p[0]).ToDictionary(static g => g.Key, static g => g.Last()[1].Trim(), StringComparer.Ordinal);

        // The configuration file itself is where the command says.
        string configPath = container.Command[Array.IndexOf([.. container.Command], "-c") + 1];
        var mounted = new Dictionary<string, bool>(StringComparer.Ordinal); // path -> writable
        foreach (V1VolumeMount mount in container.VolumeMounts)
        {
            V1Volume volume = pod.Volumes?.SingleOrDefault(v => v.Name == mount.Name) ?? new V1Volume { Name = mount.Name };
            foreach (V1VolumeProjection source in volume.Projected?.Sources ?? [])
            {
                foreach (V1KeyToPath item in source.ConfigMap?.Items ?? source.Secret?.Items ?? [])
                {
                    mounted[$"{mount.MountPath}/{item.Path}"] = false;
                }
            }
            if (volume.Projected is null)
            {
                mounted[mount.MountPath] = !(mount.ReadOnlyProperty ?? false);
            }
        }
        Assert.True(mounted.ContainsKey(configPath), $"-c {configPath} is not mounted");
        foreach (string key in new[] { "password_file", "acl_file", "cafile", "certfile", "keyfile" })
        {
            Assert.True(mounted.ContainsKey(settings[key]), $"{key} {settings[key]} is not mounted");
        }
        // Persistence needs a writable volume (the root filesystem is read-only), and one that outlives the pod.
        string persistence = settings["persistence_location"].TrimEnd('/');
        Assert.True(mounted.TryGetValue(persistence, out bool writable) && writable, $"persistence_location {persistence} is not a writable mount");
        Assert.Contains(broker.Spec.VolumeClaimTemplates, t => container.VolumeMounts.Any(m => m.Name == t.Metadata.Name && m.MountPath == persistence));

        int listener = int.Parse(settings["listener"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(container.Ports, p => p.ContainerPort == listener);
        V1Service service = _manifests.Named<V1Service>("edgeinv-broker");
        Assert.Contains(service.Spec.Ports, p => p.Port == listener);
    }

    /// <summary>
    /// The ConfigMap's mosquitto.conf run by Debian's mosquitto, each file it names re-rooted into a temp folder where
    /// the pod's volume would put it (the ACL from the ConfigMap, a password file and TLS material made as an operator
    /// makes them), its listener moved to a free loopback port: it starts, serves TLS, lets 'cloud' publish commands and
    /// turns a wrong password away.
    /// </summary>
    [Fact]
    public void TheMirroredConfigurationRunsInMosquittoWithTlsAndPasswords()
    {
        using TempFolder root = RepoPaths.NewTempFolder();
        string conf = Config.Data["mosquitto.conf"];
        var lines = new List<string>();
        int port;
        using (var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        }
        foreach (string line in conf.ReplaceLineEndings("\n").Split('\n'))
        {
            string[] words = line.Split(' ', 2);
            lines.Add(words switch
            {
                ["listener", _] => $"listener {port} 127.0.0.1",
                [var key, var path] when path.StartsWith('/') && !key.StartsWith('#') => $"{key} {DeployFiles.Under(root.Path, path)}",
                _ => line,
            });
        }
        // As root, mosquitto would switch to a 'mosquitto' user that cannot read the temp folder; the pod runs it as 1883.
        lines.Add("user " + Environment.UserName);

        string folder = DeployFiles.Under(root.Path, "/etc/mosquitto/edgeinv");
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(DeployFiles.Under(root.Path, "/var/lib/mosquitto"));
        File.WriteAllText(Path.Combine(folder, "acl"), Config.Data["acl"]);
        string P(string name) => Path.Combine(folder, name);
        Assert.Equal(0, DeployFiles.Run("mosquitto_passwd", folder, "-c", "-b", P("passwd"), "cloud", "cloud-pw").Code);
        File.WriteAllText(P("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Assert.Equal(0, DeployFiles.Run("openssl", folder, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", P("ca.key"), "-out", P("ca.crt"), "-days", "2", "-subj", "/CN=test CA").Code);
        Assert.Equal(0, DeployFiles.Run("openssl", folder, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", P("server.key"), "-out", P("server.csr"), "-subj", "/CN=127.0.0.1").Code);
        Assert.Equal(0, DeployFiles.Run("openssl", folder, "x509", "-req", "-in", P("server.csr"), "-CA", P("ca.crt"), "-CAkey", P("ca.key"), "-CAcreateserial", "-out", P("server.crt"), "-days", "2", "-extfile", P("server.ext")).Code);
        File.WriteAllLines(P("mosquitto.conf"), lines);

        var start = new System.Diagnostics.ProcessStartInfo("mosquitto", ["-c", P("mosquitto.conf")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var mosquitto = System.Diagnostics.Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        mosquitto.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        mosquitto.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        mosquitto.BeginOutputReadLine();
        mosquitto.BeginErrorReadLine();
        try
        {
            (int Code, string Output) Publish(string password) => DeployFiles.Run("mosquitto_pub", folder, "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--cafile", P("ca.crt"), "-u", "cloud", "-P", password, "-V", "mqttv5", "-q", "1", "-t", "edgeinv/cmd/s001/expected-stock", "-m", "{}");

            // Listening is the signal that the configuration was accepted; until then a client's connection is refused.
            (int code, string output) = (-1, "");
            for (int attempt = 0; attempt < 200 && code != 0 && !mosquitto.HasExited; attempt++)
            {
                (code, output) = Publish("cloud-pw");
                if (code != 0)
                {
                    mosquitto.WaitForExit(50);
                }
            }
            Assert.True(code == 0, $"mosquitto_pub as cloud: {output}\nmosquitto: {log}");
            (int refused, string why) = Publish("wrong");
            Assert.True(refused != 0, $"a wrong password was accepted: {why}");
        }
        finally
        {
            mosquitto.Kill();
            mosquitto.WaitForExit();
        }
    }
}
