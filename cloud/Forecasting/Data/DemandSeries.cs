namespace EdgeInventory.Forecasting.Data;

/// <summary>
/// One series of the long evaluation format: the history a forecaster may see (<see cref="Train"/>)
/// and the held-out horizon used only for scoring (<see cref="Test"/>).
/// </summary>
/// <param name="Id">Series key (M3 id, SKU id...).</param>
/// <param name="Period">Category: YEARLY, QUARTERLY, MONTHLY, OTHER, INTERMITTENT, DAILY...</param>
/// <param name="Type">Free domain label (MICRO, INDUSTRY, CARPARTS...).</param>
/// <param name="Train">History, oldest first. May contain NaN where a value was missing.</param>
/// <param name="Test">Held-out future values, oldest first; empty when there is none.</param>
public sealed record DemandSeries(string Id, string Period, string Type, double[] Train, double[] Test)
{
    /// <summary>Season length used by the methods and by MASE's scaling for this category.</summary>
    public int SeasonLength => SeasonLengths.ForPeriod(Period);
}

/// <summary>Season lengths per category, as the M3 convention and the data README fix them.</summary>
public static class SeasonLengths
{
    /// <summary>12 for MONTHLY, 4 for QUARTERLY, 7 for DAILY, 52 for WEEKLY, 1 otherwise (YEARLY, OTHER, INTERMITTENT).</summary>
    public static int ForPeriod(string period) => period.ToUpperInvariant() switch
    {
        "MONTHLY" => 12,
        "QUARTERLY" => 4,
        "DAILY" => 7,
        "WEEKLY" => 52,
        _ => 1,
    };
}
