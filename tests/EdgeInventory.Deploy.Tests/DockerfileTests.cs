using System.Text.RegularExpressions;
using EdgeInventory.Agent;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Cloud.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Deploy.Tests;

/// <summary>
/// edge.Dockerfile and cloud.Dockerfile, checked without a container engine: what they copy exists, the tools/edgeinv
/// commands they run exist and accept their arguments, the program they start is the one the build stage publishes,
/// their ports and EDGEINV_ variables are the programs' own.
/// </summary>
public sealed partial class DockerfileTests
{
    private const string RepoPathPrefixes = "tools/|agent/|cloud/|models/|deploy/";

    public static TheoryData<string> Dockerfiles() => ["edge.Dockerfile", "cloud.Dockerfile"];

    private static IReadOnlyList<DockerStage> Stages(string file) => Dockerfile.Parse(DeployFiles.Read(file));

    /// <summary>The stages an image is made of: those no other stage copies from, other than the build.</summary>
    private static IEnumerable<DockerStage> RuntimeStages(string file) =>
        Stages(file).Where(static s => s.Name is not null && s.Name != "build" && s.Instructions.Any(static i => i.Keyword == "ENTRYPOINT"));

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryCopiedPathExistsInTheRepository(string file)
    {
        var sources = Stages(file).SelectMany(static s => s.All("COPY"))
            .Where(static c => !c.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(static c => c.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, static s => Assert.True(s == "." || File.Exists(Path.Combine(DeployFiles.Root, s)) || Directory.Exists(Path.Combine(DeployFiles.Root, s)), $"COPY {s}: not in the repository"));

        // Paths the RUN steps name in the build context (cp models/..., tools/edgeinv ...).
        var named = Stages(file).SelectMany(static s => s.All("RUN")).SelectMany(static r => RepoPath().Matches(r.Arguments).Select(static m => m.Value)).ToList();
        Assert.All(named, static p => Assert.True(File.Exists(Path.Combine(DeployFiles.Root, p)), $"RUN names {p}: not in the repository"));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void TheBuildContextLeavesOutBuildOutputsAndLocalState(string file)
    {
        Assert.Contains(Stages(file), static s => s.All("COPY").Any(static c => c.Arguments == ". ."));
        string[] ignored = DeployFiles.Read(".dockerignore").ReplaceLineEndings("\n").Split('\n');
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains(".deps/", ignored);
    }

    /// <summary>Every <c>tools/edgeinv CMD ARGS</c> a RUN step calls, with the <c>"$rid"</c> the step sets filled in.</summary>
    private static IEnumerable<string[]> EdgeinvCalls(string file) =>
        Stages(file).SelectMany(static s => s.All("RUN"))
            .SelectMany(static r => r.Arguments.Split("&&", StringSplitOptions.TrimEntries))
            .Select(static step => EdgeinvCall().Match(step))
            .Where(static m => m.Success)
            .Select(static m => m.Groups[1].Value.Replace("\"$rid\"", "linux-arm64", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryToolsEdgeinvCommandExistsAndAcceptsItsArguments(string file)
    {
        var calls = EdgeinvCalls(file).ToList();
        Assert.Contains(calls, static c => c[0] == "publish");
        Assert.Contains(calls, static c => c[0] == "runtime-deps");
        string edgeinv = Path.Combine(DeployFiles.Root, "tools", "edgeinv");
        foreach (string[] call in calls)
        {
            (int helpCode, string help) = DeployFiles.Run(edgeinv, DeployFiles.Root, call[0], "--help");
            Assert.True(helpCode == 0, $"tools/edgeinv {call[0]} --help: {help}");
            if (call[0] == "publish")
            {
                // Everything but the output folder: the program and the runtime identifier pass, then --out is missing.
                string[] withoutOut = [.. call.TakeWhile(static a => a != "--out")];
                (int code, string output) = DeployFiles.Run(edgeinv, DeployFiles.Root, withoutOut);
                Assert.True(code == 2 && output.Contains("--out DIR is required", StringComparison.Ordinal), $"tools/edgeinv {string.Join(' ', withoutOut)}: {output}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void TheImageStartsTheProgramTheBuildStagePublishesAsANonRootUser(string file)
    {
        // publish PROGRAM --out /out/X in the build stage; COPY --from=build /out/... DEST in the image.
        var published = EdgeinvCalls(file).Where(static c => c[0] == "publish")
            .ToDictionary(static c => c[Array.IndexOf(c, "--out") + 1], static c => c[1], StringComparer.Ordinal);
        foreach (DockerStage stage in RuntimeStages(file))
        {
            Assert.DoesNotContain("dotnet/sdk", stage.Base, StringComparison.Ordinal);
            string[] copy = stage.All("COPY").Single(static c => c.Arguments.StartsWith("--from=build ", StringComparison.Ordinal)).Arguments.Split(' ')[1..];
            (string from, string to) = (copy[0].TrimEnd('/'), copy[1].TrimEnd('/'));
            string entrypoint = stage.ExecForm("ENTRYPOINT")[0];
            Assert.StartsWith(to + "/", entrypoint, StringComparison.Ordinal);
            string builtPath = from + entrypoint[to.Length..];
            string folder = builtPath[..builtPath.LastIndexOf('/')];
            Assert.True(published.TryGetValue(folder, out string? program), $"{stage.Name}: ENTRYPOINT {entrypoint} is {builtPath} in the build stage, which no publish writes");
            string project = program switch
            {
                "agent" => "agent/Agent/EdgeInventory.Agent.csproj",
                "cloud" => "cloud/Aggregator/EdgeInventory.Cloud.csproj",
                _ => "tools/Cli/EdgeInventory.Cli.csproj",
            };
            Assert.Equal(DeployFiles.AssemblyName(project), Path.GetFileName(entrypoint));

            string user = stage.Single("USER") ?? "";
            Assert.Matches("^[1-9][0-9]*:[1-9][0-9]*$", user); // numeric, so Kubernetes' runAsNonRoot can check it
        }
    }

    [Fact]
    public void TheEdgeImageHasAJetsonAndACpuTargetOnTheAgentsPortAndConfiguration()
    {
        var targets = RuntimeStages("edge.Dockerfile").ToDictionary(static s => s.Name!, StringComparer.Ordinal);
        Assert.Equal(["edge-cpu", "edge-jetson"], targets.Keys.Order(StringComparer.Ordinal));
        // Without --target docker builds the last stage: the CPU image.
        Assert.Equal("edge-cpu", Stages("edge.Dockerfile")[^1].Name);
        Assert.Contains("$BUILDPLATFORM", DeployFiles.Read("edge.Dockerfile"), StringComparison.Ordinal);

        IReadOnlyDictionary<string, string> args = Dockerfile.GlobalArguments(DeployFiles.Read("edge.Dockerfile"));
        Assert.StartsWith("nvcr.io/nvidia/l4t-jetpack:", args[targets["edge-jetson"].Base.Trim('$', '{', '}')], StringComparison.Ordinal);

        // JetPack's ONNX Runtime through the variable the agent's loader reads, at the path the image copies it to.
        IReadOnlyDictionary<string, string> jetsonEnv = targets["edge-jetson"].Environment();
        string library = jetsonEnv[EdgeInventory.Onnx.OrtLibrary.EnvironmentVariable];
        string ortCopy = targets["edge-jetson"].All("COPY").Single(static c => c.Arguments.StartsWith("--from=jetson-ort ", StringComparison.Ordinal)).Arguments;
        Assert.EndsWith("/libonnxruntime*", ortCopy.Split(' ')[1], StringComparison.Ordinal);
        Assert.Equal(ortCopy.Split(' ')[2] + "libonnxruntime.so", library);

        foreach (DockerStage stage in targets.Values)
        {
            Assert.Equal(new AgentOptions().Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), stage.Single("EXPOSE"));
            ParseCommandLine(stage.ExecForm("CMD"));
            AssertAgentAccepts(stage.Environment(), stage.Single("VOLUME")!);
        }
    }

    [Fact]
    public void TheCloudImageListensOnAllAddressesOnItsExposedPortWithItsStateOnTheVolume()
    {
        DockerStage stage = RuntimeStages("cloud.Dockerfile").Single();
        using TempFolder root = RepoPaths.NewTempFolder();
        string volume = stage.Single("VOLUME")!;
        var env = stage.Environment().ToDictionary(static e => e.Key, e => e.Value == volume ? DeployFiles.Under(root.Path, volume) : e.Value, StringComparer.Ordinal);
        CloudOptions options = CloudConfiguration.Load(DeployFiles.Configuration(null, env), root.Path);
        Assert.Equal("0.0.0.0", options.Http.Address);
        Assert.Equal(options.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), stage.Single("EXPOSE"));
        Assert.Equal(DeployFiles.Under(root.Path, volume), options.StateDirectory);
        Assert.Empty(stage.ExecForm("CMD")); // the server by default; `forecast --partition i/N` for the job
    }

    /// <summary>The agent's own command-line parser on the image's or unit's arguments.</summary>
    internal static string ParseCommandLine(string[] args)
    {
        System.CommandLine.ParseResult parsed = AgentCommandLine.Parse(args);
        Assert.True(parsed.Errors.Count == 0, string.Join("; ", parsed.Errors.Select(static e => e.Message)));
        return AgentCommandLine.Read(parsed).ConfigFile;
    }

    /// <summary>
    /// The agent's configuration check on the shipped example file with <paramref name="environment"/> over it. The
    /// device's folders are re-rooted into a temp folder: the state directory (the check creates it) and /etc/edgeinv,
    /// where the example's broker password and CA files would be (written there as placeholders).
    /// </summary>
    internal static AgentSettings AssertAgentAccepts(IReadOnlyDictionary<string, string> environment, string stateDirectory)
    {
        const string configurationDirectory = "/etc/edgeinv/";
        Assert.Equal(stateDirectory, environment["EDGEINV_Agent__StateDirectory"]);
        using TempFolder root = RepoPaths.NewTempFolder();
        var env = environment.ToDictionary(static e => e.Key, e => e.Value == stateDirectory ? DeployFiles.Under(root.Path, stateDirectory) : e.Value, StringComparer.Ordinal);
        string example = Path.Combine(DeployFiles.Root, "agent", "Agent", "agent.example.json");
        var deviceFiles = DeployFiles.Configuration(example, env).AsEnumerable()
            .Where(static kv => kv.Value?.StartsWith(configurationDirectory, StringComparison.Ordinal) == true)
            .ToDictionary(static kv => "EDGEINV_" + kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => DeployFiles.Under(root.Path, kv.Value!), StringComparer.Ordinal);
        foreach (string file in deviceFiles.Values)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "placeholder\n");
        }
        AgentSettings settings = AgentConfiguration.Load(DeployFiles.Configuration(example, env.Concat(deviceFiles)), Path.GetDirectoryName(example)!);
        Assert.Equal(DeployFiles.Under(root.Path, stateDirectory), settings.StateDirectory);
        return settings;
    }

    [GeneratedRegex(@"(?<![\w/.-])(?:" + RepoPathPrefixes + @")[\w./-]*\w")]
    private static partial Regex RepoPath();

    [GeneratedRegex(@"^(?:/[\w.-]+)*?/?tools/edgeinv\s+(.+)$")]
    private static partial Regex EdgeinvCall();
}
