using System.CommandLine;
using EdgeInventory.Agent.Configuration;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>The agent's own arguments: --help prints the usage, a usage error is one line naming the argument.</summary>
public sealed class AgentCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--config", "agent.json", "--help")]
    public void Help_prints_the_usage_and_exits_0(params string[] args)
    {
        ParseResult parsed = AgentCommandLine.Parse(args);
        Assert.True(AgentCommandLine.AsksForInformation(parsed));
        using var stdout = new StringWriter();
        Assert.Equal(0, parsed.Invoke(new InvocationConfiguration { Output = stdout }));
        string[] lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, l => l.Trim().EndsWith(" [options]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("--config <FILE> (REQUIRED)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("--reset-reference <CAMERA_ID>", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_does_not_ask_for_information()
    {
        ParseResult parsed = AgentCommandLine.Parse(["--config", "agent.json", "--reset-reference", "cam-1"]);
        Assert.False(AgentCommandLine.AsksForInformation(parsed));
        Assert.Equal(("agent.json", "cam-1"), AgentCommandLine.Read(parsed));
    }

    [Theory]
    [InlineData("Option '--config' is required.")]
    [InlineData("Required argument missing for option: '--config'.", "--config")]
    [InlineData("unknown argument '--confg'", "--confg", "agent.json")]
    [InlineData("unknown argument 'extra'", "--config", "agent.json", "extra")]
    [InlineData("Required argument missing for option: '--reset-reference'.", "--config", "agent.json", "--reset-reference")]
    public void A_usage_error_stops_start_up_naming_the_argument(string expected, params string[] args)
    {
        var e = Assert.Throws<AgentConfigurationException>(() => AgentHost.Build(args));
        Assert.Equal(expected, e.Message);
    }
}
