using System.Globalization;
using EdgeInventory.Forecasting.Data;

namespace EdgeInventory.Forecasting.Demand;

/// <summary>
/// Reads a sales/POS export: header <c>store_id,sku,timestamp,quantity</c> (any column order, extra
/// columns ignored); timestamps in ISO 8601 with an offset or Z (a time without one is ambiguous across
/// time zones and is refused). A bad line stops the import with its line number and the reason.
/// </summary>
public static class PosSalesCsvReader
{
    private static readonly string[] Columns = ["store_id", "sku", "timestamp", "quantity"];

    public static List<SaleRecord> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"sales file '{path}' does not exist", path);
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static List<SaleRecord> Read(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"{source}: empty file, expected a header '{string.Join(',', Columns)}'");
        var fields = new List<string>(8);
        LongCsvReader.SplitCsvLine(header, fields);
        var index = new int[Columns.Length];
        for (int c = 0; c < Columns.Length; c++)
        {
            index[c] = fields.FindIndex(f => string.Equals(f, Columns[c], StringComparison.OrdinalIgnoreCase));
            if (index[c] < 0)
                throw new InvalidDataException($"{source}: header has no column '{Columns[c]}' (header: {header})");
        }
        var sales = new List<SaleRecord>();
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            LongCsvReader.SplitCsvLine(line, fields);
            if (index.Max() >= fields.Count)
                throw new InvalidDataException($"{source}:{lineNumber}: expected at least {index.Max() + 1} fields, found {fields.Count}");
            string store = fields[index[0]], sku = fields[index[1]], stamp = fields[index[2]], quantity = fields[index[3]];
            if (store.Length == 0 || sku.Length == 0)
                throw new InvalidDataException($"{source}:{lineNumber}: store_id and sku must not be empty");
            if (!DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp) || !HasOffset(stamp))
                throw new InvalidDataException($"{source}:{lineNumber}: timestamp '{stamp}' is not ISO 8601 with an offset or Z");
            if (!double.TryParse(quantity, NumberStyles.Float, CultureInfo.InvariantCulture, out double q) || !double.IsFinite(q))
                throw new InvalidDataException($"{source}:{lineNumber}: quantity '{quantity}' is not a number");
            sales.Add(new SaleRecord(store, sku, timestamp, q));
        }
        return sales;
    }

    private static bool HasOffset(string stamp)
    {
        int t = stamp.IndexOf('T', StringComparison.Ordinal);
        if (t < 0) t = stamp.IndexOf(' ', StringComparison.Ordinal);
        if (t < 0) return false;
        string time = stamp[t..];
        return time.EndsWith('Z') || time.EndsWith('z') || time.Contains('+', StringComparison.Ordinal) || time.Contains('-', StringComparison.Ordinal);
    }
}
