using EdgeInventory.Forecast.Cli;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>The forecast tool's command line (System.CommandLine): help for every command, one-line usage errors.</summary>
public sealed class ForecastCommandLineTests
{
    [Theory]
    [InlineData("--help", "[command] [options]", "bench-daily")]
    [InlineData("eval --help", " eval [options]", "--holdout-origins")]
    [InlineData("simulate --help", " simulate [options]", "--fill-rate")]
    [InlineData("run --help", " run [options]", "--partition")]
    [InlineData("init-db -h", " init-db [options]", "--postgres")]
    [InlineData("bench-daily --help", " bench-daily [options]", "--days")]
    [InlineData("bench --help", " bench [options]", "--series")]
    [InlineData("compare --help", " compare [options]", "--csharp")]
    public void Help_prints_the_usage_and_exits_0(string args, string usage, string option)
    {
        (int code, string stdout, string stderr) = Run(args.Split(' '));
        Assert.True(code == 0, stderr);
        Assert.Empty(stderr);
        string[] lines = stdout.Split('\n');
        // The program's name in the usage line is the executable's (edgeinv-forecast; testhost here).
        Assert.Contains(lines, l => l.Trim().EndsWith(usage, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith(option + " ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "forecast: Required command was not provided.")]
    [InlineData("forecast", "forecast: unknown argument 'forecast'")]
    [InlineData("eval", "forecast eval: Option '--data' is required.")]
    [InlineData("eval --dta x.csv", "forecast eval: unknown argument '--dta'")]
    [InlineData("eval --data x.csv --threads 0", "forecast eval: --threads must be a whole number from 1 to 1024, not '0'")]
    [InlineData("eval --data x.csv --bogus", "forecast eval: unknown argument '--bogus'")]
    [InlineData("run --db x.sqlite --as-of 2024-13-01", "forecast run: --as-of '2024-13-01' is not yyyy-MM-dd")]
    [InlineData("run --db x.sqlite --horizon -3", "forecast run: --horizon must be a whole number from 1 to 100000, not '-3'")]
    [InlineData("run --db x.sqlite --postgres Host=h", "forecast run: give either --db or --postgres, not both")]
    [InlineData("init-db", "forecast init-db: init-db needs --db FILE or --postgres CONNSTRING")]
    [InlineData("simulate --data x.csv --fill-rate high", "forecast simulate: --fill-rate must be a number from 0.01 to 0.9999, not 'high'")]
    [InlineData("bench-daily --days 7", "forecast bench-daily: --days must be a whole number from 14 to 100000, not '7'")]
    public void Usage_error_is_one_line_naming_the_argument_and_exit_2(string args, string expected)
    {
        (int code, string stdout, string stderr) = Run(args.Length == 0 ? [] : args.Split(' '));
        Assert.Equal(2, code);
        Assert.Equal(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(stdout);
    }

    private static (int Code, string Stdout, string Stderr) Run(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = ForecastCommands.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
