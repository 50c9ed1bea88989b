namespace EdgeInventory.Forecasting.Demand;

/// <summary>
/// The daily demand of one store × SKU over consecutive local days: a quantity and a status per day,
/// and the share of each day the shelf had stock (1 unless stock-out periods were marked).
/// </summary>
public sealed class DailyDemand
{
    public DailyDemand(SeriesKey key, DateOnly firstDay, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        Key = key;
        FirstDay = firstDay;
        Quantity = new double[days];
        Status = new DayStatus[days];
        InStockShare = new double[days];
        Array.Fill(InStockShare, 1.0);
    }

    public SeriesKey Key { get; }
    public DateOnly FirstDay { get; }
    public int Days => Quantity.Length;
    public DateOnly LastDay => FirstDay.AddDays(Days - 1);
    public double[] Quantity { get; }
    public DayStatus[] Status { get; }
    /// <summary>Share of the day (trading hours) the shelf was not empty, in [0, 1].</summary>
    public double[] InStockShare { get; }

    public int IndexOf(DateOnly day) => day.DayNumber - FirstDay.DayNumber;

    public int CountOf(DayStatus status)
    {
        int count = 0;
        foreach (var s in Status) if (s == status) count++;
        return count;
    }

    /// <summary>
    /// The history a forecaster should see: missing days as NaN (the guard interpolates them) and censored
    /// days treated as asked, so that forecasts do not learn zero demand from empty shelves.
    /// </summary>
    public double[] History(CensoredDemandTreatment treatment)
    {
        var result = new List<double>(Days);
        for (int t = 0; t < Days; t++)
        {
            switch (Status[t])
            {
                case DayStatus.Missing:
                    result.Add(double.NaN);
                    break;
                case DayStatus.Censored when treatment == CensoredDemandTreatment.Exclude:
                    break;
                case DayStatus.Censored when treatment == CensoredDemandTreatment.Interpolate:
                    result.Add(double.NaN);
                    break;
                case DayStatus.Censored when treatment == CensoredDemandTreatment.Impute:
                    result.Add(Math.Max(Quantity[t], SameWeekdayMean(t)));
                    break;
                default:
                    result.Add(Quantity[t]);
                    break;
            }
        }
        return [.. result];
    }

    /// <summary>Mean of the uncensored observed days on the same weekday within four weeks either side; else of all observed days; else the recorded value.</summary>
    private double SameWeekdayMean(int t)
    {
        double sum = 0;
        int count = 0;
        for (int k = -4; k <= 4; k++)
        {
            int i = t + 7 * k;
            if (k == 0 || i < 0 || i >= Days || Status[i] != DayStatus.Observed) continue;
            sum += Quantity[i];
            count++;
        }
        if (count > 0) return sum / count;
        for (int i = 0; i < Days; i++)
        {
            if (Status[i] != DayStatus.Observed) continue;
            sum += Quantity[i];
            count++;
        }
        return count > 0 ? sum / count : Quantity[t];
    }
}
