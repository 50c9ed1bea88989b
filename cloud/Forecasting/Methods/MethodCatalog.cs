namespace EdgeInventory.Forecasting.Methods;

/// <summary>The methods by their command-line names.</summary>
public static class MethodCatalog
{
    private static readonly Dictionary<string, Func<IForecastMethod>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["naive"] = () => new NaiveMethod(),
        ["snaive"] = () => new SeasonalNaiveMethod(),
        ["mean"] = () => new MeanMethod(),
        ["ets"] = () => new EtsMethod(),
        ["ets-aicw"] = () => new EtsAkaikeWeightedMethod(),
        ["theta"] = () => new ThetaMethod(),
        ["otm"] = () => new OptimisedThetaMethod(),
        ["dotm"] = () => new DynamicOptimisedThetaMethod(),
        ["ets-theta"] = () => new CombinationMethod("ets-theta", new EtsMethod(), new ThetaMethod()),
        ["ses"] = () => new FixedEtsMethod("ses", new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None)),
        ["damped"] = () => new FixedEtsMethod("damped", new EtsModelSpec(EtsError.Additive, EtsTrend.AdditiveDamped, EtsSeason.None)),
        ["holt"] = () => new FixedEtsMethod("holt", new EtsModelSpec(EtsError.Additive, EtsTrend.Additive, EtsSeason.None)),
        ["naive2"] = () => new SeasonallyAdjustedMethod("naive2", new NaiveMethod()),
        ["sa-ses"] = () => new SeasonallyAdjustedMethod("sa-ses", new FixedEtsMethod("ses", new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None))),
        ["sa-holt"] = () => new SeasonallyAdjustedMethod("sa-holt", new FixedEtsMethod("holt", new EtsModelSpec(EtsError.Additive, EtsTrend.Additive, EtsSeason.None))),
        ["sa-damped"] = () => new SeasonallyAdjustedMethod("sa-damped", new FixedEtsMethod("damped", new EtsModelSpec(EtsError.Additive, EtsTrend.AdditiveDamped, EtsSeason.None))),
        ["arima"] = () => new AutoArimaMethod(),
        ["croston"] = () => new CrostonMethod(CrostonVariant.Classic),
        ["croston-opt"] = () => new CrostonMethod(CrostonVariant.Classic, optimised: true),
        ["sba"] = () => new CrostonMethod(CrostonVariant.Sba),
        ["sba-opt"] = () => new CrostonMethod(CrostonVariant.Sba, optimised: true),
        ["tsb"] = () => new TsbMethod(),
        ["adida"] = () => new AdidaMethod(),
        ["imapa"] = () => new AdidaMethod(multipleAggregation: true),
        ["ssa"] = () => new SsaMethod(),
        ["daily"] = () => new DailyMethod(),
        ["zero"] = () => new ZeroMethod(),
        ["auto"] = () => new AutoMethod(),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    private const string MedianPrefix = "median:";

    /// <summary>
    /// A name, or names joined by '+' for the equal-weight mean of those methods (e.g. "ets+theta+damped"),
    /// or "median:" before such a list for their median (e.g. "median:theta+naive2+sa-damped").
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known method; the message lists the known ones.</exception>
    public static IForecastMethod Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith(MedianPrefix, StringComparison.OrdinalIgnoreCase))
            return new CombinationMethod(name, CombinationRule.Median,
                [.. name[MedianPrefix.Length..].Split('+', StringSplitOptions.TrimEntries).Select(Create)]);
        if (name.Contains('+', StringComparison.Ordinal))
            return new CombinationMethod(name, [.. name.Split('+', StringSplitOptions.TrimEntries).Select(Create)]);
        return Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"unknown forecasting method '{name}'; known: {string.Join(", ", Factories.Keys)} (or a+b for their mean, median:a+b+c for their median)", nameof(name));
    }
}
