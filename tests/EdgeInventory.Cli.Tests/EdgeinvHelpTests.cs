using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Cli.Tests;

/// <summary>
/// `tools/edgeinv COMMAND --help` for every command and bench area the script defines: exit 0 and a usage line,
/// with nothing installed, started or built first (EDGEINV_NO_BUILD=1 runs the programs this test project's build
/// made; any set-up step would say so on stderr).
/// </summary>
public sealed partial class EdgeinvHelpTests
{
    [Fact]
    public void Every_command_and_bench_area_prints_its_usage_and_exits_0()
    {
        string[] functions = Bash("source tools/lib/setup.sh; for f in tools/commands/*.sh; do source \"$f\"; done; declare -F | awk '{print $3}'").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] commands = functions.Where(f => f.StartsWith("cmd_", StringComparison.Ordinal)).Select(f => f[4..]).ToArray();
        string[] areas = functions.Where(f => f.StartsWith("bench_", StringComparison.Ordinal)).Select(f => "bench " + f[6..]).ToArray();
        Assert.Superset(new HashSet<string> { "detect", "eval", "demo", "agent", "forecast", "broker", "train", "fixtures", "test" }, commands.ToHashSet());
        Assert.Superset(new HashSet<string> { "bench vision", "bench agent", "bench outbox", "bench forecast" }, areas.ToHashSet());

        string[] invocations = ["", "--help", "bench --help", "forecast eval --help", "forecast run --help", "broker --port 1884 --help",
            .. commands.Select(c => c + " --help"), .. commands.Select(c => c + " -h"), .. areas.Select(a => a + " --help")];
        var failures = new List<string>();
        foreach (string invocation in invocations)
        {
            (int code, string stdout, string stderr) = Bash("tools/edgeinv " + invocation);
            if (code != 0 || stderr.Length > 0 || !UsageLine().IsMatch(stdout))
            {
                failures.Add($"tools/edgeinv {invocation}: exit {code}, stderr '{stderr.Trim()}', stdout '{stdout[..Math.Min(200, stdout.Length)]}'");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData("nosuch --help", "edgeinv: unknown command 'nosuch'")]
    [InlineData("bench nosuch --help", "edgeinv: bench needs an area:")]
    [InlineData("broker --prot 1884", "edgeinv: broker: unknown option '--prot'")]
    public void An_unknown_command_or_area_is_a_usage_error(string invocation, string expectedStart)
    {
        (int code, _, string stderr) = Bash("tools/edgeinv " + invocation);
        Assert.Equal(2, code);
        Assert.StartsWith(expectedStart, stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*usage:", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex UsageLine();

    private static (int Code, string Stdout, string Stderr) Bash(string script)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["EDGEINV_ROOT"] = RepoPaths.Root;
        psi.Environment["EDGEINV_NO_BUILD"] = "1";
        // The configuration this test was built in (bin/<configuration>/net10.0/), whose programs the script runs.
        psi.Environment["EDGEINV_CONFIGURATION"] = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("bash did not finish in 2 minutes: " + script);
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
