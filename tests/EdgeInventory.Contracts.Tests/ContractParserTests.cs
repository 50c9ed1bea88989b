using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInventory.Contracts;

namespace EdgeInventory.Contracts.Tests;

public class ContractParserTests
{
    [Fact]
    public void Every_message_kind_round_trips_unchanged()
    {
        AssertRoundTrip(Samples.Discrepancy());
        AssertRoundTrip(Samples.Counts());
        AssertRoundTrip(Samples.Status());
        AssertRoundTrip(Samples.Heartbeat());
        AssertRoundTrip(Samples.Scanner());
        AssertRoundTrip(Samples.ExpectedStock());
        AssertRoundTrip(Samples.Alert());
    }

    private static void AssertRoundTrip<T>(T message) where T : ContractMessage, IContractMessage<T>
    {
        byte[] json = ContractParser.Serialize(message);
        ContractParseResult<T> parsed = ContractParser.Parse<T>(json);
        Assert.True(parsed.IsValid, parsed.Rejection?.ToString());
        // Records holding lists compare lists by reference, so compare the serialized forms.
        Assert.Equal(Encoding.UTF8.GetString(json), Encoding.UTF8.GetString(ContractParser.Serialize(parsed.Message!)));
        Assert.Equal(message.EventId, parsed.Message!.EventId);
    }

