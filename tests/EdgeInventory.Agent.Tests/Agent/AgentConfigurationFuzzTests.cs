using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// Generated values for every number and switch of the <c>Agent</c> section (a few hundred cases, seeded): each is
/// accepted or refused with an <see cref="AgentConfigurationException"/> naming its key; nothing else may come out.
/// </summary>
public sealed class AgentConfigurationFuzzTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] NumberValues = ["NaN", "Infinity", "-Infinity", "1e300", "-1e300", "1e20", "-2147483649", "2147483648", "-0", "0", "1.5", "abc", "0x10", " 3 "];

    private static readonly string[] SwitchValues = ["maybe", "2", "yes", "TRUE", "0", "-1", "NaN"];

    [Fact]
    public void Every_generated_value_of_every_numeric_or_switch_key_is_accepted_or_refused_naming_the_key()
    {
        JsonObject config = AgentRun.ConfigToLoad(_dir, AgentRun.Zone("z1", 0, 0, 0.5, 0.5, 8, 3));
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        IConfigurationRoot file = new ConfigurationBuilder().AddJsonFile(path).Build();

        var random = new Random(15);
        var keys = new List<(string Key, Type Type)>();
        Collect("Agent", typeof(AgentOptions), keys);
        Assert.True(keys.Count > 40, $"only {keys.Count} keys found");
        int cases = 0;
        foreach ((string key, Type type) in keys)
        {
            bool isSwitch = type == typeof(bool);
            IEnumerable<string> values = isSwitch ? SwitchValues : NumberValues.Concat(Generated(random, type));
            foreach (string value in values)
            {
                cases++;
                IConfigurationRoot configuration = new ConfigurationBuilder()
                    .AddConfiguration(file)
                    .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value })
                    .Build();
                try
                {
                    _ = AgentConfiguration.Load(configuration, _dir.Path);
                }
                catch (AgentConfigurationException e)
                {
                    // Named as the full path, or (the capture and smoothing libraries' own checks) as its section and its name.
                    int split = key.LastIndexOf(':');
                    bool named = e.Message.Contains(key, StringComparison.OrdinalIgnoreCase)
                        || (e.Message.Contains(key[..split], StringComparison.Ordinal) && e.Message.Contains(key[(split + 1)..], StringComparison.Ordinal));
                    Assert.True(named, $"{key} = '{value}': the refusal does not name the key: {e.Message}");
                }
            }
        }

        Assert.InRange(cases, 300, 2000);
    }

    private static IEnumerable<string> Generated(Random random, Type type)
    {
        for (int i = 0; i < 4; i++)
        {
            yield return type == typeof(int)
                ? random.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture)
                : (Math.Pow(10, random.Next(-12, 40)) * (random.NextDouble() - 0.3)).ToString("R", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The numeric and boolean keys below <paramref name="path"/>, the lists' first element standing for all (the configuration has one camera with one zone).</summary>
    private static void Collect(string path, Type type, List<(string, Type)> keys)
    {
        foreach (PropertyInfo property in type.GetProperties())
        {
            Type t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            string key = $"{path}:{property.Name}";
            if (t == typeof(int) || t == typeof(double) || t == typeof(float) || t == typeof(bool))
            {
                keys.Add((key, t));
            }
            else if (t == typeof(List<double[]>))
            {
                keys.Add((key + ":0:0", typeof(double)));
            }
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) && t.GetGenericArguments()[0] is { IsClass: true } item && item != typeof(string))
            {
                Collect(key + ":0", item, keys);
            }
            else if (t.IsClass && t != typeof(string))
            {
                Collect(key, t, keys);
            }
        }
    }
}
