using System.Text;
using EdgeInventory.Contracts;
using EdgeInventory.Reconciliation;
using EdgeInventory.Testing;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Reconciliation.Tests;

public class ExpectedStockTests
{
    [Fact]
    public void A_CSV_planogram_is_read_with_columns_in_any_order_comments_and_quotes()
    {
        const string csv = "# planogram export\nsku,location_id,expected_units,capacity\n\"7310865004703\",s042/A3/B2/S4,12,16\n7310865001177,\"s042/A3/B2/S5\",15,\n";
        IReadOnlyList<ExpectedStockEntry> entries = ExpectedStockBook.ParseCsv(csv, "p.csv");
        Assert.Equal(2, entries.Count);
        Assert.Equal(new ExpectedStockEntry("s042/A3/B2/S4", "7310865004703", 12, null, 16), entries[0]);
        Assert.Null(entries[1].Capacity);
    }

    [Theory]
    [InlineData("location_id,sku\na,b\n", "p.csv:1: the header has no 'expected_units' column")]
    [InlineData("location_id,sku,expected_units,colour\n", "p.csv:1: unknown column 'colour'")]
    [InlineData("location_id,sku,expected_units\na,b,-3\n", "p.csv:2: expected_units '-3' is not a whole number")]
    [InlineData("location_id,sku,expected_units\na,b,3\na,b,4\n", "p.csv:3: location 'a' and SKU 'b' are listed twice")]
    [InlineData("location_id,sku,expected_units\na,b\n", "p.csv:2: 2 fields where the header has 3")]
    public void A_bad_CSV_names_the_line_and_the_reason(string csv, string expected)
    {
        var e = Assert.Throws<ExpectedStockFormatException>(() => ExpectedStockBook.ParseCsv(csv, "p.csv"));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_JSON_planogram_is_read_strictly()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"items":[{"locationId":"s042/A3/B2/S4","sku":"7310865004703","expectedUnits":12,"minFacings":3}]}""");
        ExpectedStockEntry e = Assert.Single(ExpectedStockBook.ParseJson(json, "p.json"));
        Assert.Equal(3, e.MinFacings);

        byte[] unknown = Encoding.UTF8.GetBytes("""{"items":[{"locationId":"a","sku":"b","expectedUnits":1,"colour":"red"}]}""");
        Assert.Contains("colour", Assert.Throws<ExpectedStockFormatException>(() => ExpectedStockBook.ParseJson(unknown, "p.json")).Message);
        byte[] negative = Encoding.UTF8.GetBytes("""{"items":[{"locationId":"a","sku":"b","expectedUnits":-1}]}""");
        Assert.Contains("items[0]: negative", Assert.Throws<ExpectedStockFormatException>(() => ExpectedStockBook.ParseJson(negative, "p.json")).Message);
    }

    [Fact]
    public void Files_are_chosen_by_extension_and_a_missing_one_is_named()
    {
        using TempFolder dir = RepoPaths.NewTempFolder();
        File.WriteAllText(dir.File("p.csv"), "location_id,sku,expected_units\na,b,1\n");
        Assert.Single(ExpectedStockBook.LoadFile(dir.File("p.csv")));
        Assert.Contains("no such file", Assert.Throws<ExpectedStockFormatException>(() => ExpectedStockBook.LoadFile(dir.File("none.csv"))).Message);
        File.WriteAllText(dir.File("p.xml"), "<x/>");
        Assert.Contains("unsupported extension", Assert.Throws<ExpectedStockFormatException>(() => ExpectedStockBook.LoadFile(dir.File("p.xml"))).Message);
    }

    [Fact]
    public void ReadFile_hashes_the_bytes_it_parsed_and_skips_a_byte_order_mark_as_ReadAllText_does()
    {
        using TempFolder dir = RepoPaths.NewTempFolder();
        // Spreadsheet exports start with a UTF-8 byte order mark; it must not become part of the first column's name.
        byte[] bytes = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("location_id,sku,expected_units\na,b,1\n")];
        File.WriteAllBytes(dir.File("p.csv"), bytes);
        ExpectedStockFileContent content = ExpectedStockBook.ReadFile(dir.File("p.csv"));
        Assert.Equal(new ExpectedStockEntry("a", "b", 1, null, null), Assert.Single(content.Entries));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), content.Sha256);
    }

    [Fact]
    public void Cloud_updates_merge_or_replace()
    {
        var book = new ExpectedStockBook();
        book.ReplaceAll([new("a", "1", 5, null, null), new("b", "2", 6, null, null)]);
        book.Apply(TestMessages.ExpectedStock(ExpectedStockMode.Merge, new ExpectedStockItem { LocationId = "a", Sku = "1", ExpectedUnits = 9 }));
        Assert.Equal(9, book.Find("a", "1")!.ExpectedUnits);
        Assert.Equal(6, book.Find("b", "2")!.ExpectedUnits);
        book.Apply(TestMessages.ExpectedStock(ExpectedStockMode.Replace, new ExpectedStockItem { LocationId = "c", Sku = "3", ExpectedUnits = 1 }));
        Assert.Null(book.Find("a", "1"));
        Assert.Equal(1, book.Count);
    }
}
