namespace EdgeInventory.Cli.Tests;

/// <summary>The edgeinv program's command line (System.CommandLine): help for every command, one-line usage errors.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], "edgeinv [command]", "bench-vision")]
    [InlineData(new[] { "--help" }, "edgeinv [command]", "detect")]
    [InlineData(new[] { "detect", "--help" }, "edgeinv detect", "--max-det")]
    [InlineData(new[] { "detect", "-h" }, "edgeinv detect", "--annotate")]
    [InlineData(new[] { "eval", "--help" }, "edgeinv eval", "--split")]
    [InlineData(new[] { "demo", "--help" }, "edgeinv demo", "--out")]
    [InlineData(new[] { "bench-vision", "--help" }, "edgeinv bench-vision", "--runs")]
    [InlineData(new[] { "detect", "x.jpg", "--conf", "2", "--help" }, "edgeinv detect", "--provider")]
    public void Help_prints_the_usage_and_exits_0(string[] args, string usage, string option)
    {
        CliRunner.Result r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Empty(r.Stderr);
        Assert.Contains(r.StdoutLines, l => l.Trim().StartsWith(usage, StringComparison.Ordinal));
        Assert.Contains(r.StdoutLines, l => l.Trim().StartsWith(option + " ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("edgeinv: unknown argument 'count'", "count")]
    [InlineData("edgeinv detect: give one or more images or folders of images", "detect")]
    [InlineData("edgeinv detect: --iou must be a number from 0.01 to 1, not 'x'", "detect", "a.jpg", "--iou", "x")]
    [InlineData("edgeinv detect: Required argument missing for option: '--model'.", "detect", "a.jpg", "--model")]
    [InlineData("edgeinv eval: Option '--data' is required.", "eval")]
    [InlineData("edgeinv demo: unknown argument 'extra'", "demo", "extra")]
    [InlineData("edgeinv demo: --threads must be a whole number from 0 to 256, not '-1'", "demo", "--threads", "-1")]
    [InlineData("edgeinv bench-vision: --runs must be a whole number from 2 to 1000, not '1'", "bench-vision", "--runs", "1")]
    public void Usage_error_is_one_line_naming_the_argument_and_exit_2(string expected, params string[] args)
    {
        CliRunner.Result r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(expected, Assert.Single(r.StderrLines));
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void A_path_beginning_with_at_is_an_image_not_a_response_file()
    {
        CliRunner.Result r = CliRunner.Run("detect", "@/nonexistent/a.jpg", "--model", "/nonexistent/model.onnx");
        Assert.Equal(2, r.ExitCode);
        // A response file would have been read (and not found) before the model is opened.
        Assert.Equal("edgeinv detect: /nonexistent/model.onnx: no such model file", Assert.Single(r.StderrLines));
    }
}
