using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>
/// Configurations a hostile probe found crashing the agent, hanging it or accepted though they cannot run (issue 15,
/// item 3): each is refused with the key and the reason.
/// </summary>
public sealed class AgentConfigurationRefusalTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    private JsonObject Valid() => AgentRun.ConfigToLoad(_dir, AgentRun.Zone("z1", 0, 0, 0.5, 0.5, 8, 3));

    private string Problem(Action<JsonObject> change)
    {
        JsonObject config = Valid();
        change(config);
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        IConfigurationRoot root = new ConfigurationBuilder().AddJsonFile(path).Build();
        return Assert.Throws<AgentConfigurationException>(() => AgentConfiguration.Load(root, _dir.Path)).Message;
    }

    /// <summary>The file as the agent reads it (a <see cref="ConfigurationManager"/> loads each source as it is added).</summary>
    private string FileProblem(string text)
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, text);
        return Assert.Throws<AgentConfigurationException>(() => new ConfigurationManager().AddAgentSources(path)).Message;
    }

    private static JsonObject Agent(JsonObject c) => c["Agent"]!.AsObject();

    private static JsonObject Section(JsonObject c, string name)
    {
        if (Agent(c)[name] is not JsonObject section)
        {
            section = [];
            Agent(c)[name] = section;
        }

        return section;
    }

    [Theory]
    [InlineData("Evidence", "MaxAgeDays", "NaN")]
    [InlineData("Evidence", "MaxAgeDays", 1e300)]
    [InlineData("Reconciliation", "ScannerFreshnessMinutes", "NaN")]
    [InlineData("Reconciliation", "CameraHealthInertiaSeconds", "NaN")]
    [InlineData("Reconciliation", "GapThreshold", "NaN")]
    [InlineData("Reconciliation", "ViewChangeThreshold", "NaN")]
    [InlineData("Model", "Confidence", "NaN")]
    [InlineData("Model", "IoU", "NaN")]
    [InlineData("Model", "Confidence", "Infinity")]
    [InlineData("Smoothing", "InertiaSeconds", "-Infinity")]
    public void A_number_that_is_not_finite_or_out_of_range_is_refused_with_its_key(string section, string key, object value)
    {
        string message = Problem(c => Section(c, section)[key] = value is string s ? JsonValue.Create(s) : JsonValue.Create((double)value));
        Assert.Contains($"Agent:{section}:{key}: ", message);
        Assert.Contains("is outside", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_camera_interval_that_is_not_a_number_is_refused_with_its_key()
    {
        Assert.Contains("Agent:Cameras:0:OfflineAfterSeconds: NaN is outside", Problem(c => Agent(c)["Cameras"]![0]!["OfflineAfterSeconds"] = "NaN"));
    }

    [Fact]
    public async Task A_planogram_that_is_a_FIFO_is_refused_without_opening_it()
    {
        string fifo = _dir.File("stock.csv");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opened, a FIFO without a writer blocks the reader for ever: the guard turns that hang into a failure (TimeoutException).
        string message = await Task.Run(() => Problem(c => Agent(c)["ExpectedStockFile"] = "stock.csv")).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Contains($"Agent:ExpectedStockFile: {fifo} is a FIFO (named pipe), not a regular file", message);
    }

    [Theory]
    [InlineData("PasswordFile")]
    [InlineData("Tls:CaFile")]
    public async Task A_messaging_file_that_is_a_FIFO_is_refused_without_opening_it(string key)
    {
        string fifo = _dir.File("secret");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // agent/Messaging reads the password file and the CA while it validates: unchecked, a FIFO there hangs the start.
        string message = await Task.Run(() => Problem(c => c["Messaging"] = new JsonObject
        {
            ["Broker"] = key == "PasswordFile"
                ? new JsonObject { ["PasswordFile"] = "secret" }
                : new JsonObject { ["Tls"] = new JsonObject { ["CaFile"] = "secret" } },
        })).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Contains($"Messaging:Broker:{key}: {fifo} is a FIFO (named pipe), not a regular file", message);
    }

    [Fact]
    public void A_planogram_the_process_may_not_read_is_refused()
    {
        // A write-only sysctl: even root may not read it (proc's own permission check), so the test holds as root too.
        const string writeOnly = "/proc/sys/vm/compact_memory";
        Assert.True(File.Exists(writeOnly), writeOnly + " is this test's unreadable file");
        File.CreateSymbolicLink(_dir.File("stock.csv"), writeOnly);
        string message = Problem(c => Agent(c)["ExpectedStockFile"] = "stock.csv");
        Assert.Contains("Agent:ExpectedStockFile: ", message);
        Assert.Contains("cannot be read", message);
    }

    [Fact]
    public void A_planogram_that_is_a_folder_or_too_large_is_refused()
    {
        Directory.CreateDirectory(_dir.File("folder.csv"));
        Assert.Contains("Agent:ExpectedStockFile: " + _dir.File("folder.csv") + " is a folder", Problem(c => Agent(c)["ExpectedStockFile"] = "folder.csv"));
        using (FileStream big = File.Create(_dir.File("big.csv")))
        {
            big.SetLength(65 * 1024 * 1024); // sparse: no disk used
        }

        Assert.Contains("more than the 64 MiB", Problem(c => Agent(c)["ExpectedStockFile"] = "big.csv"));
    }

    [Fact]
    public void A_model_path_that_is_a_device_is_refused()
    {
        Assert.Contains("Agent:Model:Path: /dev/zero is a device, not a regular file", Problem(c => Agent(c)["Model"]!["Path"] = "/dev/zero"));
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named_with_its_key()
    {
        Assert.Contains("Agent:Cameras:0:Loop: 'maybe' is not true or false", Problem(c => Agent(c)["Cameras"]![0]!["Loop"] = "maybe"));
        Assert.Contains("Agent:Reconciliation:LearnBaselineAtCommissioning: 'sometimes' is not true or false",
            Problem(c => Agent(c)["Reconciliation"] = new JsonObject { ["LearnBaselineAtCommissioning"] = "sometimes" }));
        string capacity = Problem(c => Agent(c)["Cameras"]![0]!["Zones"]![0]!["Capacity"] = 1e20);
        Assert.Matches(@"Agent:Cameras:0:Zones:0:Capacity: '1E\+?20' is not a whole number", capacity);
        Assert.Contains("Agent:Cameras:0:Zones:0:Polygon:1:0: 'left' is not a number", Problem(c => Agent(c)["Cameras"]![0]!["Zones"]![0]!["Polygon"]![1]![0] = "left"));
        Assert.DoesNotContain("ErrorOnUnknownConfiguration", capacity);
    }

    [Theory]
    [InlineData("{\n  \"Agent\": {\n    \"StoreId\": \"s042\",,\n  }\n}", ":3:23: not valid JSON")]
    [InlineData("{\n  \"Agent\": {\n    \"StoreId\": \"s0", ":3:")]
    [InlineData("", "agent.json")]
    public void Malformed_truncated_or_empty_JSON_is_named_with_its_line_and_position(string text, string expected)
    {
        string message = FileProblem(text);
        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
        Assert.DoesNotContain("Failed to load configuration", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_duplicate_JSON_key_is_named()
    {
        string message = FileProblem("{ \"Agent\": { \"StoreId\": \"s042\", \"storeid\": \"s043\" } }");
        Assert.Contains("Agent:storeid", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("duplicate", message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_configuration_file_that_is_a_FIFO_is_refused_without_opening_it()
    {
        string fifo = _dir.File("fifo.json");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        string message = await Task.Run(() => Assert.Throws<AgentConfigurationException>(() => new ConfigurationManager().AddAgentSources(fifo)).Message).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Contains("--config: " + fifo + " is a FIFO", message);
    }

    [Fact]
    public void A_model_of_random_bytes_stops_the_process_with_exit_code_2_and_one_line()
    {
        byte[] noise = new byte[4096];
        new Random(15).NextBytes(noise);
        File.WriteAllBytes(_dir.File("noise.onnx"), noise);
        JsonObject config = Valid();
        Agent(config)["Model"]!["Path"] = "noise.onnx";
        (int exitCode, IReadOnlyList<string> stderr) = RunToExit(config);
        Assert.Equal(2, exitCode);
        string line = Assert.Single(stderr);
        Assert.StartsWith("edgeinv agent: Agent:Model:Path: " + _dir.File("noise.onnx") + " cannot be used: ", line);
    }

    [Fact]
    public void Malformed_JSON_stops_the_process_with_exit_code_2_and_one_line_with_the_position()
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, "{\n  \"Agent\": { \"StoreId\": tru }\n}");
        using AgentProcess agent = AgentProcess.Start(path);
        Assert.True(agent.WaitForExit());
        Assert.Equal(2, agent.ExitCode);
        Assert.StartsWith($"edgeinv agent: {path}:2:", Assert.Single(agent.Stderr));
    }

    [Fact]
    public void A_number_that_is_not_a_number_stops_the_process_with_exit_code_2_and_one_line()
    {
        JsonObject config = Valid();
        Section(config, "Evidence")["MaxAgeDays"] = "NaN";
        (int exitCode, IReadOnlyList<string> stderr) = RunToExit(config);
        Assert.Equal(2, exitCode);
        Assert.Equal("edgeinv agent: invalid configuration: Agent:Evidence:MaxAgeDays: NaN is outside (0, 36500]", Assert.Single(stderr));
    }

    private (int ExitCode, IReadOnlyList<string> Stderr) RunToExit(JsonObject config)
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        using AgentProcess agent = AgentProcess.Start(path);
        Assert.True(agent.WaitForExit(), "the agent did not stop");
        return (agent.ExitCode, agent.Stderr);
    }
}
