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
}
