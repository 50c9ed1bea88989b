namespace EdgeInventory.Forecasting.Demand;

/// <summary>A store × SKU: the unit every series, stock level and recommendation is kept for.</summary>
public readonly record struct SeriesKey(string StoreId, string Sku)
{
    public override string ToString() => $"{StoreId}/{Sku}";
}

/// <summary>One line of a sales/POS feed: units of a SKU sold in a store at an instant (negative: a return).</summary>
public readonly record struct SaleRecord(string StoreId, string Sku, DateTimeOffset Timestamp, double Quantity);

/// <summary>A shelf count from the cameras (or a handheld scan): units of a SKU seen on the shelf at an instant.</summary>
public readonly record struct ShelfCount(string StoreId, string Sku, DateTimeOffset Timestamp, double Count);

/// <summary>A restock of known size put on the shelf at an instant (a delivery booked in, a shelf fill).</summary>
public readonly record struct Restock(string StoreId, string Sku, DateTimeOffset Timestamp, double Quantity);

/// <summary>A camera-detected period during which the shelf of a SKU was empty ([Start, End)).</summary>
public readonly record struct StockOutPeriod(string StoreId, string Sku, DateTimeOffset Start, DateTimeOffset End);

/// <summary>What is known about one day of a daily demand series.</summary>
public enum DayStatus : byte
{
    /// <summary>Demand observed (sales, or depletion between counts).</summary>
    Observed,
    /// <summary>The shelf was empty for part of the day: the value is a lower bound on demand.</summary>
    Censored,
    /// <summary>Nothing is known (no feed, or a restock of unknown size hid the depletion).</summary>
    Missing,
}

/// <summary>How censored (stock-out) days enter a forecast's history.</summary>
public enum CensoredDemandTreatment
{
    /// <summary>As recorded: the forecast learns the lost sales as low demand (for comparison only).</summary>
    Keep,
    /// <summary>Dropped from the history (the series gets shorter; only for methods without a weekly season).</summary>
    Exclude,
    /// <summary>Marked missing (NaN), so <see cref="Methods.SeriesGuard"/> interpolates them from the neighbouring days.</summary>
    Interpolate,
    /// <summary>Replaced by the larger of the recorded value and the mean of uncensored days of the same weekday within four weeks.</summary>
    Impute,
}
