using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace EdgeInventory.Tools;

/// <summary>
/// The conventions every tools/ program keeps on top of System.CommandLine: <c>--help</c> prints the usage the
/// parser itself knows and exits 0; a usage error is one line on stderr naming the argument and exits 2 (not the
/// package's default of the errors plus the whole help); <c>@</c> starts no response file, since a path may begin
/// with one. Linked into each program (tools/Shared), so the rules are written once.
/// </summary>
internal static class ToolCommandLine
{
    public const int UsageError = 2;

    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>
    /// Parses <paramref name="args"/>; on a usage error writes <c>{name} {command}: {error}</c> to
    /// <paramref name="stderr"/> and returns null, otherwise the result to <see cref="Invoke"/>.
    /// </summary>
    public static ParseResult? Parse(RootCommand root, string name, string[] args, TextWriter stderr)
    {
        ParseResult parsed = root.Parse(args, Parser);
        if (parsed.Action is not ParseErrorAction)
        {
            return parsed;
        }

        stderr.WriteLine($"{Prefix(parsed, name)}: {FirstError(parsed)}");
        return null;
    }

    /// <summary>
    /// The error to show: a word the parser did not recognise first (it is usually the cause of the rest, such as
    /// a required option reported missing because its name was mistyped), otherwise the first error, on one line.
    /// </summary>
    public static string FirstError(ParseResult parsed) =>
        parsed.UnmatchedTokens.Count > 0
            ? $"unknown argument '{parsed.UnmatchedTokens[0]}'"
            : string.Join(' ', parsed.Errors[0].Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Runs the parsed command (or the help) with its output on the given writers; exceptions reach the caller.</summary>
    public static int Invoke(ParseResult parsed, TextWriter stdout, TextWriter stderr) =>
        parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });

    /// <summary><c>{name}</c> for the root command, <c>{name} {subcommand}</c> for a subcommand: how error lines begin.</summary>
    public static string Prefix(ParseResult parsed, string name) =>
        parsed.CommandResult.Command is RootCommand ? name : $"{name} {parsed.CommandResult.Command.Name}";

    /// <summary>A number option in [min, max] with a default shown in the help; other values are a usage error naming it.</summary>
    public static Option<T> Number<T>(string name, T min, T max, T defaultValue, string description)
        where T : struct, INumber<T> => new(name)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => TryParseInRange(r, name, min, max, out T value) ? value : defaultValue,
        };

    /// <summary>A number option in [min, max] that is null when not given.</summary>
    public static Option<T?> OptionalNumber<T>(string name, T min, T max, string description)
        where T : struct, INumber<T> => new(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = r => TryParseInRange(r, name, min, max, out T value) ? value : null,
        };

    /// <summary>Positional arguments that look like options are unknown options, not file names.</summary>
    public static Argument<string[]> Files(string name, string description)
    {
        var files = new Argument<string[]>(name) { Description = description, Arity = ArgumentArity.ZeroOrMore };
        files.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => t.Value.StartsWith("--", StringComparison.Ordinal)) is { } unknown)
            {
                r.AddError($"unknown option '{unknown.Value}'");
            }
        });
        return files;
    }

    private static bool TryParseInRange<T>(ArgumentResult result, string name, T min, T max, out T value)
        where T : struct, INumber<T>
    {
        // The option's arity is one value; the parser reports a missing one itself.
        string text = result.Tokens[0].Value;
        bool whole = default(T) is int or long;
        if (T.TryParse(text, whole ? NumberStyles.Integer : NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max && !T.IsNaN(value))
        {
            return true;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture,
            $"{name} must be {(whole ? "a whole number" : "a number")} from {min} to {max}, not '{text}'"));
        return false;
    }
}
