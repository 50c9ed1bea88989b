using System.CommandLine;
using System.CommandLine.Invocation;
using EdgeInventory.Agent.Configuration;

namespace EdgeInventory.Agent;

/// <summary>
/// The agent's own arguments (System.CommandLine): <c>--config FILE</c> and <c>--reset-reference CAMERA_ID</c>;
/// everything else the agent takes comes from the configuration file and the environment. <c>--help</c> prints
/// the usage the parser itself knows; a usage error is one line naming the argument (exit 2, like a bad key).
/// </summary>
internal static class AgentCommandLine
{
    private static readonly Option<string> ConfigFile = new("--config")
    {
        Description = "the agent's JSON configuration (agent/Agent/agent.example.json); EDGEINV_ environment variables override it",
        HelpName = "FILE",
        Required = true,
    };

    private static readonly Option<string?> ResetReference = new("--reset-reference")
    {
        Description = "forget this camera's reference view (after it was moved on purpose): its next frame becomes the new one",
        HelpName = "CAMERA_ID",
    };

    /// <summary>Parses the arguments; a path may begin with <c>@</c>, so no response files.</summary>
    public static ParseResult Parse(string[] args)
    {
        var root = new RootCommand("The EdgeInventory edge agent: cameras -> shared detector -> zone counts -> discrepancies (agent/Agent/README.md).")
        {
            ConfigFile,
            ResetReference,
        };
        return root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
    }

    /// <summary>True when the arguments ask for the help (or the version) rather than for a run.</summary>
    public static bool AsksForInformation(ParseResult parsed) => parsed.Action is not null and not ParseErrorAction;

    /// <summary>The configuration file and the camera to reset; a usage error throws, naming the argument.</summary>
    public static (string ConfigFile, string? ResetCamera) Read(ParseResult parsed) =>
        parsed.Errors.Count > 0
            ? throw new AgentConfigurationException(parsed.UnmatchedTokens.Count > 0 ? $"unknown argument '{parsed.UnmatchedTokens[0]}'" : parsed.Errors[0].Message)
            : (parsed.GetValue(ConfigFile)!, parsed.GetValue(ResetReference));
}
