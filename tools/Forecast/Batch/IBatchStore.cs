using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;

namespace EdgeInventory.Forecast.Cli.Batch;

/// <summary>One row of demand history: a day's quantity (null: nothing known) and whether the shelf was empty.</summary>
internal readonly record struct DemandRow(SeriesKey Key, DateOnly Day, double? Quantity, bool Censored);

/// <summary>Where a batch reads its inputs and writes its results (SQLite, PostgreSQL or CSV files).</summary>
internal interface IBatchStore : IDisposable
{
    /// <summary>Every demand row, in any order.</summary>
    IEnumerable<DemandRow> ReadDemand();

    Dictionary<SeriesKey, (double OnHand, double OnOrder)> ReadStock();

    /// <summary>Settings per key; a row with sku '*' applies to a whole store, store_id '*' and sku '*' to all.</summary>
    Dictionary<SeriesKey, ReplenishmentSettings> ReadSettings();

    /// <summary>Writes (replacing earlier results of the same run for these series) forecasts and recommendations.</summary>
    void Write(string runId, IReadOnlyList<BatchOutcome> outcomes);
}
