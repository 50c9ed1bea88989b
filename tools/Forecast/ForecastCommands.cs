using System.Globalization;
using System.Text.Json;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecast.Cli;

/// <summary>The command-line front of the forecasting library: <c>eval</c> and <c>run</c>.</summary>
internal static class ForecastCommands
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "eval" => Eval(args[1..], stdout, stderr),
                "simulate" => Simulate(args[1..], stdout),
                "run" => RunBatch(args[1..], stdout, stderr),
                "init-db" => InitDb(args[1..], stdout),
                "bench-daily" => DailyBench.Run(args[1..], stdout),
                "bench" => ForecastBench.Bench(args[1..], stdout),
                "compare" => ForecastBench.Compare(args[1..], stdout),
                _ => throw new UsageException($"unknown forecast command '{args[0]}'"),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"forecast: {ex.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or ArgumentException or System.Data.Common.DbException)
        {
            stderr.WriteLine($"forecast: {ex.Message}");
            return 1;
        }
    }

    private const string Usage = """
        usage: forecast eval --data FILE [--methods a,b,...] [--json] [--threads N] [--show-fallbacks]
                 [--holdout]  score on each series' training part with its last horizon held out (for tuning)
                 [--ets-screening N] [--ets-refine K]  ETS search budgets (tuning; defaults 60 and 2)
                 methods: naive, snaive, mean, ets, theta, ets-theta, ses, damped, croston, sba, tsb, adida, imapa, auto
               forecast simulate --data FILE [--methods a,b,...] [--fill-rate 0.95] [--lead-time 1]
                 order-up-to replay of each series' test part, S set from each method's forecast
               forecast run (--db FILE.sqlite | --postgres CONNSTRING | --csv DIR [--out DIR]) [--partition i/N]
                 [--method daily] [--horizon 28] [--as-of yyyy-MM-dd] [--history-days 365]
                 [--censored impute|interpolate|exclude|keep] [--run-id ID] [--threads N] [--show-fallbacks]
                 forecasts, stock-out dates and reorder recommendations per store x SKU, written back
               forecast init-db (--db FILE.sqlite | --postgres CONNSTRING)   create the batch tables
               forecast bench-daily [--series 1000000] [--days 365] [--threads 2] [--method daily]
                 generated daily series (intermittent and smooth mixed), forecast and timed
        """;

    private static int InitDb(string[] args, TextWriter stdout)
    {
        var options = ParseOptions(args, flags: [], values: ["--db", "--postgres"]);
        using var store = OpenSql(options, create: true) ?? throw new UsageException("init-db needs --db FILE or --postgres CONNSTRING");
        store.CreateSchema();
        stdout.WriteLine("batch tables ready: demand_history, stock_levels, replenishment_settings, demand_forecasts, reorder_recommendations");
        return 0;
    }

    private static Batch.SqlBatchStore? OpenSql(Dictionary<string, string?> options, bool create)
    {
        if (options.ContainsKey("--db") && options.ContainsKey("--postgres"))
            throw new UsageException("give either --db or --postgres, not both");
        if (options.GetValueOrDefault("--db") is { } path) return Batch.SqlBatchStore.OpenSqlite(path, create);
        if (options.GetValueOrDefault("--postgres") is { } cs) return Batch.SqlBatchStore.OpenPostgres(cs);
        return null;
    }

    private static int RunBatch(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = ParseOptions(args, flags: ["--show-fallbacks"], values: ["--db", "--postgres", "--csv", "--out", "--partition", "--method",
            "--horizon", "--as-of", "--history-days", "--censored", "--run-id", "--threads"]);
        Forecasting.Batch.SeriesPartition partition;
        try
        {
            partition = Forecasting.Batch.SeriesPartition.Parse(options.GetValueOrDefault("--partition") ?? "0/1");
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
        int horizon = PositiveInt(options, "--horizon", 28);
        int historyDays = PositiveInt(options, "--history-days", 365);
        int threads = options.ContainsKey("--threads") ? PositiveInt(options, "--threads", 1) : -1;
        string method = options.GetValueOrDefault("--method") ?? "daily";
        MethodCatalog.Create(method); // validates the name before any data is read
        DateOnly? asOf = null;
        if (options.GetValueOrDefault("--as-of") is { } asOfText)
            asOf = DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d : throw new UsageException($"--as-of '{asOfText}' is not yyyy-MM-dd");
        string censoredText = options.GetValueOrDefault("--censored") ?? "impute";
        if (!Enum.TryParse<Forecasting.Demand.CensoredDemandTreatment>(censoredText, ignoreCase: true, out var censored) || int.TryParse(censoredText, out _))
            throw new UsageException($"--censored '{censoredText}' is not one of impute, interpolate, exclude, keep");
        var runOptions = new Batch.BatchRunOptions(partition, method, horizon, asOf, historyDays, censored, options.GetValueOrDefault("--run-id"), threads);

        Batch.IBatchStore store;
        if (options.GetValueOrDefault("--csv") is { } folder)
        {
            if (options.ContainsKey("--db") || options.ContainsKey("--postgres")) throw new UsageException("give one of --db, --postgres or --csv");
            store = new Batch.CsvBatchStore(folder, options.GetValueOrDefault("--out") ?? folder, partition);
        }
        else
        {
            store = OpenSql(options, create: false) ?? throw new UsageException("run needs --db FILE, --postgres CONNSTRING or --csv DIR");
        }
        Batch.BatchRunSummary summary;
        using (store)
            summary = Batch.BatchRunner.Run(store, runOptions);
        var fallbacks = summary.Outcomes.Where(o => o.Fallback is not null).ToList();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {summary.RunId}: partition {partition}, {summary.SeriesPlanned} of {summary.SeriesInStore} series planned, as of {summary.AsOf:yyyy-MM-dd}, horizon {horizon} days, method {method}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {summary.Outcomes.Count(o => o.Recommendation.OrderQuantity > 0)} to reorder, {summary.Outcomes.Count(o => o.StockoutDate is not null)} predicted to run out within the horizon, {fallbacks.Count} fell back"));
        if (fallbacks.Count > 0)
        {
            foreach (var group in fallbacks.GroupBy(f => f.Fallback).OrderByDescending(g => g.Count()).Take(options.ContainsKey("--show-fallbacks") ? int.MaxValue : 5))
                stderr.WriteLine($"  fallback x{group.Count()}: {group.Key}" + (options.ContainsKey("--show-fallbacks") ? $" ({string.Join(", ", group.Select(g => g.Key))})" : ""));
        }
        return 0;
    }

    private static int PositiveInt(Dictionary<string, string?> options, string name, int fallback)
    {
        if (options.GetValueOrDefault(name) is not { } text) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value : throw new UsageException($"{name} must be a positive integer, got '{text}'");
    }

    private static int Simulate(string[] args, TextWriter stdout)
    {
        var options = ParseOptions(args, flags: [], values: ["--data", "--methods", "--fill-rate", "--lead-time"]);
        string data = options.GetValueOrDefault("--data") ?? throw new UsageException("simulate needs --data FILE");
        double fillRate = double.Parse(options.GetValueOrDefault("--fill-rate") ?? "0.95", CultureInfo.InvariantCulture);
        int leadTime = int.Parse(options.GetValueOrDefault("--lead-time") ?? "1", CultureInfo.InvariantCulture);
        var methods = (options.GetValueOrDefault("--methods") ?? "croston,sba,tsb,auto")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(MethodCatalog.Create).ToList();
        var series = LongCsvReader.Read(data);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"order-up-to (R=1), lead time {leadTime}, target fill rate {fillRate:P0}"));
        stdout.WriteLine($"{"method",-12} {"series",7} {"fill rate",10} {"avg stock",10}");
        foreach (var method in methods)
        {
            var r = Forecasting.Simulation.PolicyBacktest.Run(series, method, fillRate, leadTime);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Method,-12} {r.Series,7} {r.FillRate,10:P2} {r.AverageStock,10:F3}"));
        }
        return 0;
    }

    private static int Eval(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = ParseOptions(args, flags: ["--json", "--show-fallbacks", "--holdout"], values: ["--data", "--methods", "--threads", "--ets-screening", "--ets-refine", "--ets-margin"]);
        if (options.GetValueOrDefault("--ets-margin") is { } margin) Ets.ScreeningMargin = double.Parse(margin, CultureInfo.InvariantCulture);
        if (options.GetValueOrDefault("--ets-screening") is { } screening) Ets.ScreeningEvaluations = int.Parse(screening, CultureInfo.InvariantCulture);
        if (options.GetValueOrDefault("--ets-refine") is { } refine) Ets.RefinedCandidates = int.Parse(refine, CultureInfo.InvariantCulture);
        string data = options.GetValueOrDefault("--data") ?? throw new UsageException("eval needs --data FILE");
        var methods = (options.GetValueOrDefault("--methods") ?? "snaive,ets,theta,ets-theta")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(MethodCatalog.Create).ToList();
        int threads = -1;
        if (options.TryGetValue("--threads", out string? t) && (!int.TryParse(t, out threads) || threads < 1))
            throw new UsageException($"--threads must be a positive integer, got '{t}'");
        bool json = options.ContainsKey("--json");

        var series = LongCsvReader.Read(data);
        if (options.ContainsKey("--holdout"))
        {
            // Tuning mode: each series' training part becomes the data, its last horizon the test; the
            // official test rows are never looked at.
            series = series.Where(s => s.Train.Length > s.Test.Length + 3)
                .Select(s => s with { Train = s.Train[..^s.Test.Length], Test = s.Train[^s.Test.Length..] }).ToList();
        }
        var rows = new List<EvaluationRow>();
        foreach (var method in methods)
        {
            var report = ForecastEvaluator.Evaluate(series, method, threads);
            rows.AddRange(report.Rows);
            if (report.Fallbacks.Count > 0)
            {
                stderr.WriteLine($"forecast: {method.Name}: {report.Fallbacks.Count} series fell back");
                if (options.ContainsKey("--show-fallbacks"))
                    foreach (var (id, reason) in report.Fallbacks)
                        stderr.WriteLine($"  {id}: {reason}");
            }
        }
        if (json)
            WriteJson(rows, stdout);
        else
            WriteTable(rows, stdout);
        return 0;
    }

    internal static void WriteJson(IEnumerable<EvaluationRow> rows, TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("results");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("method", row.Method);
                writer.WriteString("period", row.Period);
                writer.WriteNumber("series", row.Series);
                WriteNumberOrNull(writer, "smape", Math.Round(row.Smape, 4));
                WriteNumberOrNull(writer, "mase", Math.Round(row.Mase, 4));
                WriteNumberOrNull(writer, "series_per_second", Math.Round(row.SeriesPerSecond, 1));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }

    private static void WriteTable(IEnumerable<EvaluationRow> rows, TextWriter output)
    {
        output.WriteLine($"{"method",-12} {"period",-13} {"series",7} {"sMAPE",8} {"MASE",8} {"series/s",10}");
        foreach (var r in rows)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Method,-12} {r.Period,-13} {r.Series,7} {r.Smape,8:F2} {r.Mase,8:F3} {r.SeriesPerSecond,10:F0}"));
    }

    internal static Dictionary<string, string?> ParseOptions(string[] args, string[] flags, string[] values)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (flags.Contains(a)) { result[a] = null; continue; }
            if (values.Contains(a))
            {
                if (i + 1 >= args.Length) throw new UsageException($"{a} needs a value");
                result[a] = args[++i];
                continue;
            }
            throw new UsageException($"unknown option '{a}'");
        }
        return result;
    }
}

internal sealed class UsageException(string message) : Exception(message);
