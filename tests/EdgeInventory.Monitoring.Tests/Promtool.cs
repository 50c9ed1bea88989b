using System.Diagnostics;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Monitoring.Tests;

/// <summary>Runs Debian's promtool (package prometheus, installed by tools/commands/monitoring.sh) in deploy/monitoring.</summary>
internal static class Promtool
{
    public static string MonitoringFolder => Path.Combine(RepoPaths.Root, "deploy", "monitoring");

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("promtool", args)
        {
            WorkingDirectory = MonitoringFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("promtool did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool not found: run tools/edgeinv test (or apt-get install prometheus)", e);
        }
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new TimeoutException("promtool " + string.Join(' ', args) + " ran over 60 s");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
