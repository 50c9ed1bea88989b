using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeInventory.Forecasting.Data;
using EdgeInventory.Forecasting.Evaluation;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Tools;

namespace EdgeInventory.Forecast.Cli;

/// <summary>The command-line front of the forecasting library: <c>eval</c> and <c>run</c>.</summary>
internal static class ForecastCommands
{
    private const string Name = "forecast";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        RootCommand root = new("The command-line front of the forecasting library (run through tools/edgeinv forecast).")
        {
            EvalCommand(),
            SimulateCommand(),
            RunCommand(),
            InitDbCommand(),
            DailyBench.CreateCommand(),
            ForecastBench.CreateBenchCommand(),
            ForecastBench.CreateCompareCommand(),
        };
        ParseResult? parsed = ToolCommandLine.Parse(root, Name, args, stderr);
        if (parsed is null) return ToolCommandLine.UsageError;
        try
        {
            return ToolCommandLine.Invoke(parsed, stdout, stderr);
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"{ToolCommandLine.Prefix(parsed, Name)}: {ex.Message}");
            return ToolCommandLine.UsageError;
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or ArgumentException or System.Data.Common.DbException)
        {
            stderr.WriteLine($"{ToolCommandLine.Prefix(parsed, Name)}: {ex.Message}");
            return 1;
        }
    }

    private static Option<string> Methods(string defaultValue) => new("--methods")
    {
        Description = "comma-separated: naive, snaive, mean, ets, theta, ets-theta, ses, damped, croston, sba, tsb, adida, imapa, auto; a+b+c is their equal-weight mean",
        HelpName = "a,b,...",
        DefaultValueFactory = _ => defaultValue,
    };

    private static List<IForecastMethod> CreateMethods(string names) =>
        names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(MethodCatalog.Create).ToList();

    private static Option<string> DataFile() => new("--data") { Description = "series in the long CSV format", HelpName = "FILE", Required = true };

    private static Option<int?> Threads() => ToolCommandLine.OptionalNumber("--threads", 1, 1024, "worker threads (default: as many as the cores)");

    private static Option<bool> ShowFallbacks() => new("--show-fallbacks") { Description = "list every series that fell back, with the reason" };

    /// <summary>--db and --postgres: the SQL store of the batch.</summary>
    private sealed record SqlOptions(Option<string?> Sqlite, Option<string?> Postgres)
    {
        public SqlOptions()
            : this(new Option<string?>("--db") { Description = "a SQLite database", HelpName = "FILE.sqlite" },
                new Option<string?>("--postgres") { Description = "a PostgreSQL connection string", HelpName = "CONNSTRING" })
        {
        }

        public Batch.SqlBatchStore? Open(ParseResult parsed, bool create)
        {
            string? path = parsed.GetValue(Sqlite), cs = parsed.GetValue(Postgres);
            if (path is not null && cs is not null)
                throw new UsageException("give either --db or --postgres, not both");
            if (path is not null) return Batch.SqlBatchStore.OpenSqlite(path, create);
            if (cs is not null) return Batch.SqlBatchStore.OpenPostgres(cs);
            return null;
        }
    }

    private static Command InitDbCommand()
    {
        var sql = new SqlOptions();
        var command = new Command("init-db", "Create the batch tables (schema in tools/Forecast/README.md).") { sql.Sqlite, sql.Postgres };
        command.SetAction(parsed =>
        {
            using var store = sql.Open(parsed, create: true) ?? throw new UsageException("init-db needs --db FILE or --postgres CONNSTRING");
            store.CreateSchema();
            parsed.InvocationConfiguration.Output.WriteLine("batch tables ready: demand_history, stock_levels, replenishment_settings, demand_forecasts, reorder_recommendations");
            return 0;
        });
        return command;
    }

    private static Command RunCommand()
    {
        var sql = new SqlOptions();
        var csv = new Option<string?>("--csv") { Description = "a folder of CSV input tables", HelpName = "DIR" };
        var output = new Option<string?>("--out") { Description = "with --csv: where the output tables go (default: the --csv folder)", HelpName = "DIR" };
        var partition = new Option<Forecasting.Batch.SeriesPartition>("--partition")
        {
            Description = "plan only worker i's share of N (stable key hash)",
            HelpName = "i/N",
            DefaultValueFactory = _ => Forecasting.Batch.SeriesPartition.Parse("0/1"),
            CustomParser = r =>
            {
                try
                {
                    return Forecasting.Batch.SeriesPartition.Parse(r.Tokens[0].Value);
                }
                catch (ArgumentException ex)
                {
                    r.AddError(ex.Message);
                    return default;
                }
            },
        };
        var method = new Option<string>("--method") { Description = "forecasting method", DefaultValueFactory = _ => "daily" };
        var horizon = ToolCommandLine.Number("--horizon", 1, 100_000, 28, "days forecast");
        var asOf = new Option<DateOnly?>("--as-of")
        {
            Description = "the planning day (default: the last day in the history)",
            HelpName = "yyyy-MM-dd",
            CustomParser = r => DateOnly.TryParseExact(r.Tokens[0].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d : Invalid<DateOnly?>(r, $"--as-of '{r.Tokens[0].Value}' is not yyyy-MM-dd"),
        };
        var historyDays = ToolCommandLine.Number("--history-days", 1, 100_000, 365, "days of history read per series");
        var censored = new Option<Forecasting.Demand.CensoredDemandTreatment>("--censored")
        {
            Description = "what to do with the days the shelf was empty",
            HelpName = "impute|interpolate|exclude|keep",
            DefaultValueFactory = _ => Forecasting.Demand.CensoredDemandTreatment.Impute,
            CustomParser = r => Enum.TryParse<Forecasting.Demand.CensoredDemandTreatment>(r.Tokens[0].Value, ignoreCase: true, out var c) && !int.TryParse(r.Tokens[0].Value, out _)
                ? c : Invalid<Forecasting.Demand.CensoredDemandTreatment>(r, $"--censored '{r.Tokens[0].Value}' is not one of impute, interpolate, exclude, keep"),
        };
        var runId = new Option<string?>("--run-id") { Description = "the run's id (a rerun of the same id replaces its rows)", HelpName = "ID" };
        var threads = Threads();
        var showFallbacks = ShowFallbacks();
        var command = new Command("run", "Forecasts, stock-out dates and reorder recommendations per store x SKU, written back.")
        {
            sql.Sqlite, sql.Postgres, csv, output, partition, method, horizon, asOf, historyDays, censored, runId, threads, showFallbacks,
        };
        command.SetAction(parsed =>
        {
            var runOptions = new Batch.BatchRunOptions(parsed.GetValue(partition), parsed.GetValue(method)!, parsed.GetValue(horizon), parsed.GetValue(asOf),
                parsed.GetValue(historyDays), parsed.GetValue(censored), parsed.GetValue(runId), parsed.GetValue(threads) ?? -1);
            MethodCatalog.Create(runOptions.Method); // validates the name before any data is read
            Batch.IBatchStore store;
            if (parsed.GetValue(csv) is { } folder)
            {
                if (parsed.GetValue(sql.Sqlite) is not null || parsed.GetValue(sql.Postgres) is not null) throw new UsageException("give one of --db, --postgres or --csv");
                store = new Batch.CsvBatchStore(folder, parsed.GetValue(output) ?? folder, runOptions.Partition);
            }
            else
            {
                store = sql.Open(parsed, create: false) ?? throw new UsageException("run needs --db FILE, --postgres CONNSTRING or --csv DIR");
            }
            return RunBatch(store, runOptions, parsed.GetValue(showFallbacks), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        });
        return command;
    }

    private static T Invalid<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    private static int RunBatch(Batch.IBatchStore store, Batch.BatchRunOptions runOptions, bool showFallbacks, TextWriter stdout, TextWriter stderr)
    {
        Batch.BatchRunSummary summary;
        using (store)
            summary = Batch.BatchRunner.Run(store, runOptions);
        var fallbacks = summary.Outcomes.Where(o => o.Fallback is not null).ToList();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {summary.RunId}: partition {runOptions.Partition}, {summary.SeriesPlanned} of {summary.SeriesInStore} series planned, as of {summary.AsOf:yyyy-MM-dd}, horizon {runOptions.HorizonDays} days, method {runOptions.Method}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {summary.Outcomes.Count(o => o.Recommendation.OrderQuantity > 0)} to reorder, {summary.Outcomes.Count(o => o.StockoutDate is not null)} predicted to run out within the horizon, {fallbacks.Count} fell back"));
        if (fallbacks.Count > 0)
        {
            foreach (var group in fallbacks.GroupBy(f => f.Fallback).OrderByDescending(g => g.Count()).Take(showFallbacks ? int.MaxValue : 5))
                stderr.WriteLine($"  fallback x{group.Count()}: {group.Key}" + (showFallbacks ? $" ({string.Join(", ", group.Select(g => g.Key))})" : ""));
        }
        return 0;
    }

    private static Command SimulateCommand()
    {
        var data = DataFile();
        var methods = Methods("croston,sba,tsb,auto");
        var fillRate = ToolCommandLine.Number("--fill-rate", 0.01, 0.9999, 0.95, "target fill rate");
        var leadTime = ToolCommandLine.Number("--lead-time", 0, 1000, 1, "lead time in periods");
        var command = new Command("simulate", "Order-up-to replay of each series' test part, S set from each method's forecast.") { data, methods, fillRate, leadTime };
        command.SetAction(parsed => Simulate(CreateMethods(parsed.GetValue(methods)!), parsed.GetValue(data)!, parsed.GetValue(fillRate), parsed.GetValue(leadTime),
            parsed.InvocationConfiguration.Output));
        return command;
    }

    private static int Simulate(List<IForecastMethod> methods, string data, double fillRate, int leadTime, TextWriter stdout)
    {
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

    private static Command EvalCommand()
    {
        var data = DataFile();
        var methods = Methods("snaive,ets,theta,ets-theta");
        var json = new Option<bool>("--json") { Description = "the results as JSON" };
        var threads = Threads();
        var showFallbacks = ShowFallbacks();
        var holdout = new Option<bool>("--holdout") { Description = "score on each series' training part with its last horizon held out (for tuning)" };
        var holdoutOrigins = ToolCommandLine.Number("--holdout-origins", 1, 1000, 1, "with --holdout: the origin K horizons back");
        var dump = new Option<string?>("--dump") { Description = "every forecast as CSV (method,id,h,forecast,actual), for offline analysis of combinations", HelpName = "FILE" };
        var etsScreening = ToolCommandLine.OptionalNumber("--ets-screening", 1, 100_000, $"ETS screening evaluations (tuning; default {Ets.ScreeningEvaluations})");
        var etsRefine = ToolCommandLine.OptionalNumber("--ets-refine", 0, 1000, $"ETS candidates refined (tuning; default {Ets.RefinedCandidates})");
        var etsMargin = ToolCommandLine.OptionalNumber("--ets-margin", 0.0, 1e6, $"ETS screening margin (tuning; default {Ets.ScreeningMargin.ToString(CultureInfo.InvariantCulture)})");
        var command = new Command("eval", "sMAPE and MASE per category and overall on the long CSV format.")
        {
            data, methods, json, threads, showFallbacks, holdout, holdoutOrigins, dump, etsScreening, etsRefine, etsMargin,
        };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(etsMargin) is { } margin) Ets.ScreeningMargin = margin;
            if (parsed.GetValue(etsScreening) is { } screening) Ets.ScreeningEvaluations = screening;
            if (parsed.GetValue(etsRefine) is { } refine) Ets.RefinedCandidates = refine;
            var methodList = CreateMethods(parsed.GetValue(methods)!); // names checked before any data is read
            var series = LongCsvReader.Read(parsed.GetValue(data)!);
            if (parsed.GetValue(holdout))
                series = HoldOut(series, parsed.GetValue(holdoutOrigins));
            return Eval(series, methodList, parsed.GetValue(threads) ?? -1, parsed.GetValue(dump), parsed.GetValue(json),
                parsed.GetValue(showFallbacks), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        });
        return command;
    }

    /// <summary>
    /// Tuning mode: each series' training part becomes the data, its last horizon the test; the official test rows
    /// are never looked at. <paramref name="origins"/> K moves the origin K horizons back (K = 1: the last horizon of the training part).
    /// </summary>
    private static List<DemandSeries> HoldOut(IReadOnlyList<DemandSeries> series, int origins) =>
        series.Where(s => s.Train.Length > origins * s.Test.Length + 3)
            .Select(s =>
            {
                int end = s.Train.Length - (origins - 1) * s.Test.Length;
                return s with { Train = s.Train[..(end - s.Test.Length)], Test = s.Train[(end - s.Test.Length)..end] };
            }).ToList();

    private static int Eval(IReadOnlyList<DemandSeries> series, List<IForecastMethod> methods, int threads, string? dumpPath, bool json, bool showFallbacks,
        TextWriter stdout, TextWriter stderr)
    {
        var rows = new List<EvaluationRow>();
        using var dump = dumpPath is not null ? new StreamWriter(dumpPath) : null;
        dump?.WriteLine("method,id,h,forecast,actual");
        foreach (var method in methods)
        {
            var forecasts = dump is null ? null : new double[series.Count][];
            var report = ForecastEvaluator.Evaluate(series, method, threads, forecasts is null ? null : (i, f) => forecasts[i] = f);
            if (dump is not null && forecasts is not null)
                for (int i = 0; i < series.Count; i++)
                    for (int h = 0; forecasts[i] is { } f && h < f.Length; h++)
                        dump.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{method.Name},{series[i].Id},{h + 1},{f[h]:R},{series[i].Test[h]:R}"));
            rows.AddRange(report.Rows);
            if (report.Fallbacks.Count > 0)
            {
                stderr.WriteLine($"forecast: {method.Name}: {report.Fallbacks.Count} series fell back");
                if (showFallbacks)
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
}

internal sealed class UsageException(string message) : Exception(message);
