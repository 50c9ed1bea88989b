using BenchmarkDotNet.Attributes;
using EdgeInventory.Forecasting.Batch;
using EdgeInventory.Forecasting.Demand;
using EdgeInventory.Forecasting.Methods;
using EdgeInventory.Tools;

namespace EdgeInventory.Benchmarks;

/// <summary>
/// Forecasting per series: automatic ETS on a monthly series of M3's typical length (the R comparison's
/// workload), Akaike-weighted ETS, Theta, DOTM and `auto`, the daily default on a year of intermittent and of smooth demand, SSA, and one
/// store × SKU through the whole replenishment plan. Series are generated (no ../shared data needed);
/// the memory diagnoser shows what each call allocates beyond its per-thread workspace.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class ForecastingBenchmarks
{
    private readonly ForecastWorkspace _workspace = new();
    private readonly double[] _monthlyForecast = new double[18];
    private readonly double[] _dailyForecast = new double[28];
    private readonly EtsMethod _ets = new EtsMethod();
    private readonly ThetaMethod _theta = new ThetaMethod();
    private readonly DynamicOptimisedThetaMethod _dotm = new DynamicOptimisedThetaMethod();
    private readonly EtsAkaikeWeightedMethod _etsWeighted = new EtsAkaikeWeightedMethod();
    private readonly AutoMethod _auto = new AutoMethod();
    private readonly DailyMethod _daily = new DailyMethod();
    private readonly SsaMethod _ssa = new SsaMethod();
    private double[] _monthly = null!;
    private double[] _smoothDaily = null!;
    private double[] _intermittentDaily = null!;
    private BatchSeries _item = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        // 126 months: trend, multiplicative season and noise, like an M3 monthly series.
        _monthly = Enumerable.Range(0, 126)
            .Select(t => (4000 + 12 * t) * (1 + 0.15 * Math.Sin(2 * Math.PI * t / 12)) * (1 + 0.04 * (rng.NextDouble() - 0.5))).ToArray();
        _smoothDaily = Enumerable.Range(0, 365).Select(t => Math.Round((t % 7 >= 5 ? 14 : 9) + 3 * (rng.NextDouble() - 0.5))).ToArray();
        _intermittentDaily = Enumerable.Range(0, 365).Select(_ => rng.NextDouble() < 0.15 ? 1 + Math.Floor(rng.NextDouble() * 4) : 0).ToArray();
        _item = new BatchSeries(new SeriesKey("store-1", "sku-1"), new DateOnly(2024, 1, 1), _smoothDaily, 40, 0, ReplenishmentSettings.Default);
    }

    [Benchmark(Baseline = true, Description = "ETS auto (AICc over 15 models), monthly n=126")]
    public double EtsAuto()
    {
        _ets.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "Theta, monthly n=126")]
    public double Theta()
    {
        _theta.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "DOTM (dynamic optimised Theta), monthly n=126")]
    public double Dotm()
    {
        _dotm.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "ETS Akaike-weighted (15 models searched in full), monthly n=126")]
    public double EtsWeighted()
    {
        _etsWeighted.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "auto (ets-aicw + dotm + theta), monthly n=126")]
    public double Auto()
    {
        _auto.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "SSA (window 24, exact rank), monthly n=126")]
    public double Ssa()
    {
        _ssa.Forecast(_monthly, 12, _monthlyForecast, _workspace);
        return _monthlyForecast[0];
    }

    [Benchmark(Description = "daily default, smooth year")]
    public double DailySmooth()
    {
        _daily.Forecast(_smoothDaily, 7, _dailyForecast, _workspace);
        return _dailyForecast[0];
    }

    [Benchmark(Description = "daily default, intermittent year")]
    public double DailyIntermittent()
    {
        _daily.Forecast(_intermittentDaily, 7, _dailyForecast, _workspace);
        return _dailyForecast[0];
    }

    [Benchmark(Description = "replenishment plan of one store x SKU (forecast, ROP, stock-out date)")]
    public double Plan() => ReplenishmentBatch.Plan(_item, _daily, 28, _workspace).Recommendation.OrderUpTo;
}
