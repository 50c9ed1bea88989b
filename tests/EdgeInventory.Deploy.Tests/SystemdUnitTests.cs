namespace EdgeInventory.Deploy.Tests;

/// <summary>deploy/systemd/edgeinv-agent.service: systemd's own verifier, and the agent's program, arguments and keys.</summary>
public sealed class SystemdUnitTests
{
    private const string UnitPath = "deploy/systemd/edgeinv-agent.service";
    private static readonly SystemdUnit Unit = new(DeployFiles.Read(UnitPath));

    private static string[] ExecStart => Unit.Value("Service", "ExecStart")!.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void SystemdAnalyzeVerifyFindsNothingButTheProgramNotInstalledHere()
    {
        // systemd-analyze verify reads the unit as systemd would: an unknown key, a bad value or a misplaced
        // directive is reported. The program itself is not installed on this machine (tools/edgeinv publish puts it
        // there on a device), and that is the one line allowed.
        (int code, string output) = DeployFiles.Run("systemd-analyze", DeployFiles.Root, "verify", "--man=no", "--generators=no", Path.Combine(DeployFiles.Root, UnitPath));
        string[] lines = [.. output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        string notInstalled = $"edgeinv-agent.service: Command {ExecStart[0]} is not executable: No such file or directory";
        Assert.True(lines.All(l => l == notInstalled), $"systemd-analyze verify (exit {code}):\n{output}");
    }

    [Fact]
    public void ItStartsThePublishedAgentWithArgumentsTheAgentAccepts()
    {
        Assert.Equal("/opt/edgeinv/agent/" + DeployFiles.AssemblyName("agent/Agent/EdgeInventory.Agent.csproj"), ExecStart[0]);
        Assert.Equal("/etc/edgeinv/agent.json", DockerfileTests.ParseCommandLine(ExecStart[1..]));
        Assert.Equal("edgeinv", Unit.Value("Service", "ConfigurationDirectory"));
        // The install steps in the unit's header are the ones deploy/README.md gives; the publish target is ExecStart's folder.
        Assert.Contains("tools/edgeinv publish agent --rid linux-arm64 --out /opt/edgeinv/agent", DeployFiles.Read(UnitPath), StringComparison.Ordinal);
    }

    [Fact]
    public void TheStateDirectoryIsTheAgentsAndItsEnvironmentPassesTheAgentsCheck()
    {
        Assert.Equal("edgeinv", Unit.Value("Service", "StateDirectory"));
        IReadOnlyDictionary<string, string> env = Unit.Environment();
        Assert.All(env.Keys.Where(static k => k.StartsWith("EDGEINV_", StringComparison.Ordinal)), static k => Assert.Contains("__", k, StringComparison.Ordinal));
        DockerfileTests.AssertAgentAccepts(env, "/var/lib/edgeinv");
    }

    [Fact]
    public void ItRestartsOnFailureButNotOnBadConfigurationAndIsHardened()
    {
        Assert.Equal("always", Unit.Value("Service", "Restart"));
        // The agent's exit code for bad configuration (agent/Agent/README.md): restarting would only repeat it.
        Assert.Equal("2", Unit.Value("Service", "RestartPreventExitStatus"));
        Assert.Equal("yes", Unit.Value("Service", "DynamicUser"));
        Assert.Equal("strict", Unit.Value("Service", "ProtectSystem"));
        Assert.Equal("yes", Unit.Value("Service", "NoNewPrivileges"));
        Assert.Equal("", Unit.Value("Service", "CapabilityBoundingSet"));
        // .NET's JIT writes executable memory: this one must stay off.
        Assert.Null(Unit.Value("Service", "MemoryDenyWriteExecute"));
    }
}
