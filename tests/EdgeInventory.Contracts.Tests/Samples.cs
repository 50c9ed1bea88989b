using EdgeInventory.Contracts;

namespace EdgeInventory.Contracts.Tests;

/// <summary>One valid message of each kind, shared by the tests.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset At = new(2025, 6, 12, 9, 41, 7, 250, TimeSpan.Zero);

    public static DiscrepancyEvent Discrepancy() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "edge-01",
        ModelVersion = "shelf-yolo11n 2025.06.1",
        DiscrepancyId = Guid.Parse("01976349-6f1a-7c3e-9d2b-4a5c6e7f8091"),
        Phase = DiscrepancyPhase.Start,
        Kind = DiscrepancyKind.BelowMinimum,
        Severity = Severity.Warning,
        CameraId = "cam-aisle-3",
        ZoneId = "a3-b2-s4",
        LocationId = "s042/A3/B2/S4",
        Sku = "7310865004703",
        ObservedUnits = 2,
        ExpectedUnits = 12,
        ObservedFacings = 1,
        PlannedFacings = 4,
        EmptyFraction = 0.68,
        StartedAt = At.AddSeconds(-20),
        Evidence = new EvidenceRef { EvidenceId = "ev-20250612-094107-a3b2s4", Sha256 = new string('a', 64), Width = 320, Height = 180 },
        Detail = "2 of 12 units; minimum 3 facings",
    };

    public static ZoneCountSnapshot Counts() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "edge-01",
        ModelVersion = "shelf-yolo11n 2025.06.1",
        CameraId = "cam-aisle-3",
        WindowStart = At.AddMinutes(-1),
        WindowEnd = At,
        Zones =
        [
            new ZoneCount { ZoneId = "a3-b2-s4", LocationId = "s042/A3/B2/S4", Sku = "7310865004703", Facings = 1, Units = 2, EmptyFraction = 0.68, Occluded = false },
            new ZoneCount { ZoneId = "a3-b2-s5", LocationId = "s042/A3/B2/S5", Sku = "7310865001177", Facings = 5, Units = 15, EmptyFraction = 0.04, Occluded = false },
        ],
    };

    public static DeviceStatus Status(DeviceState state = DeviceState.Online) => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "edge-01",
        ModelVersion = "shelf-yolo11n 2025.06.1",
        State = state,
        Reason = state == DeviceState.Online ? "connected" : "connection lost",
        AgentVersion = "0.1.0",
    };

    public static Heartbeat Heartbeat() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "edge-01",
        ModelVersion = "shelf-yolo11n 2025.06.1",
        UptimeSeconds = 86_412,
        Cameras =
        [
            new CameraHealth { CameraId = "cam-aisle-3", State = CameraState.Up, FramesCaptured = 17_280, FramesSkipped = 3 },
            new CameraHealth { CameraId = "cam-aisle-4", State = CameraState.Restarting, FramesCaptured = 16_904, FramesSkipped = 0 },
        ],
        OutboxPending = 0,
        OutboxOldestAgeSeconds = null,
        OpenDiscrepancies = 4,
    };

    public static ScannerCount Scanner() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "scanner-17",
        ModelVersion = null,
        LocationId = "s042/A3/B2/S4",
        Sku = "7310865004703",
        Quantity = 3,
        CountedAt = At.AddSeconds(-5),
    };

    public static ExpectedStockUpdate ExpectedStock() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "replenishment",
        ModelVersion = null,
        Mode = ExpectedStockMode.Merge,
        EffectiveAt = At,
        Items =
        [
            new ExpectedStockItem { LocationId = "s042/A3/B2/S4", Sku = "7310865004703", ExpectedUnits = 12, MinFacings = 3, Capacity = 16 },
        ],
    };

    public static OperatorAlert Alert() => new()
    {
        EventId = EventIds.NewId(),
        OccurredAt = At,
        StoreId = "s042",
        DeviceId = "aggregator",
        ModelVersion = "shelf-yolo11n 2025.06.1",
        AlertId = Guid.Parse("01976349-7000-7abc-8def-0123456789ab"),
        State = AlertState.Raised,
        Severity = Severity.Critical,
        Kind = DiscrepancyKind.OutOfStock,
        LocationId = "s042/A3/B2/S4",
        Sku = "7310865004703",
        Message = "Out of stock at A3/B2/S4 (7310865004703) for 25 min; 40 units in the back room",
        SourceEventIds = [Guid.Parse("01976349-6f1a-7c3e-9d2b-4a5c6e7f8091")],
    };
}