    [Fact]
    public void Serialized_messages_start_with_the_schema_and_use_camel_case_and_string_enums()
    {
        string json = Encoding.UTF8.GetString(ContractParser.Serialize(Samples.Discrepancy()));
        Assert.StartsWith("{\"schema\":\"edgeinv.discrepancy/1\",\"eventId\":", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"belowMinimum\"", json, StringComparison.Ordinal);
        Assert.Contains("\"occurredAt\":\"2025-06-12T09:41:07.25Z\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", ContractRejectionReason.NotJson)]
    [InlineData("{\"schema\":\"edgeinv.scanner-count/1\",", ContractRejectionReason.NotJson)]
    [InlineData("[1,2]", ContractRejectionReason.NotJson)]
    [InlineData("{\"schema\":\"edgeinv.scanner-count/1\"} trailing", ContractRejectionReason.NotJson)]
    [InlineData("{\"eventId\":\"x\"}", ContractRejectionReason.MissingSchema)]
    [InlineData("{\"schema\":1}", ContractRejectionReason.MissingSchema)]
    [InlineData("{\"schema\":\"edgeinv.heartbeat/1\"}", ContractRejectionReason.UnknownSchema)]
    [InlineData("{\"schema\":\"edgeinv.scanner-count/2\"}", ContractRejectionReason.UnsupportedVersion)]
    [InlineData("{\"schema\":\"edgeinv.scanner-count\"}", ContractRejectionReason.UnsupportedVersion)]
    [InlineData("{\"schema\":\"edgeinv.scanner-count/1\"}", ContractRejectionReason.InvalidShape)]
    public void Malformed_payloads_are_rejected_with_the_step_that_failed(string payload, ContractRejectionReason expected)
    {
        ContractParseResult<ScannerCount> result = ContractParser.Parse<ScannerCount>(Encoding.UTF8.GetBytes(payload));
        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Rejection!.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection.Detail));
    }

    [Fact]
    public void Strings_that_are_not_UTF_8_are_refused_not_thrown()
    {
        // Found by the inbound fuzz tests (issue 15): System.Text.Json throws InvalidOperationException, not JsonException, for these.
        byte[] valid = ContractParser.Serialize(Samples.Scanner());
        byte[] inSchema = [.. "{\"schema\":\"edgeinv.scanner-count/1"u8, 0xC3, 0x28, .. "\"}"u8];
        string text = Encoding.UTF8.GetString(valid);
        int sku = text.IndexOf("\"sku\":\"", StringComparison.Ordinal) + "\"sku\":\"".Length;
        byte[] inValue = [.. valid.AsSpan(0, Encoding.UTF8.GetByteCount(text[..sku])), 0xFF, 0xFE, .. valid.AsSpan(Encoding.UTF8.GetByteCount(text[..sku]))];
        foreach (byte[] payload in new[] { inSchema, inValue })
        {
            ContractParseResult<ScannerCount> result = ContractParser.Parse<ScannerCount>(payload);
            Assert.False(result.IsValid);
            Assert.Contains(result.Rejection!.Reason, new[] { ContractRejectionReason.NotJson, ContractRejectionReason.InvalidShape });
        }
    }

    [Fact]
    public void A_newer_schema_version_is_refused_as_such_even_when_its_fields_changed()
    {
        JsonObject json = Mutable(Samples.Scanner());
        json["schema"] = "edgeinv.scanner-count/2";
        json["newField"] = 1;
        ContractRejection rejection = Reject<ScannerCount>(json);
        Assert.Equal(ContractRejectionReason.UnsupportedVersion, rejection.Reason);
        Assert.Contains("version 1", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_payloads_are_refused_before_parsing()
    {
        byte[] big = new byte[ScannerCount.MaxPayloadBytes + 1];
        Array.Fill(big, (byte)' ');
        ContractRejection rejection = ContractParser.Parse<ScannerCount>(big).Rejection!;
        Assert.Equal(ContractRejectionReason.Oversized, rejection.Reason);
        Assert.Contains(big.Length.ToString(), rejection.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown", "\"surprise\"")]
    [InlineData("quantity", "\"3\"")]
    [InlineData("quantity", "3.5")]
    [InlineData("sku", "null")]
    [InlineData("occurredAt", "\"yesterday\"")]
    public void Shape_errors_are_refused_naming_the_property(string property, string rawValue)
    {
        JsonObject json = Mutable(Samples.Scanner());
        json[property] = JsonNode.Parse(rawValue);
        ContractRejection rejection = Reject<ScannerCount>(json);
        Assert.Equal(ContractRejectionReason.InvalidShape, rejection.Reason);
        Assert.Contains(property, rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_properties_and_numeric_enums_are_refused()
    {
        JsonObject missing = Mutable(Samples.Scanner());
        missing.Remove("quantity");
        Assert.Equal(ContractRejectionReason.InvalidShape, Reject<ScannerCount>(missing).Reason);

        JsonObject numericEnum = Mutable(Samples.Discrepancy());
        numericEnum["kind"] = 1;
        Assert.Equal(ContractRejectionReason.InvalidShape, Reject<DiscrepancyEvent>(numericEnum).Reason);

        JsonObject unknownEnum = Mutable(Samples.Discrepancy());
        unknownEnum["kind"] = "allFine";
        Assert.Equal(ContractRejectionReason.InvalidShape, Reject<DiscrepancyEvent>(unknownEnum).Reason);
    }

    [Fact]
    public void Duplicate_properties_are_refused()
    {
        string json = Encoding.UTF8.GetString(ContractParser.Serialize(Samples.Scanner()));
        string duplicated = json.Replace("\"quantity\":3", "\"quantity\":3,\"quantity\":300", StringComparison.Ordinal);
        Assert.NotEqual(json, duplicated);
        Assert.Equal(ContractRejectionReason.InvalidShape, ContractParser.Parse<ScannerCount>(Encoding.UTF8.GetBytes(duplicated)).Rejection!.Reason);
    }

    [Theory]
    [InlineData("quantity", "-1", "quantity is negative")]
    [InlineData("occurredAt", "\"2025-06-12T11:41:07+02:00\"", "occurredAt")]
    [InlineData("storeId", "\"s042/+\"", "store id")]
    [InlineData("storeId", "\"cmd\"", "reserved")]
    [InlineData("eventId", "\"6b1a2d8e-4f5c-4e2a-9b1d-3c4d5e6f7a8b\"", "UUIDv7")]
    public void Invalid_values_are_refused_with_the_reason(string property, string rawValue, string reasonPart)
    {
        JsonObject json = Mutable(Samples.Scanner());
        json[property] = JsonNode.Parse(rawValue);
        ContractRejection rejection = Reject<ScannerCount>(json);
        Assert.Equal(ContractRejectionReason.InvalidValue, rejection.Reason);
        Assert.Contains(reasonPart, rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Discrepancy_lifecycle_rules_are_checked()
    {
        Assert.Equal(ContractRejectionReason.InvalidValue,
            Reject<DiscrepancyEvent>(Mutable(Samples.Discrepancy() with { Phase = DiscrepancyPhase.End })).Reason);
        DiscrepancyEvent ended = Samples.Discrepancy() with { Phase = DiscrepancyPhase.End, EndedAt = Samples.At };
        Assert.True(ContractParser.Parse<DiscrepancyEvent>(ContractParser.Serialize(ended)).IsValid);
        Assert.Contains("modelVersion", Reject<DiscrepancyEvent>(Mutable(Samples.Discrepancy() with { ModelVersion = null })).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_refuses_an_invalid_outgoing_message()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => ContractParser.Serialize(Samples.Scanner() with { Quantity = -4 }));
        Assert.Contains("quantity is negative", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topics_follow_the_documented_layout_and_refuse_unsafe_ids()
    {
        Assert.Equal("edgeinv/s042/edge-01/discrepancy", Topics.Discrepancy("s042", "edge-01"));
        Assert.Equal("edgeinv/s042/edge-01/status", Topics.DeviceStatus("s042", "edge-01"));
        Assert.Equal("edgeinv/cmd/s042/expected-stock", Topics.ExpectedStock("s042"));
        Assert.Equal("edgeinv/cmd/s042/#", Topics.CommandFilter("s042"));
        Assert.Equal("edgeinv/alerts/s042", Topics.OperatorAlerts("s042"));
        Assert.Throws<ArgumentException>(() => Topics.Discrepancy("s042/#", "edge-01"));
        Assert.Throws<ArgumentException>(() => Topics.Discrepancy("cmd", "edge-01"));
        Assert.Throws<ArgumentException>(() => Topics.Heartbeat("s042", "edge 01"));
    }

    private static JsonObject Mutable<T>(T message) where T : ContractMessage, IContractMessage<T> =>
        JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(message, T.JsonTypeInfo))!.AsObject();

    private static ContractRejection Reject<T>(JsonObject json) where T : ContractMessage, IContractMessage<T>
    {
        ContractParseResult<T> result = ContractParser.Parse<T>(Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.False(result.IsValid, "the payload was accepted: " + json.ToJsonString());
        return result.Rejection!;
    }
}
