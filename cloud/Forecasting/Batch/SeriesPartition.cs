using System.Globalization;
using System.Text;
using EdgeInventory.Forecasting.Demand;

namespace EdgeInventory.Forecasting.Batch;

/// <summary>
/// Worker i of N (i from 0), as a Kubernetes indexed job runs them: each series belongs to exactly one
/// worker, chosen by a stable hash of its key, so N workers cover a chain's series once each whatever
/// order they read them in, on any machine and any .NET version (string.GetHashCode is randomised per
/// process and cannot be used).
/// </summary>
public readonly record struct SeriesPartition(int Index, int Count)
{
    public static SeriesPartition All => new(0, 1);

    /// <summary>Parses "i/N" (0 ≤ i &lt; N).</summary>
    /// <exception cref="ArgumentException">Not of that form, naming the value.</exception>
    public static SeriesPartition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count < 1 || index >= count)
            throw new ArgumentException($"partition '{text}' is not i/N with 0 <= i < N (e.g. 0/4)", nameof(text));
        return new SeriesPartition(index, count);
    }

    public bool Contains(SeriesKey key) => Count <= 1 || (int)(StableHash(key) % (ulong)Count) == Index;

    /// <summary>FNV-1a (64-bit) over the UTF-8 bytes of store id, a unit separator, and SKU.</summary>
    public static ulong StableHash(SeriesKey key)
    {
        const ulong offset = 14695981039346656037UL, prime = 1099511628211UL;
        ulong hash = offset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (string part in (ReadOnlySpan<string>)[key.StoreId, "\u001f", key.Sku])
        {
            int length = Encoding.UTF8.GetMaxByteCount(part.Length) <= buffer.Length ? Encoding.UTF8.GetBytes(part, buffer) : -1;
            ReadOnlySpan<byte> bytes = length >= 0 ? buffer[..length] : Encoding.UTF8.GetBytes(part);
            foreach (byte b in bytes)
            {
                hash ^= b;
                hash *= prime;
            }
        }
        // FNV's low bits mix poorly for short keys; finish with a 64-bit avalanche before the modulo.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }

    public override string ToString() => $"{Index}/{Count}";
}
