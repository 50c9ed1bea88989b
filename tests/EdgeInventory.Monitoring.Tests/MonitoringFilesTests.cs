using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Monitoring.Tests;

/// <summary>deploy/monitoring: Prometheus config, alert rules and the Grafana dashboard are valid and name only real metrics.</summary>
public sealed partial class MonitoringFilesTests
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    [Fact]
    public void PrometheusConfigPassesPromtoolCheck()
    {
        (int code, string output) = Promtool.Run("check", "config", "prometheus.yml");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void AlertRulesPassPromtoolCheck()
    {
        (int code, string output) = Promtool.Run("check", "rules", "alerts.yml");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void CameraDownFiresAfterFiveMinutesOfflineAndNotForABlip()
    {
        (int code, string output) = Promtool.Run("test", "rules", "alerts.test.yml");
        Assert.True(code == 0, output);
    }

    [Theory]
    [InlineData("alerts.yml")]
    [InlineData("grafana/edgeinventory.json")]
    public void EveryMetricNameExistsInTheSource(string file)
    {
        string text = File.ReadAllText(Path.Combine(Promtool.MonitoringFolder, file));
        string[] used = [.. MetricName().Matches(text).Select(static m => StripHistogramSuffix(m.Value)).Distinct(StringComparer.Ordinal)];
        Assert.NotEmpty(used);

        HashSet<string> defined = DefinedMetricNames();
        string[] unknown = [.. used.Where(n => !defined.Contains(n))];
        Assert.True(unknown.Length == 0, $"{file} names metrics no C# source under agent/ or cloud/ defines: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void DashboardIsValidJsonWithPanelsOnTheDatasourceInput()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Promtool.MonitoringFolder, "grafana", "edgeinventory.json")));
        JsonElement root = doc.RootElement;
        Assert.Contains(root.GetProperty("__inputs").EnumerateArray(), static i => i.GetProperty("name").GetString() == "DS_PROMETHEUS");

        JsonElement[] panels = [.. root.GetProperty("panels").EnumerateArray()];
        string[] rows = [.. panels.Where(static p => p.GetProperty("type").GetString() == "row").Select(static p => p.GetProperty("title").GetString()!)];
        Assert.Equal(["Edge health", "Delivery", "Ingest", "Alerts", "Availability"], rows);

        JsonElement[] graphs = [.. panels.Where(static p => p.GetProperty("type").GetString() != "row")];
        Assert.NotEmpty(graphs);
        Assert.All(graphs, static p =>
        {
            Assert.Equal("${DS_PROMETHEUS}", p.GetProperty("datasource").GetProperty("uid").GetString());
            JsonElement[] targets = [.. p.GetProperty("targets").EnumerateArray()];
            Assert.NotEmpty(targets);
            Assert.All(targets, static t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString())));
        });
    }

    private static string StripHistogramSuffix(string name)
    {
        foreach (string suffix in HistogramSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }
        return name;
    }

    /// <summary>Every quoted "edgeinv_…" string in the product's C# source (agent/ and cloud/, not the tests).</summary>
    private static HashSet<string> DefinedMetricNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string folder in new[] { "agent", "cloud" })
        {
            foreach (string path in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match m in QuotedMetricName().Matches(File.ReadAllText(path)))
                {
                    names.Add(m.Groups[1].Value);
                }
            }
        }
        return names;
    }

    [GeneratedRegex("edgeinv_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("\"(edgeinv_[a-z_]+)\"")]
    private static partial Regex QuotedMetricName();
}
