using System.Text;
using System.Text.Json;

namespace EdgeInventory.Contracts;

/// <summary>Why an inbound message was refused; stable names, used as a metric label.</summary>
public enum ContractRejectionReason
{
    Oversized,
    NotJson,
    MissingSchema,
    UnknownSchema,
    UnsupportedVersion,
    InvalidShape,
    InvalidValue,
}

public sealed record ContractRejection(ContractRejectionReason Reason, string Detail)
{
    public override string ToString() => $"{Reason}: {Detail}";
}

public readonly record struct ContractParseResult<T>(T? Message, ContractRejection? Rejection) where T : class
{
    public bool IsValid => Message is not null;
}

/// <summary>
/// Strict reading of inbound messages: size first (nothing oversized is parsed), then the schema name and
/// version, then the shape, then the values. Every refusal says which step failed and why.
/// </summary>
public static class ContractParser
{
    public static ContractParseResult<T> Parse<T>(ReadOnlySpan<byte> utf8Json) where T : ContractMessage, IContractMessage<T>
    {
        if (utf8Json.Length > T.MaxPayloadBytes)
        {
            return Reject<T>(ContractRejectionReason.Oversized,
                $"{utf8Json.Length} bytes; {T.SchemaName} allows at most {T.MaxPayloadBytes}");
        }

        ContractRejection? schemaProblem = CheckSchema(utf8Json, T.SchemaName, T.SchemaVersion);
        if (schemaProblem is not null)
        {
            return new ContractParseResult<T>(null, schemaProblem);
        }

        T? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8Json, T.JsonTypeInfo);
        }
        catch (JsonException e)
        {
            return Reject<T>(ContractRejectionReason.InvalidShape, e.Message);
        }
        catch (InvalidOperationException e)
        {
            // A string that is not UTF-8: System.Text.Json cannot transcode it and throws this, not a JsonException.
            return Reject<T>(ContractRejectionReason.NotJson, e.Message);
        }
        if (message is null)
        {
            return Reject<T>(ContractRejectionReason.InvalidShape, "the payload is JSON null");
        }

        var problems = new List<string>();
        message.Validate(problems);
        return problems.Count == 0
            ? new ContractParseResult<T>(message, null)
            : Reject<T>(ContractRejectionReason.InvalidValue, string.Join("; ", problems));
    }

    /// <summary>Validates a message about to be sent; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static byte[] Serialize<T>(T message) where T : ContractMessage, IContractMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        var problems = new List<string>();
        message.Validate(problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"{T.SchemaName} message {message.EventId} is invalid: {string.Join("; ", problems)}", nameof(message));
        }
        return JsonSerializer.SerializeToUtf8Bytes(message, T.JsonTypeInfo);
    }

    /// <summary>Reads the top-level <c>schema</c> property ("name/version") without materialising anything.</summary>
    private static ContractRejection? CheckSchema(ReadOnlySpan<byte> utf8Json, string expectedName, int expectedVersion)
    {
        string? schema = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new(ContractRejectionReason.NotJson, "the payload is not a JSON object");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isSchema = reader.ValueTextEquals("schema"u8);
                reader.Read();
                if (isSchema)
                {
                    schema = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
            // Read to the end so that trailing garbage after the object is refused here too.
            while (reader.Read())
            {
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the schema string is not UTF-8 (it cannot be transcoded).
            return new(ContractRejectionReason.NotJson, e.Message);
        }

        if (schema is null)
        {
            return new(ContractRejectionReason.MissingSchema, "no string property 'schema' at the top level");
        }
        int slash = schema.LastIndexOf('/');
        string name = slash < 0 ? schema : schema[..slash];
        if (name != expectedName)
        {
            return new(ContractRejectionReason.UnknownSchema, $"schema '{Truncate(schema)}' where '{expectedName}' was expected");
        }
        if (slash < 0 || !int.TryParse(schema.AsSpan(slash + 1), out int version) || version != expectedVersion)
        {
            return new(ContractRejectionReason.UnsupportedVersion,
                $"schema '{Truncate(schema)}': this build reads {expectedName} version {expectedVersion} only");
        }
        return null;
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";

    private static ContractParseResult<T> Reject<T>(ContractRejectionReason reason, string detail) where T : class =>
        new(null, new ContractRejection(reason, detail));

    /// <summary>For logs: the start of a refused payload, with control characters escaped.</summary>
    public static string Preview(ReadOnlySpan<byte> payload, int maxChars = 120)
    {
        string text = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, maxChars * 4)]);
        var sb = new StringBuilder(Math.Min(text.Length, maxChars) + 1);
        foreach (char c in text)
        {
            if (sb.Length >= maxChars)
            {
                sb.Append('…');
                break;
            }
            sb.Append(char.IsControl(c) ? '·' : c);
        }
        return sb.ToString();
    }
}
