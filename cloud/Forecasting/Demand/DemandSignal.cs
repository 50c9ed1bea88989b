namespace EdgeInventory.Forecasting.Demand;

/// <summary>
/// Builds daily store × SKU demand from what stores record: a sales/POS feed where there is one, otherwise
/// the depletion of shelf counts between restocks; then marks the days the cameras saw the shelf empty.
/// Days are the store's local calendar days (<see cref="StoreCalendar"/>). Library API the aggregator calls;
/// it holds no I/O.
/// </summary>
public static class DemandSignal
{
    /// <summary>
    /// Sums sales per local day over [<paramref name="firstDay"/>, <paramref name="lastDay"/>]; a day without a
    /// sale is an observed zero (the feed is complete). Returns count per key and records outside the range are skipped.
    /// Net negative days (more returns than sales) count as 0: returns are not negative demand.
    /// </summary>
    public static Dictionary<SeriesKey, DailyDemand> FromSales(IEnumerable<SaleRecord> sales, StoreCalendar calendar, DateOnly firstDay, DateOnly lastDay)
    {
        ArgumentNullException.ThrowIfNull(sales);
        ArgumentNullException.ThrowIfNull(calendar);
        int days = CheckRange(firstDay, lastDay);
        var result = new Dictionary<SeriesKey, DailyDemand>();
        foreach (var sale in sales)
        {
            if (!double.IsFinite(sale.Quantity))
                throw new ArgumentException($"sale of {sale.StoreId}/{sale.Sku} at {sale.Timestamp:O}: quantity is not a number", nameof(sales));
            var key = new SeriesKey(sale.StoreId, sale.Sku);
            int index = calendar.LocalDay(sale.StoreId, sale.Timestamp).DayNumber - firstDay.DayNumber;
            if (index < 0 || index >= days) continue;
            if (!result.TryGetValue(key, out var series))
                result[key] = series = new DailyDemand(key, firstDay, days);
            series.Quantity[index] += sale.Quantity;
        }
        foreach (var series in result.Values)
            for (int t = 0; t < days; t++)
                if (series.Quantity[t] < 0) series.Quantity[t] = 0;
        return result;
    }

