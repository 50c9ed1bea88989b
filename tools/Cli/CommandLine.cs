using EdgeInventory.Onnx;
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

    public static async Task<int> RunAsync(string[] args)
    {
        bool verbose = args.Contains("--verbose");
        string command = args.Length > 0 ? args[0] : "help";
        if (args.Contains("--help") || args.Contains("-h"))
        {
            return Help();
        }

        var rest = new Arguments(args.Skip(1).Where(a => a != "--verbose").ToArray());
        try
        {
            return command switch
            {
                "detect" => DetectCommand.Run(rest, Console.Out),
                "demo" => DemoCommand.Run(rest, Console.Out),
                "eval" => EvalCommand.Run(rest, Console.Out),
                "bench-vision" => BenchVisionCommand.Run(rest, Console.Out),
                "help" or "--help" or "-h" => Help(),
                _ => throw new UsageException($"unknown command '{command}'"),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"edgeinv {command}: {e.Message}").ConfigureAwait(false);
            return Fatal;
        }
        catch (Exception e) when (IsReportable(e))
        {
            await Console.Error.WriteLineAsync($"edgeinv {command}: {Describe(e)}").ConfigureAwait(false);
            if (verbose)
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

    private static int Help()
    {
        Console.WriteLine("""
            usage: edgeinv <command> [options]
              detect <image|dir>... [--model M] [--conf C] [--iou I] [--max-det N] [--json] [--annotate DIR]
                                    [--provider cpu|cuda|tensorrt] [--cpu-fallback] [--threads N]
              demo [--out DIR]
              eval --model M --data DIR [--json] [--conf C]
              bench-vision [--images DIR] [--model M] [--runs N]
            """);
        return Ok;
    }
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
