using System.Globalization;

namespace EdgeInventory.Forecasting.Data;

/// <summary>
/// Reads the long CSV format of the shared forecasting data (<c>id, period, type, part, t, y</c>, one
/// row per observation, <c>part</c> = train or test). Rows of a series may come in any order; they are
/// ordered by <c>t</c>. <c>NA</c> or an empty <c>y</c> becomes NaN (a missing value the methods handle).
/// </summary>
public static class LongCsvReader
{
    private static readonly string[] RequiredColumns = ["id", "period", "type", "part", "t", "y"];

    public static IReadOnlyList<DemandSeries> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"forecast data file '{path}' does not exist", path);
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <param name="source">Name used in error messages (file path).</param>
    public static IReadOnlyList<DemandSeries> Read(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? header = reader.ReadLine() ?? throw new InvalidDataException($"{source}: empty file, expected a header 'id,period,type,part,t,y'");
        var fields = new List<string>(8);
        SplitCsvLine(header, fields);
        int columnCount = fields.Count;
        var index = new int[RequiredColumns.Length];
        for (int c = 0; c < RequiredColumns.Length; c++)
        {
            index[c] = fields.FindIndex(f => string.Equals(f, RequiredColumns[c], StringComparison.OrdinalIgnoreCase));
            if (index[c] < 0)
                throw new InvalidDataException($"{source}: header has no column '{RequiredColumns[c]}' (header: {header})");
        }

        var builders = new Dictionary<string, SeriesBuilder>(StringComparer.Ordinal);
        var order = new List<SeriesBuilder>();
        SeriesBuilder? last = null;
        int lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            SplitCsvLine(line, fields);
            if (fields.Count != columnCount)
                throw new InvalidDataException($"{source}:{lineNumber}: expected {columnCount} columns as in the header, found {fields.Count}");
            string id = fields[index[0]];
            if (id.Length == 0)
                throw new InvalidDataException($"{source}:{lineNumber}: empty id");
            if (last is null || !string.Equals(last.Id, id, StringComparison.Ordinal))
            {
                if (!builders.TryGetValue(id, out last))
                {
                    last = new SeriesBuilder(id, fields[index[1]], fields[index[2]]);
                    builders.Add(id, last);
                    order.Add(last);
                }
            }
            bool isTest = fields[index[3]] switch
            {
                "train" => false,
                "test" => true,
                var other => throw new InvalidDataException($"{source}:{lineNumber}: part must be 'train' or 'test', found '{other}'"),
            };
            if (!int.TryParse(fields[index[4]], NumberStyles.Integer, CultureInfo.InvariantCulture, out int t))
                throw new InvalidDataException($"{source}:{lineNumber}: t '{fields[index[4]]}' is not an integer");
            string yText = fields[index[5]];
            double y;
            if (yText.Length == 0 || yText == "NA")
                y = double.NaN;
            else if (!double.TryParse(yText, NumberStyles.Float, CultureInfo.InvariantCulture, out y))
                throw new InvalidDataException($"{source}:{lineNumber}: y '{yText}' is not a number");
            (isTest ? last.Test : last.Train).Add((t, y));
        }

        var result = new DemandSeries[order.Count];
        for (int i = 0; i < order.Count; i++)
            result[i] = order[i].Build(source);
        return result;
    }

    /// <summary>Splits one CSV line; double quotes around a field are removed ("" inside is a quote).</summary>
    public static void SplitCsvLine(string line, List<string> fields)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        int i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                fields.Add(sb.ToString());
                while (i < line.Length && line[i] != ',') i++;
            }
            else
            {
                int start = i;
                while (i < line.Length && line[i] != ',') i++;
                fields.Add(line[start..i].Trim());
            }
            if (i >= line.Length)
                break;
            i++; // the comma
        }
    }

    private sealed class SeriesBuilder(string id, string period, string type)
    {
        public string Id { get; } = id;
        public List<(int T, double Y)> Train { get; } = new();
        public List<(int T, double Y)> Test { get; } = new();

        public DemandSeries Build(string source)
        {
            Train.Sort((a, b) => a.T.CompareTo(b.T));
            Test.Sort((a, b) => a.T.CompareTo(b.T));
            for (int k = 1; k < Train.Count; k++)
                if (Train[k].T == Train[k - 1].T)
                    throw new InvalidDataException($"{source}: series '{Id}' has two train rows for t={Train[k].T}");
            if (Train.Count > 0 && Test.Count > 0 && Test[0].T <= Train[^1].T)
                throw new InvalidDataException($"{source}: series '{Id}' has a test row (t={Test[0].T}) that is not after its train rows");
            var train = new double[Train.Count];
            for (int k = 0; k < train.Length; k++) train[k] = Train[k].Y;
            var test = new double[Test.Count];
            for (int k = 0; k < test.Length; k++) test[k] = Test[k].Y;
            return new DemandSeries(Id, period, type, train, test);
        }
    }
}
