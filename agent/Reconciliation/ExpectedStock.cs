using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeInventory.Contracts;

namespace EdgeInventory.Reconciliation;

/// <summary>What the ERP or the planogram expects at one location for one SKU.</summary>
public sealed record ExpectedStockEntry(string LocationId, string Sku, int ExpectedUnits, int? MinFacings, int? Capacity);

/// <summary>
/// A planogram/ERP file as it was read: its entries and the SHA-256 (lower-case hex) of the very bytes they were
/// parsed from, so a caller can tell later whether the file it built on is still the one deployed.
/// </summary>
public sealed record ExpectedStockFileContent(string Path, IReadOnlyList<ExpectedStockEntry> Entries, string Sha256);

/// <summary>A planogram/ERP file that cannot be read; the message names the file, the line or item, and the reason.</summary>
public sealed class ExpectedStockFormatException : Exception
{
    public ExpectedStockFormatException(string message)
        : base(message)
    {
    }

    public ExpectedStockFormatException()
    {
    }

    public ExpectedStockFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Expected stock per (location, SKU): loaded from a planogram/ERP file (CSV or JSON) and changed by
/// <see cref="ExpectedStockUpdate"/> messages from the cloud. Thread-safe.
/// </summary>
public sealed class ExpectedStockBook
{
    private readonly Lock _gate = new();
    private Dictionary<(string Location, string Sku), ExpectedStockEntry> _entries = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public ExpectedStockEntry? Find(string locationId, string sku)
    {
        lock (_gate)
        {
            return _entries.GetValueOrDefault((locationId, sku));
        }
    }

