using k8s;
using k8s.Models;

namespace EdgeInventory.Deploy.Tests;

/// <summary>
/// deploy/kubernetes read into the official Kubernetes client's typed models (KubernetesClient, generated from the
/// API's OpenAPI schema), strictly: a field the API does not have, or a value of the wrong type, fails to load.
/// </summary>
internal sealed class Manifests
{
    /// <summary>Applied by <c>kubectl apply -k</c> (kustomization.yaml); the secrets come separately.</summary>
    public static readonly string[] SecretFiles = ["secrets.example.yaml"];

    private Manifests(IReadOnlyList<(string File, IKubernetesObject Object)> objects) => Objects = objects;

    public IReadOnlyList<(string File, IKubernetesObject Object)> Objects { get; }

    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(DeployFiles.KubernetesFolder, "*.yaml").Where(static f => Path.GetFileName(f) != "kustomization.yaml").Order(StringComparer.Ordinal);

    public static List<object> LoadStrict(string file) => KubernetesYaml.LoadAllFromString(File.ReadAllText(file), typeMap: null, strict: true);

    public static Manifests Load() =>
        new([.. Files().SelectMany(static f => LoadStrict(f).Select(o => (Path.GetFileName(f), (IKubernetesObject)o)))]);

    public IEnumerable<T> OfType<T>() => Objects.Select(static o => o.Object).OfType<T>();

    public T Named<T>(string name)
        where T : IMetadata<V1ObjectMeta> =>
        OfType<T>().SingleOrDefault(o => o.Metadata.Name == name) ?? throw new InvalidOperationException($"no {typeof(T).Name} named '{name}' in deploy/kubernetes");

    public V1ConfigMap ConfigMap(string name) => Named<V1ConfigMap>(name);

    public V1Secret Secret(string name) => Named<V1Secret>(name);

    /// <summary>Every pod template with the workload it belongs to (StatefulSets, Deployments, CronJobs' job templates).</summary>
    public IEnumerable<(string Workload, IDictionary<string, string> Labels, V1PodSpec Pod)> PodTemplates()
    {
        foreach (V1StatefulSet s in OfType<V1StatefulSet>())
        {
            yield return ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template.Metadata.Labels, s.Spec.Template.Spec);
        }
        foreach (V1Deployment d in OfType<V1Deployment>())
        {
            yield return ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Metadata.Labels, d.Spec.Template.Spec);
        }
        foreach (V1CronJob c in OfType<V1CronJob>())
        {
            yield return ($"CronJob/{c.Metadata.Name}", c.Spec.JobTemplate.Spec.Template.Metadata.Labels, c.Spec.JobTemplate.Spec.Template.Spec);
        }
        foreach (V1Job j in OfType<V1Job>())
        {
            yield return ($"Job/{j.Metadata.Name}", j.Spec.Template.Metadata.Labels, j.Spec.Template.Spec);
        }
    }

    /// <summary>A Secret's keys and values, whether written as <c>stringData</c> or base64 <c>data</c>.</summary>
    public static IReadOnlyDictionary<string, string> SecretValues(V1Secret secret)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string k, byte[] v) in secret.Data ?? new Dictionary<string, byte[]>())
        {
            values[k] = System.Text.Encoding.UTF8.GetString(v);
        }
        foreach ((string k, string v) in secret.StringData ?? new Dictionary<string, string>())
        {
            values[k] = v;
        }
        return values;
    }

    /// <summary>
    /// The environment a container starts with, as the kubelet builds it: the image's ENV, then <c>envFrom</c> in
    /// order, then <c>env</c> (a <c>fieldRef</c> to <c>metadata.name</c> is <paramref name="podName"/>, any other field,
    /// such as an indexed job's completion index, the first pod's "0"), with <c>$(NAME)</c> references in values expanded.
    /// </summary>
    public Dictionary<string, string> ContainerEnvironment(V1Container container, IReadOnlyDictionary<string, string> imageEnvironment, string podName)
    {
        var env = new Dictionary<string, string>(imageEnvironment, StringComparer.Ordinal);
        foreach (V1EnvFromSource from in container.EnvFrom ?? [])
        {
            IEnumerable<KeyValuePair<string, string>> source = from.ConfigMapRef is { } c ? ConfigMap(c.Name).Data
                : from.SecretRef is { } s ? SecretValues(Secret(s.Name))
                : throw new InvalidOperationException("envFrom without a configMapRef or secretRef");
            foreach ((string k, string v) in source)
            {
                env[k] = v;
            }
        }
        foreach (V1EnvVar v in container.Env ?? [])
        {
            env[v.Name] = v.Value is { } literal ? ExpandReferences(literal, env)
                : v.ValueFrom?.FieldRef?.FieldPath == "metadata.name" ? podName
                : v.ValueFrom?.FieldRef is not null ? "0"
                : v.ValueFrom?.SecretKeyRef is { } sk ? SecretValues(Secret(sk.Name))[sk.Key]
                : v.ValueFrom?.ConfigMapKeyRef is { } ck ? ConfigMap(ck.Name).Data[ck.Key]
                : throw new InvalidOperationException($"env {v.Name}: no value");
        }
        return env;
    }

    /// <summary><c>$(NAME)</c> as Kubernetes expands it in env values, command and args (unknown names stay as written).</summary>
    public static string ExpandReferences(string text, IReadOnlyDictionary<string, string> env) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", m => env.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value);

    public static bool Selects(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}
