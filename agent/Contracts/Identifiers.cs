using System.Buffers;

namespace EdgeInventory.Contracts;

/// <summary>
/// Store, device, zone and camera ids appear inside MQTT topics and broker ACL patterns, so they are
/// restricted to characters that cannot change a topic's shape (no '/', '+', '#', '$', spaces).
/// </summary>
public static class Identifiers
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>Segments reserved by the topic layout; a store may not be named after them.</summary>
    private static readonly string[] ReservedStoreIds = [Topics.CommandSegment, Topics.AlertsSegment, "cloud", "operators"];

    /// <summary>Returns null when <paramref name="value"/> is a valid id, else the reason it is not.</summary>
    public static string? Check(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is empty";
        }
        if (value.Length > MaxLength)
        {
            return $"{what} '{value[..16]}…' is longer than {MaxLength} characters";
        }
        int bad = value.AsSpan().IndexOfAnyExcept(Allowed);
        if (bad >= 0)
        {
            return $"{what} '{value}' has the character '{value[bad]}' at {bad}; allowed: letters, digits, '-', '_', '.'";
        }
        if (value[0] == '.')
        {
            return $"{what} '{value}' starts with '.'";
        }
        return null;
    }

    public static string? CheckStoreId(string? value)
    {
        string? reason = Check(value, "store id");
        if (reason is null && Array.IndexOf(ReservedStoreIds, value) >= 0)
        {
            reason = $"store id '{value}' is reserved by the topic layout";
        }
        return reason;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when the id is invalid.</summary>
    public static string Require(string? value, string what)
    {
        string? reason = what == "store id" ? CheckStoreId(value) : Check(value, what);
        return reason is null ? value! : throw new ArgumentException(reason, what);
    }
}