    public IReadOnlyList<ExpectedStockEntry> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries.Values];
        }
    }

    /// <summary>Replaces every entry (a fresh planogram or a <c>replace</c> update).</summary>
    public void ReplaceAll(IEnumerable<ExpectedStockEntry> entries)
    {
        var fresh = new Dictionary<(string, string), ExpectedStockEntry>();
        foreach (ExpectedStockEntry e in entries)
        {
            fresh[(e.LocationId, e.Sku)] = e;
        }

        lock (_gate)
        {
            _entries = fresh;
        }
    }

    /// <summary>Applies a cloud update: <c>replace</c> swaps the whole book, <c>merge</c> changes only the items it names.</summary>
    public void Apply(ExpectedStockUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        IEnumerable<ExpectedStockEntry> items = update.Items.Select(static i => new ExpectedStockEntry(i.LocationId, i.Sku, i.ExpectedUnits, i.MinFacings, i.Capacity));
        if (update.Mode == ExpectedStockMode.Replace)
        {
            ReplaceAll(items);
            return;
        }

        lock (_gate)
        {
            foreach (ExpectedStockEntry e in items)
            {
                _entries[(e.LocationId, e.Sku)] = e;
            }
        }
    }

    /// <summary>Reads a planogram file: <c>.csv</c> or <c>.json</c> (see the Reconciliation README for the columns).</summary>
    public static IReadOnlyList<ExpectedStockEntry> LoadFile(string path) => ReadFile(path).Entries;

    /// <summary>
    /// Reads a planogram file once and hashes the bytes it parsed: hashing a second read could describe a file
    /// replaced in between.
    /// </summary>
    public static ExpectedStockFileContent ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ExpectedStockFormatException($"{path}: no such file");
        }

        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".csv" or ".json"))
        {
            throw new ExpectedStockFormatException($"{path}: unsupported extension '{ext}'; use .csv or .json");
        }

        byte[] content = File.ReadAllBytes(path);
        IReadOnlyList<ExpectedStockEntry> entries = ext == ".csv" ? ParseCsv(DecodeText(content), path) : ParseJson(content, path);
        return new ExpectedStockFileContent(path, entries, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    /// <summary>
    /// CSV with a header row naming the columns <c>location_id,sku,expected_units</c> and optionally
    /// <c>min_facings,capacity</c>, in any order; '#' starts a comment line; fields may be double-quoted.
    /// </summary>
    public static IReadOnlyList<ExpectedStockEntry> ParseCsv(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<ExpectedStockEntry>();
        var seen = new HashSet<(string, string)>();
        Dictionary<string, int>? columns = null;
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            string where = $"{source}:{n + 1}";
            List<string> fields = SplitCsv(line, where);
            if (columns is null)
            {
                columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < fields.Count; i++)
                {
                    string name = fields[i].Trim();
                    if (name is not ("location_id" or "sku" or "expected_units" or "min_facings" or "capacity"))
                    {
                        throw new ExpectedStockFormatException($"{where}: unknown column '{name}'; the columns are location_id, sku, expected_units, min_facings, capacity");
                    }

                    if (!columns.TryAdd(name, i))
                    {
                        throw new ExpectedStockFormatException($"{where}: column '{name}' appears twice");
                    }
                }

                foreach (string required in new[] { "location_id", "sku", "expected_units" })
                {
                    if (!columns.ContainsKey(required))
                    {
                        throw new ExpectedStockFormatException($"{where}: the header has no '{required}' column");
                    }
                }

                continue;
            }

            if (fields.Count != columns.Count)
            {
                throw new ExpectedStockFormatException($"{where}: {fields.Count} fields where the header has {columns.Count}");
            }

            string location = fields[columns["location_id"]].Trim();
            string sku = fields[columns["sku"]].Trim();
            var entry = new ExpectedStockEntry(
                location,
                sku,
                ReadCount(fields[columns["expected_units"]], "expected_units", where) ?? throw new ExpectedStockFormatException($"{where}: expected_units is empty"),
                columns.TryGetValue("min_facings", out int m) ? ReadCount(fields[m], "min_facings", where) : null,
                columns.TryGetValue("capacity", out int c) ? ReadCount(fields[c], "capacity", where) : null);
            Add(entries, seen, entry, where);
        }

        if (columns is null)
        {
            throw new ExpectedStockFormatException($"{source}: no header row (location_id,sku,expected_units[,min_facings][,capacity])");
        }

        return entries;
    }

    /// <summary>JSON: <c>{"items": [{"locationId", "sku", "expectedUnits", "minFacings"?, "capacity"?}]}</c>, read strictly.</summary>
    public static IReadOnlyList<ExpectedStockEntry> ParseJson(ReadOnlySpan<byte> utf8, string source)
    {
        PlanogramFile? file;
        try
        {
            file = JsonSerializer.Deserialize(utf8, PlanogramJsonContext.Default.PlanogramFile);
        }
        catch (JsonException e)
        {
            throw new ExpectedStockFormatException($"{source}: {e.Message}");
        }

        if (file is null)
        {
            throw new ExpectedStockFormatException($"{source}: the file is JSON null");
        }

        var entries = new List<ExpectedStockEntry>();
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < file.Items.Count; i++)
        {
            ExpectedStockItem item = file.Items[i];
            string where = $"{source}: items[{i}]";
            if (item.ExpectedUnits < 0 || item.MinFacings < 0 || item.Capacity < 0)
            {
                throw new ExpectedStockFormatException($"{where}: negative quantity");
            }

            Add(entries, seen, new ExpectedStockEntry(item.LocationId, item.Sku, item.ExpectedUnits, item.MinFacings, item.Capacity), where);
        }

        return entries;
    }

    /// <summary>Decodes as <see cref="File.ReadAllText(string)"/> does: UTF-8 unless a byte order mark says otherwise.</summary>
    private static string DecodeText(byte[] content)
    {
        using var reader = new StreamReader(new MemoryStream(content, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static void Add(List<ExpectedStockEntry> entries, HashSet<(string, string)> seen, ExpectedStockEntry entry, string where)
    {
        if (entry.LocationId.Length == 0 || entry.Sku.Length == 0)
        {
            throw new ExpectedStockFormatException($"{where}: empty location_id or sku");
        }

        if (!seen.Add((entry.LocationId, entry.Sku)))
        {
            throw new ExpectedStockFormatException($"{where}: location '{entry.LocationId}' and SKU '{entry.Sku}' are listed twice");
        }

        entries.Add(entry);
    }

    private static int? ReadCount(string field, string column, string where)
    {
        string text = field.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            throw new ExpectedStockFormatException($"{where}: {column} '{text}' is not a whole number of zero or more");
        }

        return value;
    }

    private static List<string> SplitCsv(string line, string where)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        if (quoted)
        {
            throw new ExpectedStockFormatException($"{where}: a quoted field is not closed");
        }

        fields.Add(current.ToString());
        return fields;
    }
}

internal sealed record PlanogramFile
{
    public required IReadOnlyList<ExpectedStockItem> Items { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PlanogramFile))]
internal sealed partial class PlanogramJsonContext : JsonSerializerContext;
