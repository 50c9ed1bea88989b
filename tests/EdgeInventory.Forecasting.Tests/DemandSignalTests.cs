using EdgeInventory.Forecasting.Demand;
using EdgeInventory.Forecasting.Methods;

namespace EdgeInventory.Forecasting.Tests;

/// <summary>Daily demand from sales feeds and shelf counts, in each store's local days, with stock-out censoring.</summary>
public class DemandSignalTests
{
    private static readonly StoreCalendar Calendar = StoreCalendar.Create(
        new Dictionary<string, string> { ["nyc"] = "America/New_York", ["paris"] = "Europe/Paris" });

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Sales_count_on_the_stores_local_day()
    {
        // The same instant is late evening in New York and already the next morning in Paris.
        var instant = At("2024-03-09T23:30:00-05:00");
        var sales = new[]
        {
            new SaleRecord("nyc", "milk", instant, 2),
            new SaleRecord("paris", "milk", instant, 3),
            new SaleRecord("nyc", "milk", At("2024-03-11T12:00:00-04:00"), 5),
            new SaleRecord("nyc", "milk", At("2024-03-11T13:00:00-04:00"), -7), // more returns than sales that day
        };
        var daily = DemandSignal.FromSales(sales, Calendar, new DateOnly(2024, 3, 9), new DateOnly(2024, 3, 11));
        var nyc = daily[new SeriesKey("nyc", "milk")];
        var paris = daily[new SeriesKey("paris", "milk")];
        Assert.Equal([2.0, 0, 0], nyc.Quantity);
        Assert.Equal([0.0, 3, 0], paris.Quantity);
        Assert.All(nyc.Status, s => Assert.Equal(DayStatus.Observed, s));
    }

