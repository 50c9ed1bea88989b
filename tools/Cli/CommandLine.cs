using System.CommandLine;
using System.CommandLine.Help;
using EdgeInventory.Onnx;
using EdgeInventory.Tools;
using EdgeInventory.Vision.Imaging;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Cli;

/// <summary>
/// The C# side of tools/edgeinv. Exit codes: 0 all done, 1 some inputs failed (the rest were
/// processed), 2 usage, model or library error. Errors are one line on stderr; --verbose adds the
/// stack trace.
/// </summary>
internal static class CommandLine
{
    public const int Ok = 0;
    public const int SomeFailed = 1;
    public const int Fatal = 2;

    /// <summary>--verbose, on every command: a reported error also prints its stack trace.</summary>
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "print the stack trace with an error", Recursive = true };

    public static async Task<int> RunAsync(string[] args)
    {
        RootCommand root = new("EdgeInventory's detector on still images: detect, eval, demo and bench-vision (run through tools/edgeinv).")
        {
            DetectCommand.Create(),
            DemoCommand.Create(),
            EvalCommand.Create(),
            BenchVisionCommand.Create(),
            Verbose,
        };
        root.SetAction(r => new HelpAction().Invoke(r)); // no command: the usage, as --help
        ParseResult? parsed = ToolCommandLine.Parse(root, "edgeinv", args, Console.Error);
        if (parsed is null)
        {
            return Fatal;
        }

        string command = ToolCommandLine.Prefix(parsed, "edgeinv");
        try
        {
            return ToolCommandLine.Invoke(parsed, Console.Out, Console.Error);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"{command}: {e.Message}").ConfigureAwait(false);
            return Fatal;
        }
        catch (Exception e) when (IsReportable(e))
        {
            await Console.Error.WriteLineAsync($"{command}: {Describe(e)}").ConfigureAwait(false);
            if (parsed.GetValue(Verbose))
            {
                await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return Fatal;
        }
    }

    /// <summary>One line for the errors a user can act on; anything else is a bug and keeps its trace.</summary>
    internal static string Describe(Exception e) => e switch
    {
        DllNotFoundException when e.Message.Contains("turbojpeg", StringComparison.OrdinalIgnoreCase) =>
            "libturbojpeg.so.0 not found: install the Debian package libturbojpeg0 (tools/edgeinv does this)",
        FileNotFoundException f => f.Message,
        _ => e.Message,
    };

    private static bool IsReportable(Exception e) => e is OrtException or OrtLibraryException or ExecutionProviderUnavailableException
        or ModelFormatException or ImageDecodeException or FileNotFoundException or DirectoryNotFoundException
        or DllNotFoundException or ArgumentException or IOException or UnauthorizedAccessException;
}

/// <summary>A usage mistake: wrong or missing option.</summary>
internal sealed class UsageException(string message) : Exception(message)
{
    public UsageException()
        : this("usage error")
    {
    }

    public UsageException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}
