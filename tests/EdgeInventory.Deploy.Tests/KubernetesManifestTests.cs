using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Forecasting.Batch;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Deploy.Tests;

/// <summary>
/// deploy/kubernetes: valid against the Kubernetes API's own types, internally consistent (selectors, ports, names,
/// secrets), and configuring the aggregator only with keys its real configuration check accepts.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string CloudImage = "edgeinv-cloud";
    private readonly Manifests _manifests = Manifests.Load();

    public static TheoryData<string> ManifestFiles() => [.. Manifests.Files().Select(static f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void EveryDocumentReadsStrictlyIntoItsKubernetesType(string file)
    {
        List<object> objects = Manifests.LoadStrict(Path.Combine(DeployFiles.KubernetesFolder, file));
        Assert.NotEmpty(objects);
        Assert.All(objects, static o =>
        {
            var meta = Assert.IsAssignableFrom<IMetadata<V1ObjectMeta>>(o);
            Assert.False(string.IsNullOrEmpty(meta.Metadata?.Name), $"{o.GetType().Name} without metadata.name");
        });
    }

    [Fact]
    public void AFieldTheApiDoesNotHaveIsRefused()
    {
        // The strict reading above is what catches a misspelt field; this proves it does.
        const string misspelt = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  selector: {a: b}\n  ports: [{port: 80, targetPrt: 8080}]\n";
        Assert.ThrowsAny<Exception>(() => k8s.KubernetesYaml.LoadAllFromString(misspelt, typeMap: null, strict: true));
    }

    [Fact]
    public void KustomizationAppliesEveryManifestButTheSecrets()
    {
        var kustomization = new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(DeployFiles.Read("deploy", "kubernetes", "kustomization.yaml"));
        string[] resources = [.. ((List<object>)kustomization["resources"]).Select(static r => (string)r).Order(StringComparer.Ordinal)];
        string[] expected = [.. Manifests.Files().Select(static f => Path.GetFileName(f)).Where(static f => !Manifests.SecretFiles.Contains(f)).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, resources);
        Assert.Equal(_manifests.OfType<V1Namespace>().Single().Metadata.Name, (string)kustomization["namespace"]);
    }

    [Fact]
    public void DeployReadmeSaysWhatEveryFileIs()
    {
        string readme = DeployFiles.Read("deploy", "README.md");
        string[] files = [.. Directory.EnumerateFiles(DeployFiles.KubernetesFolder).Concat(Directory.EnumerateFiles(Path.Combine(DeployFiles.Root, "deploy", "systemd")))
            .Select(static f => Path.GetRelativePath(Path.Combine(DeployFiles.Root, "deploy"), f))];
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.True(readme.Contains(f, StringComparison.Ordinal), $"deploy/README.md does not say what {f} is"));
    }

    [Fact]
    public void WorkloadSelectorsMatchTheirPodLabels()
    {
        foreach (V1StatefulSet s in _manifests.OfType<V1StatefulSet>())
        {
            Assert.True(Manifests.Selects(s.Spec.Selector.MatchLabels, s.Spec.Template.Metadata.Labels), $"StatefulSet/{s.Metadata.Name}: selector does not select its pods");
            V1Service governing = _manifests.Named<V1Service>(s.Spec.ServiceName);
            Assert.True(governing.Spec.ClusterIP == "None" || s.Spec.Replicas == 1, $"StatefulSet/{s.Metadata.Name}: serviceName {s.Spec.ServiceName} should be headless");
        }
        foreach (V1PodDisruptionBudget pdb in _manifests.OfType<V1PodDisruptionBudget>())
        {
            Assert.Contains(_manifests.PodTemplates(), t => Manifests.Selects(pdb.Spec.Selector.MatchLabels, t.Labels));
        }
        foreach (V2HorizontalPodAutoscaler hpa in _manifests.OfType<V2HorizontalPodAutoscaler>())
        {
            Assert.Equal("StatefulSet", hpa.Spec.ScaleTargetRef.Kind);
            V1StatefulSet target = _manifests.Named<V1StatefulSet>(hpa.Spec.ScaleTargetRef.Name);
            Assert.True(hpa.Spec.MinReplicas <= target.Spec.Replicas && target.Spec.Replicas <= hpa.Spec.MaxReplicas, "the StatefulSet's replicas lie outside the HPA's range");
            // CPU utilisation needs a CPU request to be measured against.
            Assert.All(target.Spec.Template.Spec.Containers, static c => Assert.True(c.Resources?.Requests?.ContainsKey("cpu"), $"{c.Name}: no CPU request for the HPA"));
        }
    }

    [Fact]
    public void EveryServiceReachesNamedContainerPorts()
    {
        foreach (V1Service service in _manifests.OfType<V1Service>().Where(static s => s.Spec.Type != "ExternalName"))
        {
            var pods = _manifests.PodTemplates().Where(t => Manifests.Selects(service.Spec.Selector, t.Labels)).ToList();
            Assert.True(pods.Count > 0, $"Service/{service.Metadata.Name} selects no pod template");
            foreach (V1ServicePort port in service.Spec.Ports)
            {
                string target = port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.All(pods, p => Assert.Contains(p.Pod.Containers.SelectMany(static c => c.Ports ?? []), cp => cp.Name == target || cp.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == target));
            }
        }
    }

    [Fact]
    public void EveryReferencedConfigMapSecretAndKeyExists()
    {
        var secrets = Manifests.SecretFiles.SelectMany(f => Manifests.LoadStrict(Path.Combine(DeployFiles.KubernetesFolder, f))).OfType<V1Secret>().ToList();
        foreach ((string workload, _, V1PodSpec pod) in _manifests.PodTemplates())
        {
            foreach (V1Volume volume in pod.Volumes ?? [])
            {
                if (volume.Secret is { } s)
                {
                    Assert.Contains(secrets, x => x.Metadata.Name == s.SecretName);
                }
                foreach (V1VolumeProjection source in volume.Projected?.Sources ?? [])
                {
                    IEnumerable<string> keys = source.ConfigMap is { } cm ? _manifests.ConfigMap(cm.Name).Data.Keys
                        : source.Secret is { } sec ? Manifests.SecretValues(secrets.Single(x => x.Metadata.Name == sec.Name)).Keys
                        : [];
                    foreach (V1KeyToPath item in source.ConfigMap?.Items ?? source.Secret?.Items ?? [])
                    {
                        Assert.True(keys.Contains(item.Key), $"{workload}: volume {volume.Name} names key '{item.Key}', which its source does not have");
                    }
                }
            }
            foreach (V1Container c in pod.Containers)
            {
                foreach (V1EnvFromSource from in c.EnvFrom ?? [])
                {
                    Assert.True(from.ConfigMapRef is null || _manifests.OfType<V1ConfigMap>().Any(m => m.Metadata.Name == from.ConfigMapRef.Name), $"{workload}: no ConfigMap {from.ConfigMapRef?.Name}");
                    Assert.True(from.SecretRef is null || secrets.Any(x => x.Metadata.Name == from.SecretRef.Name), $"{workload}: no Secret {from.SecretRef?.Name} in {string.Join(", ", Manifests.SecretFiles)}");
                }
            }
        }
    }

    [Fact]
    public void EveryContainerRunsAsNonRootOnAReadOnlyRootWithLimits()
    {
        foreach ((string workload, _, V1PodSpec pod) in _manifests.PodTemplates())
        {
            Assert.True(pod.SecurityContext?.RunAsNonRoot, $"{workload}: runAsNonRoot");
            Assert.NotEqual(0, pod.SecurityContext?.RunAsUser ?? 0);
            Assert.All(pod.Containers, c =>
            {
                Assert.True(c.SecurityContext?.ReadOnlyRootFilesystem, $"{workload}/{c.Name}: readOnlyRootFilesystem");
                Assert.False(c.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{workload}/{c.Name}: allowPrivilegeEscalation");
                Assert.Contains("ALL", c.SecurityContext?.Capabilities?.Drop ?? []);
                Assert.True(c.Resources?.Requests?.ContainsKey("memory") == true && c.Resources.Limits?.ContainsKey("memory") == true, $"{workload}/{c.Name}: memory request and limit");
            });
        }
    }

    /// <summary>Every container running the aggregator's image, with the environment it starts with.</summary>
    private IEnumerable<(string Workload, V1PodSpec Pod, V1Container Container, Dictionary<string, string> Env)> AggregatorContainers()
    {
        IReadOnlyDictionary<string, string> imageEnv = Dockerfile.Parse(DeployFiles.Read("cloud.Dockerfile"))[^1].Environment();
        foreach ((string workload, _, V1PodSpec pod) in _manifests.PodTemplates())
        {
            foreach (V1Container c in pod.Containers.Where(static c => c.Image.Split(':')[0] == CloudImage))
            {
                yield return (workload, pod, c, _manifests.ContainerEnvironment(c, imageEnv, "edgeinv-cloud-0"));
            }
        }
    }

    /// <summary>
    /// The aggregator's configuration check on what the pod gives it: the image's ENV, the ConfigMap and Secret
    /// variables, the files of the mounted secrets (written into a temp root, the paths re-rooted with them).
    /// </summary>
    private static CloudOptions LoadAggregatorOptions(V1PodSpec pod, V1Container container, Dictionary<string, string> env, string root)
    {
        var secrets = Manifests.SecretFiles.SelectMany(f => Manifests.LoadStrict(Path.Combine(DeployFiles.KubernetesFolder, f))).OfType<V1Secret>().ToList();
        var rerooted = new Dictionary<string, string>(env, StringComparer.Ordinal);
        foreach (V1VolumeMount mount in container.VolumeMounts ?? [])
        {
            V1Volume volume = pod.Volumes.Single(v => v.Name == mount.Name);
            string folder = DeployFiles.Under(root, mount.MountPath);
            Directory.CreateDirectory(folder);
            if (volume.Secret is { } s)
            {
                foreach ((string key, string value) in Manifests.SecretValues(secrets.Single(x => x.Metadata.Name == s.SecretName)))
                {
                    File.WriteAllText(Path.Combine(folder, key), value);
                }
            }
            foreach ((string k, string v) in env)
            {
                if (v.StartsWith(mount.MountPath + "/", StringComparison.Ordinal) || v == mount.MountPath)
                {
                    rerooted[k] = DeployFiles.Under(root, v);
                }
            }
        }
        // A path outside every mount would be on the read-only root: no such file, and the check says so.
        return CloudConfiguration.Load(DeployFiles.Configuration(null, rerooted), root);
    }

    [Fact]
    public void TheAggregatorAcceptsItsConfigurationAndListensWhereTheProbesLook()
    {
        var containers = AggregatorContainers().ToList();
        Assert.Contains(containers, static c => c.Workload.StartsWith("StatefulSet/", StringComparison.Ordinal));
        foreach ((string workload, V1PodSpec pod, V1Container container, Dictionary<string, string> env) in containers)
        {
            using TempFolder root = RepoPaths.NewTempFolder();
            CloudOptions options = LoadAggregatorOptions(pod, container, env, root.Path);
            if (!workload.StartsWith("StatefulSet/", StringComparison.Ordinal))
            {
                continue;
            }
            Assert.Equal("0.0.0.0", options.Http.Address);
            V1ContainerPort http = Assert.Single(container.Ports, static p => p.Name == "http");
            Assert.Equal(http.ContainerPort, options.Http.Port);
            foreach (V1Probe probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
            {
                Assert.NotNull(probe?.HttpGet);
                Assert.Equal("http", probe.HttpGet.Port.Value);
            }
            Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);

            // One shared subscription, one stable client id per replica, no replica scheduling forecasts.
            Assert.False(string.IsNullOrEmpty(options.Broker.SharedGroup));
            Assert.Equal("edgeinv-cloud-0", options.Broker.ClientId);
            Assert.False(options.Forecasts.Enabled);
            Assert.Equal(DatabaseProvider.Postgres, options.Database.Provider);
            Assert.Contains("Host=" + _manifests.OfType<V1Service>().Single(static s => s.Spec.Type == "ExternalName").Metadata.Name + ";", options.Database.ConnectionString, StringComparison.Ordinal);

            // The broker it dials is the broker's Service, on the port that Service serves.
            V1Service broker = _manifests.Named<V1Service>(options.Broker.Host);
            Assert.Contains(broker.Spec.Ports, p => p.Port == options.Broker.Port);
            Assert.NotNull(options.Broker.Tls);

            // The state directory the aggregator creates is a writable volume, not the read-only root.
            Assert.Contains(container.VolumeMounts, m => DeployFiles.Under(root.Path, m.MountPath) == options.StateDirectory && !(m.ReadOnlyProperty ?? false));
        }
    }

    [Fact]
    public async Task EveryProbePathIsServedByTheRealAggregator()
    {
        string[] paths = [.. AggregatorContainers().Select(static c => c.Container)
            .SelectMany(static c => new[] { c.StartupProbe, c.LivenessProbe, c.ReadinessProbe })
            .Where(static p => p?.HttpGet is not null).Select(static p => p!.HttpGet.Path).Distinct(StringComparer.Ordinal)];
        Assert.NotEmpty(paths);

        // SQLite in a temp folder and a broker port nobody listens on: alive, not ready, and both answered.
        using TempFolder state = RepoPaths.NewTempFolder();
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int deadPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        Microsoft.AspNetCore.Builder.WebApplication app = await EdgeInventory.Cloud.Hosting.CloudHost.BuildAsync(null, c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:StateDirectory"] = state.Path,
            ["Cloud:Http:Port"] = "0",
            ["Cloud:Broker:Port"] = deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:Forecasts:Enabled"] = "false",
        }));
        await using (app)
        {
            await app.StartAsync();
            string address = app.Urls.Single();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            foreach (string path in paths)
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
                Assert.True(response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.ServiceUnavailable, $"GET {path}: {(int)response.StatusCode}");
            }
            using HttpResponseMessage alive = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.OK, alive.StatusCode);
            using HttpResponseMessage ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            await app.StopAsync();
        }
    }

    [Fact]
    public void ARenamedKeyInTheConfigMapFailsTheAggregatorsCheck()
    {
        (string _, V1PodSpec pod, V1Container container, Dictionary<string, string> env) = AggregatorContainers().First();
        string host = env["EDGEINV_Cloud__Broker__Host"];
        env.Remove("EDGEINV_Cloud__Broker__Host");
        env["EDGEINV_Cloud__Broker__Hostname"] = host;
        using TempFolder root = RepoPaths.NewTempFolder();
        var e = Assert.Throws<CloudConfigurationException>(() => { _ = LoadAggregatorOptions(pod, container, env, root.Path); });
        Assert.Contains("Cloud:Broker:Hostname", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheForecastJobGivesEveryIndexItsOwnPartitionOfTheSameCount()
    {
        V1CronJob cron = Assert.Single(_manifests.OfType<V1CronJob>());
        V1JobSpec job = cron.Spec.JobTemplate.Spec;
        Assert.Equal("Indexed", job.CompletionMode);
        int completions = job.Completions ?? 0;
        Assert.True(completions > 1);
        V1Container container = Assert.Single(job.Template.Spec.Containers);
        Assert.Equal(CloudImage, container.Image.Split(':')[0]);

        var seen = new HashSet<int>();
        for (int index = 0; index < completions; index++)
        {
            // The kubelet fills the completion-index annotation per pod; $(VAR) in args is expanded from env.
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (V1EnvVar v in container.Env)
            {
                Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", v.ValueFrom.FieldRef.FieldPath);
                env[v.Name] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            string[] args = [.. container.Args.Select(a => Manifests.ExpandReferences(a, env))];

            // The aggregator's own command line: the forecast subcommand and its --partition validator.
            var config = new System.CommandLine.Option<string?>("--config");
            var root = new System.CommandLine.RootCommand { config, EdgeInventory.Cloud.Forecasts.ForecastCommand.Create(config) };
            System.CommandLine.ParseResult parsed = root.Parse(args);
            Assert.True(parsed.Errors.Count == 0, string.Join("; ", parsed.Errors.Select(static e => e.Message)));
            Assert.Equal("forecast", parsed.CommandResult.Command.Name);

            SeriesPartition partition = SeriesPartition.Parse(args[Array.IndexOf(args, "--partition") + 1]);
            Assert.Equal(completions, partition.Count);
            Assert.True(seen.Add(partition.Index));
        }
        Assert.Equal(completions, seen.Count);
    }
}
