namespace EdgeInventory.Forecasting.Demand;

/// <summary>
/// Each store's time zone, so that a sale at 23:30 local time counts on that local day whatever the
/// server's clock says. Built and validated once, before any record is read.
/// </summary>
public sealed class StoreCalendar
{
    private readonly Dictionary<string, TimeZoneInfo> _zones;
    private readonly TimeZoneInfo? _default;

    private StoreCalendar(Dictionary<string, TimeZoneInfo> zones, TimeZoneInfo? defaultZone)
    {
        _zones = zones;
        _default = defaultZone;
    }

    /// <param name="storeZones">Store id → IANA time zone id (e.g. "Europe/Paris").</param>
    /// <param name="defaultZone">Zone for stores not listed; null makes an unlisted store an error.</param>
    /// <exception cref="ArgumentException">A zone id the system does not know, naming the store and the id.</exception>
    public static StoreCalendar Create(IEnumerable<KeyValuePair<string, string>> storeZones, string? defaultZone = null)
    {
        ArgumentNullException.ThrowIfNull(storeZones);
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        foreach (var (store, zone) in storeZones)
            zones[store] = Find(zone, $"store '{store}'");
        return new StoreCalendar(zones, defaultZone is null ? null : Find(defaultZone, "the default time zone"));
    }

    /// <summary>Every store in one zone (UTC when null).</summary>
    public static StoreCalendar Uniform(string? zone = null) =>
        new([], zone is null ? TimeZoneInfo.Utc : Find(zone, "the time zone"));

    public TimeZoneInfo ZoneOf(string storeId) =>
        _zones.TryGetValue(storeId, out var zone) ? zone
        : _default ?? throw new ArgumentException($"store '{storeId}' has no time zone in the store calendar", nameof(storeId));

    /// <summary>The store's local calendar day at an instant.</summary>
    public DateOnly LocalDay(string storeId, DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, ZoneOf(storeId)).DateTime);

    /// <summary>The instant a local day starts in the store (the first valid local time after a DST gap at midnight).</summary>
    public DateTimeOffset StartOf(string storeId, DateOnly day)
    {
        var zone = ZoneOf(storeId);
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static TimeZoneInfo Find(string id, string what)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"{what}: unknown time zone '{id}' ({ex.Message})", nameof(id), ex);
        }
    }
}
