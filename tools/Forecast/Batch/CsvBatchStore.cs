using System.Globalization;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Demand;

namespace EdgeInventory.Forecast.Cli.Batch;

/// <summary>
/// The batch tables as CSV files with the same columns: demand_history.csv, stock_levels.csv and
/// (optional) replenishment_settings.csv in the input folder; demand_forecasts.csv and
/// reorder_recommendations.csv written to the output folder (suffixed .part-i-of-N for a partition, so
/// workers never write the same file).
/// </summary>
internal sealed class CsvBatchStore(string inputFolder, string outputFolder, SeriesPartition partition) : IBatchStore
{
    public IEnumerable<DemandRow> ReadDemand()
    {
        foreach (var (line, get) in Rows("demand_history.csv", required: true, "store_id", "sku", "day", "quantity", "censored"))
        {
            string dayText = get("day");
            if (!DateOnly.TryParseExact(dayText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                throw new InvalidDataException($"demand_history.csv:{line}: day '{dayText}' is not yyyy-MM-dd");
            string q = get("quantity");
            double? quantity = q.Length == 0 || q == "NA" ? null : ParseDouble(q, "demand_history.csv", line, "quantity");
            string c = get("censored");
            bool censored = c is "1" or "true" or "TRUE" or "t";
            yield return new DemandRow(new SeriesKey(get("store_id"), get("sku")), day, quantity, censored);
        }
    }

    public Dictionary<SeriesKey, (double OnHand, double OnOrder)> ReadStock()
    {
        var result = new Dictionary<SeriesKey, (double, double)>();
        foreach (var (line, get) in Rows("stock_levels.csv", required: true, "store_id", "sku", "on_hand", "on_order"))
            result[new SeriesKey(get("store_id"), get("sku"))] = (ParseDouble(get("on_hand"), "stock_levels.csv", line, "on_hand"),
                get("on_order").Length == 0 ? 0 : ParseDouble(get("on_order"), "stock_levels.csv", line, "on_order"));
        return result;
    }

    public Dictionary<SeriesKey, ReplenishmentSettings> ReadSettings()
    {
        var result = new Dictionary<SeriesKey, ReplenishmentSettings>();
        const string file = "replenishment_settings.csv";
        foreach (var (line, get) in Rows(file, required: false, "store_id", "sku", "lead_time_days", "lead_time_sd_days",
                     "review_period_days", "fill_rate_target", "cycle_service_level"))
        {
            var key = new SeriesKey(get("store_id"), get("sku"));
            var settings = new ReplenishmentSettings(ParseDouble(get("lead_time_days"), file, line, "lead_time_days"),
                ParseDouble(get("lead_time_sd_days"), file, line, "lead_time_sd_days"),
                (int)ParseDouble(get("review_period_days"), file, line, "review_period_days"),
                get("fill_rate_target").Length == 0 ? null : ParseDouble(get("fill_rate_target"), file, line, "fill_rate_target"),
                ParseDouble(get("cycle_service_level"), file, line, "cycle_service_level"));
            settings.Validate($"{file}:{line} {key}");
            result[key] = settings;
        }
        return result;
    }

    public void Write(string runId, IReadOnlyList<BatchOutcome> outcomes)
    {
        Directory.CreateDirectory(outputFolder);
        string suffix = partition.Count > 1 ? $".part-{partition.Index}-of-{partition.Count}" : "";
        using (var forecasts = new StreamWriter(Path.Combine(outputFolder, $"demand_forecasts{suffix}.csv")))
        {
            forecasts.WriteLine("run_id,store_id,sku,day,quantity,method");
            foreach (var o in outcomes)
                for (int h = 0; h < o.Forecast.Length; h++)
                    forecasts.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Quote(runId)},{Quote(o.Key.StoreId)},{Quote(o.Key.Sku)},{o.FirstForecastDay.AddDays(h):yyyy-MM-dd},{o.Forecast[h]:R},{o.Method}"));
        }
        using var recommendations = new StreamWriter(Path.Combine(outputFolder, $"reorder_recommendations{suffix}.csv"));
        recommendations.WriteLine("run_id,store_id,sku,method,fallback,forecast_per_day,on_hand,on_order,reorder_point,order_up_to,safety_stock,order_quantity,stockout_date");
        foreach (var o in outcomes)
        {
            var r = o.Recommendation;
            recommendations.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Quote(runId)},{Quote(o.Key.StoreId)},{Quote(o.Key.Sku)},{o.Method},{Quote(o.Fallback ?? "")},{(o.Forecast.Length > 0 ? o.Forecast.Average() : 0):R},{o.OnHand:R},{o.OnOrder:R},{r.ReorderPoint:R},{r.OrderUpTo:R},{r.SafetyStock:R},{r.OrderQuantity:R},{o.StockoutDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""}"));
        }
    }

    private IEnumerable<(int Line, Func<string, string> Get)> Rows(string file, bool required, params string[] columns)
    {
        string path = Path.Combine(inputFolder, file);
        if (!File.Exists(path))
        {
            if (required) throw new FileNotFoundException($"batch input '{path}' does not exist", path);
            yield break;
        }
        using var reader = new StreamReader(path);
        string header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file, expected a header");
        var fields = new List<string>();
        LongCsvReader.SplitCsvLine(header, fields);
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < fields.Count; i++) index[fields[i]] = i;
        foreach (string column in columns)
            if (!index.ContainsKey(column) && column is not ("censored" or "on_order" or "fill_rate_target"))
                throw new InvalidDataException($"{path}: header has no column '{column}' (header: {header})");
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            LongCsvReader.SplitCsvLine(line, fields);
            var snapshot = fields.ToArray();
            int at = lineNumber;
            yield return (lineNumber, column => index.TryGetValue(column, out int i) && i < snapshot.Length ? snapshot[i]
                : index.ContainsKey(column) ? throw new InvalidDataException($"{path}:{at}: missing field '{column}'") : "");
        }
    }

    private static double ParseDouble(string text, string file, int line, string column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw new InvalidDataException($"{file}:{line}: {column} '{text}' is not a number");

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public void Dispose()
    {
    }
}
