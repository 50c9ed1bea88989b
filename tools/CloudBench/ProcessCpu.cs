using System.Globalization;

namespace EdgeInventory.CloudBench;

/// <summary>CPU time of the processes beside this one (mosquitto, PostgreSQL's postmaster and its backends), from /proc.</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The process whose command line mentions <paramref name="text"/> (the broker's own folder), or null.</summary>
    public static int? FindByCommandLine(string text)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                    {
                        return pid;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        return null;
    }

    /// <summary>User + system seconds of <paramref name="pid"/> and, with <paramref name="children"/>, of its live children.</summary>
    public static double Seconds(int? pid, bool children = false)
    {
        if (pid is not { } root)
        {
            return 0;
        }
        double total = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int p))
            {
                continue;
            }
            string[]? fields = Stat(p);
            if (fields is null)
            {
                continue;
            }
            // Fields after the ")" of the command name: state, ppid (index 1), ..., utime (11), stime (12).
            int ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (p == root || (children && ppid == root))
            {
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
        }
        return total;
    }

    private static string[]? Stat(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 ? null : stat[(close + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
