using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Cloud.Configuration;

/// <summary>Configuration that cannot run: one line naming the key (or file) and the reason. Exit code 2.</summary>
public sealed class CloudConfigurationException : Exception
{
    public CloudConfigurationException(string message)
        : base(message)
    {
    }

    public CloudConfigurationException()
    {
    }

    public CloudConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Reads the aggregator's configuration the agent's way: an appsettings-style JSON file (sections <c>Cloud</c> and
/// <c>Logging</c>), overridden by <c>EDGEINV_</c> environment variables with <c>__</c> between levels
/// (<c>EDGEINV_Cloud__Http__Port=8091</c>). Binding is strict and every value is checked before anything starts.
/// </summary>
public static class CloudConfiguration
{
    public const string EnvironmentPrefix = "EDGEINV_";
    private const long MaxConfigurationBytes = 1024 * 1024;
    private static readonly string[] RootSections = [CloudOptions.Section, "Logging"];

    /// <summary>The sources: the file when one is given (else embedded defaults), then the environment.</summary>
    public static IConfigurationBuilder AddCloudSources(this IConfigurationBuilder builder, string? configFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configFile is not null)
        {
            string path = Path.GetFullPath(configFile);
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CloudConfigurationException($"--config: '{path}' does not exist");
            }
            if ((info.Attributes & FileAttributes.Directory) != 0 || info.Length > MaxConfigurationBytes)
            {
                throw new CloudConfigurationException($"--config: '{path}' is not a regular file of at most 1 MiB");
            }
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        return builder.AddEnvironmentVariables(EnvironmentPrefix);
    }

    /// <summary>Binds and checks the <c>Cloud</c> section; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static CloudOptions Load(IConfiguration configuration, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        try
        {
            _ = configuration.AsEnumerable().Count(); // a malformed JSON file is only read here
        }
        catch (InvalidDataException e)
        {
            throw new CloudConfigurationException("configuration: " + (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" "), e);
        }

        var problems = new List<string>();
        if (configuration is IConfigurationRoot root)
        {
            foreach (IConfigurationProvider provider in root.Providers.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider>())
            {
                foreach (string key in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (!RootSections.Contains(key, StringComparer.OrdinalIgnoreCase))
                    {
                        problems.Add($"{key}: unknown top-level section; the file has {string.Join(" and ", RootSections)}");
                    }
                }
            }
        }

        IConfigurationSection section = configuration.GetSection(CloudOptions.Section);
        if (FindUnknownKey(section, typeof(CloudOptions)) is { } unknown)
        {
            throw new CloudConfigurationException($"invalid configuration: {unknown}: unknown key (cloud/Aggregator/README.md lists the keys)");
        }
        if (FindUnconvertibleValue(section, typeof(CloudOptions)) is { } unconvertible)
        {
            throw new CloudConfigurationException("invalid configuration: " + unconvertible);
        }

        var options = new CloudOptions();
        try
        {
            section.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new CloudConfigurationException("invalid configuration: " + e.Message.ReplaceLineEndings(" "), e);
        }

        Resolve(options, baseDirectory);
        problems.AddRange(CloudOptionsValidator.Check(options));
        if (problems.Count > 0)
        {
            throw new CloudConfigurationException(problems.Count == 1
                ? "invalid configuration: " + problems[0]
                : "invalid configuration:\n  " + string.Join("\n  ", problems));
        }
        return options;
    }

    /// <summary>Relative paths become absolute from the configuration file's folder; defaults that depend on others are filled.</summary>
    private static void Resolve(CloudOptions options, string baseDirectory)
    {
        string? Abs(string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, baseDirectory);
        options.StateDirectory = Abs(string.IsNullOrEmpty(options.StateDirectory) ? "cloud-state" : options.StateDirectory)!;
        CloudBrokerOptions b = options.Broker;
        b.PasswordFile = Abs(b.PasswordFile);
        if (b.Tls is { } tls)
        {
            tls.CaFile = Abs(tls.CaFile);
            tls.CaPath = Abs(tls.CaPath);
            tls.CertFile = Abs(tls.CertFile);
            tls.KeyFile = Abs(tls.KeyFile);
        }
        if (string.IsNullOrEmpty(b.ClientId))
        {
            b.ClientId = "edgeinv-cloud-" + new string(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        }
        foreach (AlertGroupOptions group in options.Alerts.Groups.Values)
        {
            group.WebhookSecretFile = Abs(group.WebhookSecretFile);
        }
        if (options.Alerts.Routes.Count == 0)
        {
            // Shortages of warning severity and above page the store's operators; info is recorded, not paged.
            options.Alerts.Routes.Add(new AlertRouteOptions { Group = "store-operators" });
        }
    }

    /// <summary>The full path of the first key under <paramref name="section"/> that <paramref name="type"/> has no property for.</summary>
    internal static string? FindUnknownKey(IConfigurationSection section, Type type)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            Type? childType = ChildType(type, child.Key);
            if (childType is null)
            {
                return child.Path;
            }
            if (child.Value is null && !IsScalar(childType) && FindUnknownKey(child, childType) is { } deeper)
            {
                return deeper;
            }
        }
        return null;
    }

    /// <summary>The first value the binder would refuse, named with its key (the binder itself names neither).</summary>
    internal static string? FindUnconvertibleValue(IConfigurationSection section, Type type)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            Type? childType = ChildType(type, child.Key);
            if (childType is null)
            {
                continue;
            }
            Type target = Nullable.GetUnderlyingType(childType) ?? childType;
            if (child.Value is { } value && IsScalar(target))
            {
                if (target != typeof(string) && value.Length > 0)
                {
                    try
                    {
                        _ = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
                    }
                    catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
                    {
                        string expected = target.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(target)) : target == typeof(TimeSpan) ? "a time span like 00:05:00" : "a " + target.Name;
                        return $"{child.Path}: '{value}' is not {expected}";
                    }
                }
            }
            else if (child.Value is null && FindUnconvertibleValue(child, childType) is { } deeper)
            {
                return deeper;
            }
        }
        return null;
    }

    private static bool IsScalar(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan);
    }

    private static Type? ChildType(Type parent, string key)
    {
        if (parent.IsGenericType && parent.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return parent.GetGenericArguments()[1];
        }
        if (parent.IsGenericType && parent.GetGenericTypeDefinition() == typeof(List<>))
        {
            return int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? parent.GetGenericArguments()[0] : null;
        }
        if (typeof(IEnumerable).IsAssignableFrom(parent) && parent != typeof(string))
        {
            return null;
        }
        return parent.GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
    }
}
