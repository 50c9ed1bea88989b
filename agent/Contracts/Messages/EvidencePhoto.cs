using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInventory.Contracts;

/// <summary>
/// Edge → cloud: the JPEG crop behind a discrepancy event (<see cref="DiscrepancyEvent.Evidence"/>), so head
/// office sees what the camera saw. Sent through the outbox after the event it belongs to, on
/// <c>edgeinv/&lt;store&gt;/&lt;device&gt;/evidence/&lt;evidenceId&gt;</c>; the cloud keeps it only when its bytes
/// hash to the <see cref="Sha256"/> here and in the event that names the same evidence id.
/// </summary>
public sealed record EvidencePhoto : ContractMessage, IContractMessage<EvidencePhoto>
{
    public const string SchemaId = "edgeinv.evidence/1";

    /// <summary>Largest JPEG carried; a larger crop stays on the device (base64 makes the payload a third larger).</summary>
    public const int MaxJpegBytes = 512 * 1024;

    [JsonPropertyOrder(-100)]
    public override string Schema => SchemaId;

    public static string SchemaName => "edgeinv.evidence";

    public static int SchemaVersion => 1;

    public static int MaxPayloadBytes => (MaxJpegBytes + 2) / 3 * 4 + 4096;

    public static JsonTypeInfo<EvidencePhoto> JsonTypeInfo => ContractsJsonContext.Default.EvidencePhoto;

    /// <summary>The id in the discrepancy event's <c>evidence.evidenceId</c> and in the topic.</summary>
    public required string EvidenceId { get; init; }

    public required Guid DiscrepancyId { get; init; }

    /// <summary>The event id of the discrepancy event that carries the evidence reference.</summary>
    public required Guid SourceEventId { get; init; }

    public required string CameraId { get; init; }

    public string? ZoneId { get; init; }

    /// <summary>Always <c>image/jpeg</c> in version 1.</summary>
    public required string ContentType { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Jpeg"/>.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The image bytes (base64 in JSON).</summary>
    public required byte[] Jpeg { get; init; }

    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected internal override void Validate(List<string> problems)
    {
        base.Validate(problems);
        Add(problems, Identifiers.Check(EvidenceId, "evidence id"));
        Add(problems, Identifiers.Check(CameraId, "camera id"));
        if (ZoneId is not null)
        {
            Add(problems, Identifiers.Check(ZoneId, "zone id"));
        }
        if (ContentType != "image/jpeg")
        {
            problems.Add($"contentType '{ContentType}' is not image/jpeg");
        }
        if (Width <= 0 || Height <= 0 || Width > 16384 || Height > 16384)
        {
            problems.Add($"size {Width}x{Height} is outside 1..16384");
        }
        if (Jpeg.Length == 0)
        {
            problems.Add("jpeg is empty");
        }
        else if (Jpeg.Length > MaxJpegBytes)
        {
            problems.Add($"jpeg is {Jpeg.Length} bytes; at most {MaxJpegBytes}");
        }
        else if (Jpeg.Length < 3 || Jpeg[0] != 0xFF || Jpeg[1] != 0xD8 || Jpeg[2] != 0xFF)
        {
            problems.Add("jpeg does not start with a JPEG marker");
        }
        if (Sha256.Length != 64 || !Sha256.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            problems.Add("sha256 is not 64 lower-case hex digits");
        }
        else if (Jpeg.Length > 0 && HashOf(Jpeg) != Sha256)
        {
            problems.Add("sha256 does not match the jpeg bytes");
        }
    }
}
