using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Deploy.Tests;

/// <summary>The deployment files of the repository, read the way their tools read them (no engine or cluster runs here).</summary>
internal static partial class DeployFiles
{
    public static string Root => RepoPaths.Root;

    public static string KubernetesFolder => Path.Combine(Root, "deploy", "kubernetes");

    public static string Read(params string[] parts) => File.ReadAllText(Path.Combine([Root, .. parts]));

    /// <summary>
    /// EDGEINV_ environment variables as .NET's environment provider turns them into keys (prefix removed, <c>__</c> →
    /// <c>:</c>), after <paramref name="jsonFile"/>, as the programs add the environment after their file. Every
    /// EDGEINV_ variable is handed over: the programs' own checks decide which they accept.
    /// </summary>
    public static IConfigurationRoot Configuration(string? jsonFile, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var builder = new ConfigurationBuilder();
        if (jsonFile is not null)
        {
            builder.AddJsonFile(jsonFile, optional: false, reloadOnChange: false);
        }
        return builder.AddInMemoryCollection(environment
                .Where(static e => e.Key.StartsWith("EDGEINV_", StringComparison.Ordinal))
                .Select(static e => KeyValuePair.Create(e.Key["EDGEINV_".Length..].Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build();
    }

    /// <summary>The AssemblyName of a project: the name of the program a publish of it produces.</summary>
    public static string AssemblyName(string project) =>
        AssemblyNamePattern().Match(Read(project)).Groups[1].Value is { Length: > 0 } name ? name : throw new InvalidOperationException(project + " has no AssemblyName");

    [GeneratedRegex("<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyNamePattern();

    /// <summary>Runs a program and returns its exit code and its stdout and stderr together.</summary>
    public static (int Code, string Output) Run(string fileName, string workingDirectory, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A path of the target system re-rooted under <paramref name="root"/>, so checks that create or read it stay in a temp folder.</summary>
    public static string Under(string root, string absolutePath) => Path.Combine(root, absolutePath.TrimStart('/'));
}

/// <summary>One stage of a Dockerfile: its base, name and instructions in order (continuation lines joined).</summary>
internal sealed record DockerStage(string Base, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>ENV pairs of this stage, in the <c>KEY=VALUE KEY=VALUE</c> form the Dockerfiles use.</summary>
    public IReadOnlyDictionary<string, string> Environment() =>
        All("ENV").SelectMany(static i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(static pair => pair.Split('=', 2))
            .ToDictionary(static p => p[0], static p => p.Length == 2 ? p[1] : throw new FormatException($"ENV {p[0]}: use KEY=VALUE"), StringComparer.Ordinal);

    /// <summary>The JSON (exec) form of ENTRYPOINT or CMD; the shell form is refused (signals would go to a shell).</summary>
    public string[] ExecForm(string keyword) =>
        All(keyword).LastOrDefault() is { } i ? JsonSerializer.Deserialize<string[]>(i.Arguments) ?? [] : [];

    public string? Single(string keyword) => All(keyword).LastOrDefault()?.Arguments;
}

internal sealed record DockerInstruction(string Keyword, string Arguments);

internal static class Dockerfile
{
    /// <summary>The stages of a Dockerfile; comments and the parser directive are dropped, <c>\</c> continuations joined.</summary>
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        string pending = "";
        foreach (string raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            string whole = pending + line;
            pending = "";
            if (whole.Length == 0)
            {
                continue;
            }
            int space = whole.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(new DockerInstruction(whole[..space].ToUpperInvariant(), whole[(space + 1)..].Trim()));
        }

        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (DockerInstruction i in instructions)
        {
            if (i.Keyword == "FROM")
            {
                string[] words = [.. i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(static w => !w.StartsWith("--", StringComparison.Ordinal))];
                current = [];
                stages.Add(new DockerStage(words[0], words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, current));
            }
            else
            {
                current?.Add(i);
            }
        }
        return stages;
    }

    /// <summary>The global ARG defaults (before the first FROM), for resolving <c>${NAME}</c> in FROM lines.</summary>
    public static IReadOnlyDictionary<string, string> GlobalArguments(string text)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.ReplaceLineEndings("\n").Split('\n').Select(static l => l.Trim()))
        {
            if (line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
            if (line.StartsWith("ARG ", StringComparison.OrdinalIgnoreCase) && line[4..].Split('=', 2) is [{ } name, { } value])
            {
                args[name.Trim()] = value.Trim();
            }
        }
        return args;
    }
}

/// <summary>A systemd unit file: its <c>Key=Value</c> lines per section (a key may repeat, as Environment= does).</summary>
internal sealed class SystemdUnit
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public SystemdUnit(string text)
    {
        string section = "";
        foreach (string raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }
            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']');
                continue;
            }
            string[] kv = line.Split('=', 2);
            _entries.Add((section, kv[0].Trim(), kv.Length == 2 ? kv[1].Trim() : ""));
        }
    }

    public IEnumerable<string> All(string section, string key) =>
        _entries.Where(e => e.Section == section && e.Key == key).Select(static e => e.Value);

    public string? Value(string section, string key) => All(section, key).LastOrDefault();

    /// <summary>Environment= assignments with the specifiers this unit uses expanded as systemd does for a system service.</summary>
    public IReadOnlyDictionary<string, string> Environment() =>
        All("Service", "Environment").Select(static v => v.Split('=', 2))
            .ToDictionary(static p => p[0], static p => p[1].Replace("%S", "/var/lib", StringComparison.Ordinal), StringComparer.Ordinal);
}
