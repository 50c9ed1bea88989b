using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
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
/// One agent's store and core on a SQLite file in a test's folder (the captures are never started) and what it
/// logged: disposed and started again on the same folder, it is a restart after a power cut.
/// </summary>
internal sealed class RunningAgent(AgentSettings settings, AgentStore store, AgentCore core, List<CameraCapture> captures, ListLogger log) : IAsyncDisposable
{
    public AgentSettings Settings => settings;

    public AgentStore Store => store;

    public AgentCore Core => core;

    public ListLogger Log => log;

    /// <summary>
    /// Starts on <paramref name="dir"/>/state with a configuration file in the agent's shape (zones z1 and z2 of one
    /// camera, <paramref name="change"/> applied), loaded as the agent loads it; <paramref name="clock"/> is the core's.
    /// </summary>
    public static RunningAgent Start(TempFolder dir, Action<JsonObject>? change = null, TimeProvider? clock = null)
    {
        JsonObject config = AgentRun.ConfigToLoad(dir, AgentRun.Zone("z1", 0, 0, 0.5, 0.5, 8, 3), AgentRun.Zone("z2", 0.5, 0, 1, 0.5, 8, 3));
        change?.Invoke(config);
        string path = dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        AgentSettings settings = AgentConfiguration.Load(new ConfigurationBuilder().AddJsonFile(path).Build(), dir.Path);

        var log = new ListLogger();
        var store = new AgentStore(settings.DatabasePath, new LocalEventLog(NullLogger<LocalEventLog>.Instance, settings.StoreId, settings.DeviceId));
        var captures = settings.Cameras.Select(c => new CameraCapture(c.Id, c.Source, c.Capture, NullLogger.Instance)).ToList();
        var core = new AgentCore(settings, store, "test-model 1", new Dictionary<int, string> { [0] = "object" }, captures, new PassThroughLogger<AgentCore>(log), clock);
        return new RunningAgent(settings, store, core, captures, log);
    }

    public async ValueTask DisposeAsync()
    {
        core.Dispose();
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
