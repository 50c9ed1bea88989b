using System.Globalization;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Contracts;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Demand;

namespace EdgeInventory.Cloud.Forecasts;

/// <summary>A CSV import that cannot be applied: the message names the line and the reason; nothing was stored.</summary>
public sealed class ForecastImportException : Exception
{
    public ForecastImportException()
    {
    }

    public ForecastImportException(string message)
        : base(message)
    {
    }

    public ForecastImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Parses the two CSV imports of the forecast, whole files before anything is stored (a bad line refuses the file):
/// the POS feed (<c>store_id,sku,timestamp,quantity</c>, the forecasting library's reader) and per-SKU replenishment
/// parameters.
/// </summary>
public static class ForecastImports
{
    /// <summary>Sales summed per store × SKU × instant (a re-import of the same file then replaces rather than doubles).</summary>
    public static Dictionary<(string Store, string Sku, long SoldAt), double> ParsePosSales(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<SaleRecord> sales;
        try
        {
            sales = PosSalesCsvReader.Read(new StringReader(text), "body");
        }
        catch (InvalidDataException e)
        {
            // The reader says "body:N: reason"; the API says "line N: reason" like the other import.
            throw new ForecastImportException(System.Text.RegularExpressions.Regex.Replace(e.Message, @"^body:(\d+):", "line $1:", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)), e);
        }
        if (sales.Count == 0)
        {
            throw new ForecastImportException("the file has a header and no sales");
        }
        // The reader skips empty lines: the k-th sale is on the k-th non-empty line after the header.
        var lineNumbers = new List<int>(sales.Count);
        string[] lines = text.Split('\n');
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd('\r').Length > 0)
            {
                lineNumbers.Add(i + 1);
            }
        }
        var result = new Dictionary<(string, string, long), double>();
        for (int i = 0; i < sales.Count; i++)
        {
            SaleRecord s = sales[i];
            int line = i < lineNumbers.Count ? lineNumbers[i] : i + 2;
            if (Identifiers.CheckStoreId(s.StoreId) is { } badStore)
            {
                throw new ForecastImportException($"line {line}: {badStore}");
            }
            if (s.Sku.Length > 128 || s.Sku == "*")
            {
                throw new ForecastImportException($"line {line}: sku '{s.Sku}' must be 1..128 characters and not '*'");
            }
            var key = (s.StoreId, s.Sku, s.Timestamp.ToUnixTimeMilliseconds());
            result[key] = result.GetValueOrDefault(key) + s.Quantity;
        }
        return result;
    }

    private static readonly string[] ParameterColumns = ["store_id", "sku", "lead_time_days", "lead_time_sd_days", "review_period_days", "service_level", "pack_size"];

    /// <summary>
    /// Header with at least <c>sku</c> and <c>lead_time_days</c>; optional <c>store_id</c> (empty or <c>*</c>: every
    /// store), <c>lead_time_sd_days</c> (0), <c>review_period_days</c>, <c>service_level</c> (a fill-rate target in
    /// (0.5, 1); both default to <c>Cloud:Forecasts</c>) and <c>pack_size</c> (1). <c>sku</c> <c>*</c>: every SKU of the store.
    /// </summary>
    public static Dictionary<SeriesKey, SkuParameters> ParseSkuParameters(string text, ForecastOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(defaults);
        string[] lines = text.Split('\n');
        var fields = new List<string>(8);
        LongCsvReader.SplitCsvLine(lines[0].TrimEnd('\r'), fields);
        var index = new int[ParameterColumns.Length];
        for (int c = 0; c < ParameterColumns.Length; c++)
        {
            index[c] = fields.FindIndex(f => string.Equals(f.Trim(), ParameterColumns[c], StringComparison.OrdinalIgnoreCase));
        }
        if (index[1] < 0 || index[2] < 0)
        {
            throw new ForecastImportException($"line 1: the header needs the columns sku and lead_time_days (optional: {string.Join(", ", ParameterColumns.Except(["sku", "lead_time_days"]))}); found '{lines[0].TrimEnd('\r')}'");
        }
        var result = new Dictionary<SeriesKey, SkuParameters>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            int n = i + 1;
            LongCsvReader.SplitCsvLine(line, fields);
            string Field(int column) => index[column] >= 0 && index[column] < fields.Count ? fields[index[column]].Trim() : "";
            double Number(int column, double fallback, double min, double max, bool minExclusive)
            {
                string v = Field(column);
                if (v.Length == 0)
                {
                    return fallback;
                }
                if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d)
                    || (minExclusive ? d <= min : d < min) || d > max)
                {
                    throw new ForecastImportException($"line {n}: {ParameterColumns[column]} '{v}' is not a number in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
                }
                return d;
            }
            string store = Field(0);
            if (store.Length == 0)
            {
                store = "*";
            }
            else if (store != "*" && Identifiers.CheckStoreId(store) is { } badStore)
            {
                throw new ForecastImportException($"line {n}: {badStore}");
            }
            string sku = Field(1);
            if (sku.Length is 0 or > 128)
            {
                throw new ForecastImportException($"line {n}: sku must be 1..128 characters");
            }
            if (Field(2).Length == 0)
            {
                throw new ForecastImportException($"line {n}: lead_time_days is empty");
            }
            double leadTime = Number(2, 0, 0, 365, minExclusive: true);
            double leadTimeSd = Number(3, 0, 0, 365, minExclusive: false);
            double review = Number(4, defaults.ReviewPeriodDays, 1, 365, minExclusive: false);
            if (review != Math.Floor(review))
            {
                throw new ForecastImportException($"line {n}: review_period_days '{Field(4)}' is not whole days");
            }
            double service = Number(5, defaults.ServiceLevel, 0.5, 0.9999, minExclusive: true);
            double pack = Number(6, 1, 1, 1_000_000, minExclusive: false);
            if (pack != Math.Floor(pack))
            {
                throw new ForecastImportException($"line {n}: pack_size '{Field(6)}' is not a whole number");
            }
            if (!result.TryAdd(new SeriesKey(store, sku), new SkuParameters(leadTime, leadTimeSd, (int)review, service, (int)pack)))
            {
                throw new ForecastImportException($"line {n}: store '{store}' sku '{sku}' appears twice in the file");
            }
        }
        if (result.Count == 0)
        {
            throw new ForecastImportException("the file has a header and no rows");
        }
        return result;
    }
}
