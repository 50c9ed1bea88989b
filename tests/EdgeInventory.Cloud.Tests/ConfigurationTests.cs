using EdgeInventory.Cloud.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Cloud.Tests;

public class ConfigurationTests
{
    private static CloudOptions Load(params (string Key, string Value)[] values) =>
        CloudConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build(), Path.GetTempPath());

    [Theory]
    [InlineData("Cloud:Http:Prot", "8090", "Cloud:Http:Prot: unknown key")]
    [InlineData("Cloud:Http:Port", "70000", "Cloud:Http:Port: 70000 is outside 0..65535")]
    [InlineData("Cloud:Http:Port", "eighty", "Cloud:Http:Port: 'eighty' is not a Int32")]
    [InlineData("Cloud:Database:Provider", "Oracle", "Cloud:Database:Provider: 'Oracle' is not one of Sqlite, Postgres")]
    [InlineData("Cloud:Database:Provider", "Postgres", "Cloud:Database:ConnectionString is required with Provider Postgres")]
    [InlineData("Cloud:ApiKeys:0:Role", "root", "Cloud:ApiKeys:0:Role 'root' is not one of headoffice, operator, admin")]
    [InlineData("Cloud:Broker:SharedGroup", "a/b", "Cloud:Broker:SharedGroup 'a/b' must be at most 64 characters")]
    [InlineData("Cloud:Alerts:Routes:0:Group", "", "Cloud:Alerts:Routes:0:Group must be 1..64 characters")]
    [InlineData("Cloud:Alerts:Groups:ops:WebhookUrl", "ftp://x", "Cloud:Alerts:Groups:ops:WebhookUrl 'ftp://x' is not an absolute http(s) URL")]
    [InlineData("Cloud:Retention:DeadLetters", "5", "Cloud:Retention:DeadLetters: 5 is outside 100..10000000")]
    [InlineData("Cloud:Ingest:ClockSkew", "soon", "Cloud:Ingest:ClockSkew: 'soon' is not a time span like 00:05:00")]
    public void Bad_configuration_is_refused_naming_the_key(string key, string value, string expected)
    {
        var e = Assert.Throws<CloudConfigurationException>(() => Load((key, value)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_api_key_needs_a_proper_hash_and_known_stores()
    {
        var e = Assert.Throws<CloudConfigurationException>(() => Load(("Cloud:ApiKeys:0:Name", "x"), ("Cloud:ApiKeys:0:Role", "operator"),
            ("Cloud:ApiKeys:0:KeySha256", "ABC"), ("Cloud:ApiKeys:0:Stores:0", "cmd")));
        Assert.Contains("Cloud:ApiKeys:0:KeySha256 is not 64 lower-case hex digits", e.Message, StringComparison.Ordinal);
        Assert.Contains("Cloud:ApiKeys:0:Stores:0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_configuration_binds_except_for_its_secret_files()
    {
        string example = Path.Combine(RepoRoot(), "cloud", "Aggregator", "cloud.example.json");
        var configuration = new ConfigurationBuilder().AddCloudSources(example).Build();
        var e = Assert.Throws<CloudConfigurationException>(() => CloudConfiguration.Load(configuration, Path.GetDirectoryName(example)!));
        // Only the files that exist on a deployed machine are missing here; every key is known and every value in range.
        foreach (string line in e.Message.Split('\n').Skip(1))
        {
            Assert.True(line.Contains("PasswordFile", StringComparison.Ordinal) || line.Contains("CaFile", StringComparison.Ordinal) || line.Contains("WebhookSecretFile", StringComparison.Ordinal), line);
        }
    }

    [Fact]
    public void Without_routes_warning_shortages_page_the_store_operators()
    {
        CloudOptions o = Load();
        AlertRouteOptions route = Assert.Single(o.Alerts.Routes);
        Assert.Equal("store-operators", route.Group);
        var router = new Alerts.AlertRouter(o.Alerts.Routes);
        Assert.Equal(["store-operators"], router.Route("s001", "s001/A1", "1", Contracts.DiscrepancyKind.OutOfStock, Contracts.Severity.Warning));
        Assert.Empty(router.Route("s001", "s001/A1", "1", Contracts.DiscrepancyKind.OutOfStock, Contracts.Severity.Info));
        Assert.Empty(router.Route("s001", "s001/A1", "1", Contracts.DiscrepancyKind.CameraOffline, Contracts.Severity.Critical));
    }

    [Fact]
    public void Routes_are_evaluated_in_order_and_continue_only_when_told()
    {
        var router = new Alerts.AlertRouter(
        [
            new AlertRouteOptions { Store = "s001", Group = "north", Continue = true },
            new AlertRouteOptions { LocationPrefix = "s001/A1/", MinSeverity = Contracts.Severity.Critical, Group = "fresh" },
            new AlertRouteOptions { Group = "everyone" },
            new AlertRouteOptions { Group = "never" },
        ]);
        Assert.Equal(["north", "fresh"], router.Route("s001", "s001/A1/B1", null, Contracts.DiscrepancyKind.Gap, Contracts.Severity.Critical));
        Assert.Equal(["north", "everyone"], router.Route("s001", "s001/A2/B1", null, Contracts.DiscrepancyKind.Gap, Contracts.Severity.Critical));
        Assert.Equal(["everyone"], router.Route("s002", "s002/A1/B1", null, Contracts.DiscrepancyKind.BelowMinimum, Contracts.Severity.Warning));
    }

    [Fact]
    public void The_program_refuses_a_bad_file_with_one_line_naming_the_key_and_exit_code_2()
    {
        string file = Path.Combine(Path.GetTempPath(), $"edgeinv-cloud-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Cloud": { "Http": { "Port": 8090, "Adress": "0.0.0.0" } } }""");
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgeinv-cloud.dll"));
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(file);
            using var process = System.Diagnostics.Process.Start(info)!;
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000));
            Assert.Equal(2, process.ExitCode);
            Assert.Equal("edgeinv-cloud: invalid configuration: Cloud:Http:Adress: unknown key (cloud/Aggregator/README.md lists the keys)", stderr.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "EdgeInventory.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException("EdgeInventory.sln not found above the test folder");
    }
}

public class DatabaseErrorTests
{
    [Theory]
    [InlineData(5, true)] // SQLITE_BUSY
    [InlineData(6, true)] // SQLITE_LOCKED
    [InlineData(10, true)] // SQLITE_IOERR
    [InlineData(19, false)] // SQLITE_CONSTRAINT
    [InlineData(1, false)] // SQLITE_ERROR (syntax, missing column)
    public void Sqlite_errors_that_can_pass_are_retried_and_the_others_are_not(int code, bool transient) =>
        Assert.Equal(transient, EdgeInventory.Cloud.Storage.SqlSession.IsTransient(new Microsoft.Data.Sqlite.SqliteException("test", code)));

    [Theory]
    [InlineData("08006", true)] // connection failure
    [InlineData("40001", true)] // serialization failure
    [InlineData("57P01", true)] // admin shutdown
    [InlineData("23505", false)] // unique violation
    [InlineData("42804", false)] // datatype mismatch: the NULL-typed-as-text bug stalled every store before
    [InlineData("22P02", false)] // invalid text representation
    public void Postgres_errors_that_can_pass_are_retried_and_the_others_are_not(string state, bool transient) =>
        Assert.Equal(transient, EdgeInventory.Cloud.Storage.SqlSession.IsTransient(new Npgsql.PostgresException("test", "ERROR", "ERROR", state)));
}
