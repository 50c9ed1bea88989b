using EdgeInventory.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Messaging.Hosting;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// MQTT delivery for an edge host: binds the <c>Messaging</c> section of <paramref name="configuration"/> strictly,
    /// applies <paramref name="configure"/> (e.g. the store and device ids or the database path the host already
    /// knows), validates everything when the host starts, and registers as singletons <see cref="SqliteOutbox"/>,
    /// <see cref="MqttConnection"/>, <see cref="OutboxRelay"/>, <see cref="CommandIntake"/>, <see cref="DevicePresence"/>
    /// and <see cref="HeartbeatPublisher"/>, with hosted services running them. The host supplies an
    /// <see cref="IDeviceHealthSource"/> for heartbeats (registered before or after this call); without one,
    /// <c>Messaging:ModelVersion</c> must be set and heartbeats report no cameras.
    /// Stop order (reverse of registration): heartbeat, intake, relay, then presence publishes <c>offline/shutdown</c>;
    /// the container then disposes the client (a clean DISCONNECT).
    /// </summary>
    public static IServiceCollection AddEdgeMessaging(this IServiceCollection services, IConfiguration configuration, Action<EdgeMessagingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(EdgeMessagingOptions.Section);
        OptionsBuilder<EdgeMessagingOptions> options = services.AddOptions<EdgeMessagingOptions>()
            .Configure(o => Bind(section, o));
        if (configure is not null)
        {
            options.PostConfigure(configure);
        }
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeMessagingOptions>, EdgeMessagingOptionsValidator>());

        services.TryAddSingleton<IDeviceHealthSource, ConfiguredDeviceHealth>();
        services.TryAddSingleton(sp => new SqliteOutbox(Settings(sp).Outbox, sp.GetService<ILogger<SqliteOutbox>>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            EdgeMessagingOptions o = Settings(sp);
            return new DevicePresence(o.StoreId, o.DeviceId, o.EffectiveAgentVersion, sp.GetRequiredService<IDeviceHealthSource>().Current().ModelVersion, sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton(sp =>
        {
            EdgeMessagingOptions o = Settings(sp);
            MqttWill will = sp.GetRequiredService<DevicePresence>().Will();
            var client = new MqttConnection(o.ToClientOptions(will), sp.GetService<ILogger<MqttConnection>>(), sp.GetService<TimeProvider>());
            ILogger log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeInventory.Messaging.Hosting");
            MessagingLog.Started(log, o.StoreId, o.DeviceId, client.Endpoint, o.Broker.Protocol, o.Broker.Tls is not null, o.Outbox.DatabasePath);
            return client;
        });
        services.TryAddSingleton(sp => new OutboxRelay(sp.GetRequiredService<SqliteOutbox>(), sp.GetRequiredService<MqttConnection>(), Settings(sp).Relay, sp.GetService<ILogger<OutboxRelay>>()));
        services.TryAddSingleton(sp => new CommandIntake(sp.GetRequiredService<MqttConnection>(), Settings(sp).StoreId, sp.GetService<ILogger<CommandIntake>>()));
        services.TryAddSingleton(sp =>
        {
            EdgeMessagingOptions o = Settings(sp);
            return new HeartbeatPublisher(sp.GetRequiredService<MqttConnection>(), sp.GetRequiredService<SqliteOutbox>(), sp.GetRequiredService<IDeviceHealthSource>(),
                o.StoreId, o.DeviceId, o.Heartbeat.Interval, sp.GetService<ILogger<HeartbeatPublisher>>(), sp.GetService<TimeProvider>());
        });

        // Registration order is start order; the host stops them in reverse.
        services.AddHostedService<DevicePresenceService>();
        services.AddHostedService<OutboxRelayService>();
        services.AddHostedService<CommandIntakeService>();
        services.AddHostedService<HeartbeatService>();
        return services;
    }

    private static EdgeMessagingOptions Settings(IServiceProvider services) => services.GetRequiredService<IOptions<EdgeMessagingOptions>>().Value;

    private static void Bind(IConfigurationSection section, EdgeMessagingOptions options)
    {
        if (StrictConfiguration.TryBind(section, options, "agent/Messaging/README.md") is { } problem)
        {
            throw new OptionsValidationException(EdgeMessagingOptions.Section, typeof(EdgeMessagingOptions), [problem]);
        }
    }
}

/// <summary>The health source when the host registers none: the configured model version, no cameras.</summary>
internal sealed class ConfiguredDeviceHealth(IOptions<EdgeMessagingOptions> options) : IDeviceHealthSource
{
    private readonly DeviceHealth health = new(
        string.IsNullOrWhiteSpace(options.Value.ModelVersion)
            ? throw new InvalidOperationException($"{EdgeMessagingOptions.Section}:ModelVersion is empty and the host registered no {nameof(IDeviceHealthSource)}: heartbeats and the device status must name the model version")
            : options.Value.ModelVersion,
        [],
        0);

    public DeviceHealth Current() => health;
}

internal static partial class MessagingLog
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "MQTT delivery for store {StoreId} device {DeviceId}: broker {Endpoint} ({Protocol}, TLS {Tls}), outbox {Database}")]
    public static partial void Started(ILogger logger, string storeId, string deviceId, string endpoint, MqttProtocol protocol, bool tls, string database);

    [LoggerMessage(EventId = 5241, Level = LogLevel.Warning, Message = "the offline/shutdown status was not published before stopping: {Reason}; the broker's last will reports the device offline instead")]
    public static partial void ShutdownStatusNotSent(ILogger logger, string reason);
}
