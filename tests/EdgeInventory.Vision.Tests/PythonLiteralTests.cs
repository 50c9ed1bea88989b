using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Vision.Tests;

public sealed class PythonLiteralTests
{
    [Fact]
    public void Dict_with_commas_quotes_colons_and_braces()
    {
        var names = PythonLiteral.ParseClassNames("{0: 'cola, 330ml', 1: \"it's: {one}\", 2: 'plain'}");
        Assert.Equal(3, names.Count);
        Assert.Equal("cola, 330ml", names[0]);
        Assert.Equal("it's: {one}", names[1]);
        Assert.Equal("plain", names[2]);
    }

    [Fact]
    public void Escapes_trailing_comma_and_sparse_ids()
    {
        var names = PythonLiteral.ParseClassNames("{ 3: 'a\\'b', 10: 'caf\\xe9\\n', }");
        Assert.Equal("a'b", names[3]);
        Assert.Equal("café\n", names[10]);
        Assert.Equal(2, names.Count);
    }

    [Fact]
    public void List_form_numbers_from_zero()
    {
        var names = PythonLiteral.ParseClassNames("['product', \"empty, shelf\"]");
        Assert.Equal("product", names[0]);
        Assert.Equal("empty, shelf", names[1]);
    }

    [Theory]
    [InlineData("{0: 'a'")]
    [InlineData("{0: a}")]
    [InlineData("{'x': 'a'}")]
    [InlineData("{0: 'a', 0: 'b'}")]
    [InlineData("product")]
    [InlineData("{0: 'a'} extra")]
    public void Malformed_literals_are_format_errors(string literal)
    {
        var e = Assert.Throws<FormatException>(() => PythonLiteral.ParseClassNames(literal));
        Assert.Contains("position", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[640, 640]", 640, 640)]
    [InlineData("[480, 640]", 480, 640)]
    [InlineData("(320, 256)", 320, 256)]
    [InlineData("640", 640, 640)]
    public void Image_sizes(string literal, int h, int w) => Assert.Equal((h, w), PythonLiteral.ParseImageSize(literal));

    [Fact]
    public void Bad_image_size_is_refused() => Assert.Throws<FormatException>(() => PythonLiteral.ParseImageSize("[0, 640]"));
}
