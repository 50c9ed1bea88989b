using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeInventory.Contracts;

/// <summary>
/// Writes timestamps as ISO 8601 UTC with a <c>Z</c> suffix. Reading keeps the offset it was given, so that
/// validation can refuse a non-UTC timestamp instead of converting it silently.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime);
    }
}
