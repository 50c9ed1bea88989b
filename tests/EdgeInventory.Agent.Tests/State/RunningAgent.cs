using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Evidence;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Agent.Tests.Agent;
using EdgeInventory.Capture;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInventory.Agent.Tests.State;

/// <summary>
/// One agent's store, zone state, expected-stock book and scanner intake on a SQLite file in a test's folder (the
/// captures are never started) and what they logged: disposed and started again on the same folder, it is a restart
/// after a power cut.
/// </summary>
internal sealed class RunningAgent(AgentSettings settings, AgentStore store, ZoneStateKeeper zones, ExpectedStockKeeper expected, ScannerIntake scanners, EvidenceWriter evidence, List<CameraCapture> captures, ListLogger log) : IAsyncDisposable
{
    public AgentSettings Settings => settings;

    public AgentStore Store => store;

    public ZoneStateKeeper Zones => zones;

    public ExpectedStockKeeper ExpectedStock => expected;

    public ScannerIntake Scanners => scanners;

    public ListLogger Log => log;

    /// <summary>
    /// Starts on <paramref name="dir"/>/state with a configuration file in the agent's shape (zones z1 and z2 of one
    /// camera, <paramref name="change"/> applied), loaded as the agent loads it; <paramref name="clock"/> is the agent's.
    /// </summary>
    public static RunningAgent Start(TempFolder dir, Action<JsonObject>? change = null, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        JsonObject config = AgentRun.ConfigToLoad(dir, AgentRun.Zone("z1", 0, 0, 0.5, 0.5, 8, 3), AgentRun.Zone("z2", 0.5, 0, 1, 0.5, 8, 3));
        change?.Invoke(config);
        string path = dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        AgentSettings settings = AgentConfiguration.Load(new ConfigurationBuilder().AddJsonFile(path).Build(), dir.Path);

        var log = new ListLogger();
        var store = new AgentStore(settings.DatabasePath, new LocalEventLog(NullLogger<LocalEventLog>.Instance, settings.StoreId, settings.DeviceId), clock);
        var captures = settings.Cameras.Select(c => new CameraCapture(c.Id, c.Source, c.Capture, NullLogger.Instance)).ToList();
        var expected = new ExpectedStockKeeper(settings, store, clock, new PassThroughLogger<ExpectedStockKeeper>(log));
        var scans = new LatestScannerCounts(store.LoadLatestScannerCounts());
        var evidence = new EvidenceWriter(settings.EvidenceFolder, settings.Evidence, settings.SendEvidence, clock, new PassThroughLogger<EvidenceWriter>(log));
        var zones = new ZoneStateKeeper(settings, store, "test-model 1", new Dictionary<int, string> { [0] = "object" }, captures, expected, scans, evidence, new PassThroughLogger<ZoneStateKeeper>(log));
        var scanners = new ScannerIntake(settings, zones, expected, scans, store, clock);
        return new RunningAgent(settings, store, zones, expected, scanners, evidence, captures, log);
    }

    public async ValueTask DisposeAsync()
    {
        evidence.Dispose();
        store.Dispose();
        foreach (CameraCapture capture in captures)
        {
            await capture.DisposeAsync();
        }
    }

    /// <summary>An <see cref="ILogger{T}"/> writing to a <see cref="ListLogger"/>.</summary>
    private sealed class PassThroughLogger<T>(ListLogger inner) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