    [Fact]
    public void A_store_without_a_time_zone_or_an_unknown_zone_is_a_clear_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => DemandSignal.FromSales(
            [new SaleRecord("berlin", "milk", At("2024-01-01T10:00:00Z"), 1)], Calendar, new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 2)));
        Assert.Contains("store 'berlin' has no time zone", ex.Message, StringComparison.Ordinal);
        var zone = Assert.Throws<ArgumentException>(() => StoreCalendar.Create(new Dictionary<string, string> { ["x"] = "Mars/Olympus" }));
        Assert.Contains("store 'x': unknown time zone 'Mars/Olympus'", zone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shelf_depletion_between_counts_is_spread_over_local_days_by_time()
    {
        // 12 units gone between 18:00 on the 1st and 06:00 on the 3rd (36 h): 6 h, 24 h and 6 h of it per day.
        var counts = new[]
        {
            new ShelfCount("paris", "tea", At("2024-01-01T18:00:00+01:00"), 20),
            new ShelfCount("paris", "tea", At("2024-01-03T06:00:00+01:00"), 8),
        };
        var series = DemandSignal.FromShelfCounts(counts, null, Calendar, new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 3))[new SeriesKey("paris", "tea")];
        // Days 1 and 3 are only a quarter observed: below half, so their demand is unknown.
        Assert.Equal([DayStatus.Missing, DayStatus.Observed, DayStatus.Missing], series.Status);
        Assert.Equal(8, series.Quantity[1], 9);
    }

    [Fact]
    public void A_known_restock_keeps_the_depletion_visible_and_an_unknown_one_hides_it()
    {
        var counts = new[]
        {
            new ShelfCount("nyc", "tea", At("2024-06-01T00:00:00-04:00"), 10),
            new ShelfCount("nyc", "tea", At("2024-06-02T00:00:00-04:00"), 25), // restocked in between
            new ShelfCount("nyc", "tea", At("2024-06-03T00:00:00-04:00"), 19),
        };
        var restock = new[] { new Restock("nyc", "tea", At("2024-06-01T10:00:00-04:00"), 20) };
        var first = new DateOnly(2024, 6, 1);
        var withRestock = DemandSignal.FromShelfCounts(counts, restock, Calendar, first, first.AddDays(1))[new SeriesKey("nyc", "tea")];
        Assert.Equal([5.0, 6.0], withRestock.Quantity); // 10 + 20 − 25, then 25 − 19
        var without = DemandSignal.FromShelfCounts(counts, null, Calendar, first, first.AddDays(1))[new SeriesKey("nyc", "tea")];
        Assert.Equal([DayStatus.Missing, DayStatus.Observed], without.Status);
        Assert.Equal(6.0, without.Quantity[1]);
    }

    [Fact]
    public void Local_days_follow_daylight_saving()
    {
        // New York springs forward on 10 March 2024: that local day lasts 23 hours.
        var start = Calendar.StartOf("nyc", new DateOnly(2024, 3, 10));
        var end = Calendar.StartOf("nyc", new DateOnly(2024, 3, 11));
        Assert.Equal(TimeSpan.FromHours(23), end - start);
    }

    [Fact]
    public void Stock_out_days_are_censored_and_treated_so_forecasts_do_not_learn_zero_demand()
    {
        var first = new DateOnly(2024, 1, 1);
        var sales = new List<SaleRecord>();
        for (int d = 0; d < 56; d++)
        {
            // 10 a day, except the last week, when the shelf emptied each morning after 2 sold.
            double sold = d >= 49 ? 2 : 10;
            sales.Add(new SaleRecord("paris", "tea", new DateTimeOffset(first.AddDays(d).ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(1)), sold));
        }
        var series = DemandSignal.FromSales(sales, Calendar, first, first.AddDays(55))[new SeriesKey("paris", "tea")];
        var emptyFrom = new DateTimeOffset(first.AddDays(49).ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(1));
        int marked = DemandSignal.MarkStockOuts(series, [new StockOutPeriod("paris", "tea", emptyFrom, emptyFrom.AddDays(6.5))], Calendar);
        Assert.Equal(7, marked);
        Assert.Equal(DayStatus.Censored, series.Status[52]);
        Assert.True(series.InStockShare[52] < 0.01);

        Assert.Equal(56, series.History(CensoredDemandTreatment.Keep).Length);
        Assert.Equal(49, series.History(CensoredDemandTreatment.Exclude).Length);
        Assert.True(double.IsNaN(series.History(CensoredDemandTreatment.Interpolate)[52]));
        Assert.Equal(10, series.History(CensoredDemandTreatment.Impute)[52]);

        var workspace = new ForecastWorkspace();
        var kept = new double[7];
        var imputed = new double[7];
        var interpolated = new double[7];
        SeriesGuard.Forecast(new DailyMethod(), series.History(CensoredDemandTreatment.Keep), 7, kept, workspace, nonNegativeDemand: true);
        SeriesGuard.Forecast(new DailyMethod(), series.History(CensoredDemandTreatment.Impute), 7, imputed, workspace, nonNegativeDemand: true);
        SeriesGuard.Forecast(new DailyMethod(), series.History(CensoredDemandTreatment.Interpolate), 7, interpolated, workspace, nonNegativeDemand: true);
        Assert.True(kept[0] < 9, $"kept {kept[0]}");
        Assert.InRange(imputed[0], 9.9, 10.1);
        Assert.InRange(interpolated[0], 9.9, 10.1);
    }

    [Fact]
    public void Pos_csv_is_read_and_a_timestamp_without_offset_is_refused_with_its_line()
    {
        const string good = "store_id,sku,timestamp,quantity,till\nnyc,milk,2024-01-01T10:00:00-05:00,2,7\nparis,tea,2024-01-01T10:00:00Z,1.5,3\n";
        var sales = PosSalesCsvReader.Read(new StringReader(good), "pos.csv");
        Assert.Equal(2, sales.Count);
        Assert.Equal(At("2024-01-01T15:00:00Z"), sales[0].Timestamp);
        Assert.Equal(1.5, sales[1].Quantity);

        var ex = Assert.Throws<InvalidDataException>(() => PosSalesCsvReader.Read(
            new StringReader("store_id,sku,timestamp,quantity\nnyc,milk,2024-01-01T10:00:00Z,1\nnyc,milk,2024-01-01 10:00:00,1\n"), "pos.csv"));
        Assert.Contains("pos.csv:3: timestamp '2024-01-01 10:00:00'", ex.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<InvalidDataException>(() => PosSalesCsvReader.Read(new StringReader("store_id,sku,quantity\n"), "pos.csv"));
        Assert.Contains("no column 'timestamp'", bad.Message, StringComparison.Ordinal);
    }
}
