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
        ["theta"] = () => new ThetaMethod(),
        ["otm"] = () => new OptimisedThetaMethod(),
        ["ets-theta"] = () => new CombinationMethod("ets-theta", new EtsMethod(), new ThetaMethod()),
        ["ses"] = () => new FixedEtsMethod("ses", new EtsModelSpec(EtsError.Additive, EtsTrend.None, EtsSeason.None)),
        ["damped"] = () => new FixedEtsMethod("damped", new EtsModelSpec(EtsError.Additive, EtsTrend.AdditiveDamped, EtsSeason.None)),
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

    /// <summary>A name, or names joined by '+' for the equal-weight mean of those methods (e.g. "ets+theta+damped").</summary>
    /// <exception cref="ArgumentException">The name is not a known method; the message lists the known ones.</exception>
    public static IForecastMethod Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('+', StringComparison.Ordinal))
            return new CombinationMethod(name, [.. name.Split('+', StringSplitOptions.TrimEntries).Select(Create)]);
        return Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"unknown forecasting method '{name}'; known: {string.Join(", ", Factories.Keys)} (or a+b for their mean)", nameof(name));
    }
}
