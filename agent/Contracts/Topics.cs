namespace EdgeInventory.Contracts;

/// <summary>
/// The MQTT topic layout. Edge → cloud topics live under <c>edgeinv/&lt;store&gt;/&lt;device&gt;/</c> so a
/// broker ACL pattern <c>edgeinv/%u/#</c> confines a store's credentials (username = store id) to its own
/// data; cloud → edge commands live under <c>edgeinv/cmd/&lt;store&gt;/</c>, which a store may only read.
/// </summary>
public static class Topics
{
    public const string Root = "edgeinv";
    public const string CommandSegment = "cmd";
    public const string AlertsSegment = "alerts";

    // Leaf names, one per message kind.
    public const string StatusLeaf = "status";
    public const string HeartbeatLeaf = "heartbeat";
    public const string DiscrepancyLeaf = "discrepancy";
    public const string CountsLeaf = "counts";
    public const string ExpectedStockLeaf = "expected-stock";
    public const string ScannerCountLeaf = "scanner-count";
    public const string EvidenceLeaf = "evidence";

    /// <summary>Retained online/offline status; also the device's last will.</summary>
    public static string DeviceStatus(string storeId, string deviceId) => Device(storeId, deviceId, StatusLeaf);

    public static string Heartbeat(string storeId, string deviceId) => Device(storeId, deviceId, HeartbeatLeaf);

    public static string Discrepancy(string storeId, string deviceId) => Device(storeId, deviceId, DiscrepancyLeaf);

    public static string ZoneCounts(string storeId, string deviceId) => Device(storeId, deviceId, CountsLeaf);

    /// <summary>The evidence photo of a discrepancy: <c>edgeinv/&lt;store&gt;/&lt;device&gt;/evidence/&lt;evidenceId&gt;</c>.</summary>
    public static string Evidence(string storeId, string deviceId, string evidenceId) =>
        $"{Device(storeId, deviceId, EvidenceLeaf)}/{Identifiers.Require(evidenceId, "evidence id")}";

    /// <summary>Cloud side: every device's evidence photos, <c>edgeinv/+/+/evidence/+</c>.</summary>
    public static string AllEvidence => $"{Root}/+/+/{EvidenceLeaf}/+";

    /// <summary>Cloud → edge: expected stock for a store (all its devices read it).</summary>
    public static string ExpectedStock(string storeId) => Command(storeId, ExpectedStockLeaf);

    /// <summary>Cloud → edge: authoritative handheld scanner counts for a store.</summary>
    public static string ScannerCount(string storeId) => Command(storeId, ScannerCountLeaf);

    /// <summary>Cloud → operators: shortage and discrepancy alerts of one store.</summary>
    public static string OperatorAlerts(string storeId) =>
        $"{Root}/{AlertsSegment}/{Identifiers.Require(storeId, "store id")}";

    /// <summary>Everything a store's devices may receive: <c>edgeinv/cmd/&lt;store&gt;/#</c>.</summary>
    public static string CommandFilter(string storeId) => $"{Root}/{CommandSegment}/{Identifiers.Require(storeId, "store id")}/#";

    /// <summary>Cloud side: every device's messages of one kind, e.g. <c>edgeinv/+/+/discrepancy</c>.</summary>
    public static string AllDevices(string leaf) => $"{Root}/+/+/{leaf}";

    private static string Device(string storeId, string deviceId, string leaf) =>
        $"{Root}/{Identifiers.Require(storeId, "store id")}/{Identifiers.Require(deviceId, "device id")}/{leaf}";

    private static string Command(string storeId, string leaf) =>
        $"{Root}/{CommandSegment}/{Identifiers.Require(storeId, "store id")}/{leaf}";
}
