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
}
