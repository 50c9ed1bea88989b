using EdgeInventory.Contracts;

namespace EdgeInventory.Testing;

/// <summary>Valid contract messages for the outbox and delivery tests and the test host they start.</summary>
internal static class TestMessages
{
    /// <summary>An out-of-stock start in <paramref name="zone"/>, fresh event and discrepancy ids, at <paramref name="at"/> (default now).</summary>
    public static DiscrepancyEvent Discrepancy(string zone, string store = "s042", DateTimeOffset? at = null)
    {
        DateTimeOffset when = at ?? DateTimeOffset.UtcNow;
        return new()
        {
            EventId = EventIds.NewId(),
            OccurredAt = when,
            StoreId = store,
            DeviceId = "edge-01",
            ModelVersion = "test-model 1",
            DiscrepancyId = EventIds.NewId(),
            Phase = DiscrepancyPhase.Start,
            Kind = DiscrepancyKind.OutOfStock,
            Severity = Severity.Critical,
            CameraId = "cam-1",
            ZoneId = zone,
            LocationId = $"{store}/A1/B1/{zone}",
            StartedAt = when,
        };
    }

    /// <summary>
    /// The evidence photo of <paramref name="e"/> (an evidence id of its own; the event itself need not name it):
    /// <paramref name="size"/> bytes that start like a JPEG, which is all the contract checks of the image.
    /// </summary>
    public static EvidencePhoto Evidence(DiscrepancyEvent e, int size = 256)
    {
        byte[] jpeg = new byte[size];
        Random.Shared.NextBytes(jpeg);
        jpeg[0] = 0xFF;
        jpeg[1] = 0xD8;
        jpeg[2] = 0xFF;
        return new()
        {
            EventId = EventIds.NewId(),
            OccurredAt = e.OccurredAt,
            StoreId = e.StoreId,
            DeviceId = e.DeviceId,
            ModelVersion = e.ModelVersion,
            EvidenceId = "ev-" + e.EventId.ToString("N"),
            DiscrepancyId = e.DiscrepancyId,
            SourceEventId = e.EventId,
            CameraId = e.CameraId,
            ZoneId = e.ZoneId,
            ContentType = "image/jpeg",
            Width = 32,
            Height = 16,
            Sha256 = EvidencePhoto.HashOf(jpeg),
            Jpeg = jpeg,
        };
    }

    /// <summary>A valid cloud update of these items (fresh event id); the reconciliation and persistence tests build theirs with it.</summary>
    public static ExpectedStockUpdate ExpectedStock(ExpectedStockMode mode, params ExpectedStockItem[] items) => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = DateTimeOffset.UtcNow,
        StoreId = "s042",
        DeviceId = "replenishment",
        ModelVersion = null,
        Mode = mode,
        EffectiveAt = DateTimeOffset.UtcNow,
        Items = items,
    };
}