    /// <summary>
    /// Infers demand from shelf counts: between two consecutive counts, demand = earlier count + known
    /// restocks in between − later count, spread over the local days in proportion to the time each
    /// covers. A rise of at least <paramref name="restockThreshold"/> units with no known restock means a
    /// restock of unknown size: the depletion in that interval cannot be seen, so its days are Missing
    /// (unless other intervals observed them). Smaller rises are count noise and give zero demand. Days
    /// no interval covers are Missing.
    /// </summary>
    public static Dictionary<SeriesKey, DailyDemand> FromShelfCounts(IEnumerable<ShelfCount> counts, IEnumerable<Restock>? restocks,
        StoreCalendar calendar, DateOnly firstDay, DateOnly lastDay, double restockThreshold = 1)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(calendar);
        int days = CheckRange(firstDay, lastDay);
        var restocksByKey = new Dictionary<SeriesKey, List<Restock>>();
        foreach (var r in restocks ?? [])
        {
            var key = new SeriesKey(r.StoreId, r.Sku);
            if (!restocksByKey.TryGetValue(key, out var list)) restocksByKey[key] = list = [];
            list.Add(r);
        }
        var result = new Dictionary<SeriesKey, DailyDemand>();
        foreach (var group in counts.GroupBy(c => new SeriesKey(c.StoreId, c.Sku)))
        {
            var key = group.Key;
            var ordered = group.Where(c => double.IsFinite(c.Count)).OrderBy(c => c.Timestamp).ToList();
            var known = restocksByKey.TryGetValue(key, out var list) ? list.OrderBy(r => r.Timestamp).ToList() : [];
            var series = new DailyDemand(key, firstDay, days);
            var observedShare = new double[days];
            var unobservedShare = new double[days];
            var dayStarts = new DateTimeOffset[days + 1];
            for (int d = 0; d <= days; d++) dayStarts[d] = calendar.StartOf(key.StoreId, firstDay.AddDays(d));
            int restockIndex = 0;
            for (int i = 1; i < ordered.Count; i++)
            {
                var (from, to) = (ordered[i - 1], ordered[i]);
                double delivered = 0;
                bool anyKnown = false;
                while (restockIndex < known.Count && known[restockIndex].Timestamp <= to.Timestamp)
                {
                    if (known[restockIndex].Timestamp > from.Timestamp) { delivered += known[restockIndex].Quantity; anyKnown = true; }
                    restockIndex++;
                }
                double depletion = from.Count + delivered - to.Count;
                bool hidden = !anyKnown && to.Count - from.Count >= restockThreshold;
                if (depletion < 0) depletion = 0; // count noise or an unbooked restock
                Spread(from.Timestamp, to.Timestamp, hidden ? 0 : depletion, dayStarts, series.Quantity, hidden ? unobservedShare : observedShare);
            }
            for (int d = 0; d < days; d++)
            {
                // A day is known when counts observed most of it; otherwise its demand is missing.
                series.Status[d] = observedShare[d] >= 0.5 && observedShare[d] >= unobservedShare[d] ? DayStatus.Observed : DayStatus.Missing;
                if (series.Status[d] == DayStatus.Observed && observedShare[d] < 0.999)
                    series.Quantity[d] /= observedShare[d]; // scale a partly observed day up to the whole day
            }
            result[key] = series;
        }
        return result;
    }

    /// <summary>
    /// Marks as Censored every observed day on which the shelf was empty for at least
    /// <paramref name="minimumEmptyShare"/> of the day, and records each day's in-stock share. Returns the
    /// number of days marked.
    /// </summary>
    public static int MarkStockOuts(DailyDemand series, IEnumerable<StockOutPeriod> periods, StoreCalendar calendar, double minimumEmptyShare = 0.05)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(calendar);
        if (!(minimumEmptyShare > 0 && minimumEmptyShare <= 1))
            throw new ArgumentOutOfRangeException(nameof(minimumEmptyShare), minimumEmptyShare, "must be in (0, 1]");
        int days = series.Days;
        var dayStarts = new DateTimeOffset[days + 1];
        for (int d = 0; d <= days; d++) dayStarts[d] = calendar.StartOf(series.Key.StoreId, series.FirstDay.AddDays(d));
        var empty = new double[days];
        var ignored = new double[days];
        foreach (var period in periods)
        {
            if (period.StoreId != series.Key.StoreId || period.Sku != series.Key.Sku) continue;
            if (period.End <= period.Start)
                throw new ArgumentException($"stock-out period of {series.Key} ends ({period.End:O}) before it starts ({period.Start:O})", nameof(periods));
            Spread(period.Start, period.End, 0, dayStarts, ignored, empty);
        }
        int marked = 0;
        for (int d = 0; d < days; d++)
        {
            series.InStockShare[d] = Math.Clamp(1 - empty[d], 0, 1);
            if (empty[d] >= minimumEmptyShare && series.Status[d] == DayStatus.Observed)
            {
                series.Status[d] = DayStatus.Censored;
                marked++;
            }
        }
        return marked;
    }

    /// <summary>Distributes <paramref name="amount"/> over the days [from, to) overlaps, by time, and adds each day's covered share.</summary>
    private static void Spread(DateTimeOffset from, DateTimeOffset to, double amount, DateTimeOffset[] dayStarts, double[] quantity, double[] share)
    {
        double total = (to - from).TotalSeconds;
        if (total <= 0) return;
        int days = quantity.Length;
        // First day whose end is after `from`.
        int d = Array.BinarySearch(dayStarts, from);
        d = d >= 0 ? d : ~d - 1;
        for (d = Math.Max(0, d); d < days && dayStarts[d] < to; d++)
        {
            var start = from > dayStarts[d] ? from : dayStarts[d];
            var end = to < dayStarts[d + 1] ? to : dayStarts[d + 1];
            double seconds = (end - start).TotalSeconds;
            if (seconds <= 0) continue;
            quantity[d] += amount * seconds / total;
            share[d] += seconds / (dayStarts[d + 1] - dayStarts[d]).TotalSeconds;
        }
    }

    private static int CheckRange(DateOnly firstDay, DateOnly lastDay)
    {
        if (lastDay < firstDay)
            throw new ArgumentException($"last day {lastDay:yyyy-MM-dd} is before first day {firstDay:yyyy-MM-dd}", nameof(lastDay));
        return lastDay.DayNumber - firstDay.DayNumber + 1;
    }
}
