using System.Reflection;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Messaging.Hosting;

/// <summary>
/// The <c>Messaging</c> configuration section: who this device is, where the broker is, the outbox and its
/// relay, heartbeats and command intake. Bound strictly (an unknown key stops start-up) and validated at
/// start by <see cref="EdgeMessagingOptionsValidator"/>. The keys are documented in agent/Messaging/README.md.
/// </summary>
public sealed class EdgeMessagingOptions
{
    public const string Section = "Messaging";

    public string StoreId { get; set; } = "";

    public string DeviceId { get; set; } = "";

    /// <summary>Reported in the device status; defaults to the informational version of the entry assembly.</summary>
    public string? AgentVersion { get; set; }

    /// <summary>
    /// Model name and version put in heartbeats and status when no <see cref="IDeviceHealthSource"/> is registered
    /// (the agent registers one that reports the model it loaded).
    /// </summary>
    public string? ModelVersion { get; set; }

    public BrokerOptions Broker { get; set; } = new();

    public OutboxOptions Outbox { get; set; } = new();

    public OutboxRelayOptions Relay { get; set; } = new();

    public HeartbeatOptions Heartbeat { get; set; } = new();

    /// <summary>Subscribe to <c>edgeinv/cmd/&lt;store&gt;/#</c> (expected stock, scanner counts).</summary>
    public bool ReceiveCommands { get; set; } = true;

    internal string EffectiveAgentVersion =>
        AgentVersion
        ?? Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    /// <summary>The client settings these options describe (the password read from its file, if one is given).</summary>
    internal MqttConnectionOptions ToClientOptions(MqttWill? will, bool readPasswordFile = true)
    {
        BrokerOptions b = Broker;
        return new MqttConnectionOptions
        {
            Host = b.Host,
            Port = b.Port,
            ClientId = string.IsNullOrEmpty(b.ClientId) ? $"{StoreId}-{DeviceId}" : b.ClientId,
            Username = b.Username,
            Password = b.PasswordFile is null ? b.Password : readPasswordFile ? ReadPasswordFile(b.PasswordFile) : "(in " + b.PasswordFile + ")",
            Protocol = b.Protocol,
            SessionExpiry = b.SessionExpiry,
            // Commands are acknowledged by their reader once stored (CommandIntake, InboundCommand.AcknowledgeAsync).
            ManualAcknowledgement = true,
            KeepAlive = b.KeepAlive,
            ReconnectDelayMin = b.ReconnectDelayMin,
            ReconnectDelayMax = b.ReconnectDelayMax,
            ConnectTimeout = b.ConnectTimeout,
            MaxInflight = b.MaxInflight,
            Tls = b.Tls,
            Will = will,
        };
    }

    internal static string ReadPasswordFile(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');
}

/// <summary>The broker connection (<c>Messaging:Broker</c>).</summary>
public sealed class BrokerOptions
{
    public string Host { get; set; } = "localhost";

    /// <summary>1883 plain, 8883 TLS (the deployment broker listens only on TLS).</summary>
    public int Port { get; set; } = 8883;

    /// <summary>V5 (default). V311 only for old brokers: a refused publish then looks like a delivered one.</summary>
    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    /// <summary>Defaults to <c>&lt;store&gt;-&lt;device&gt;</c>; one live connection per id.</summary>
    public string? ClientId { get; set; }

    /// <summary>The store's broker user; the deployment ACL expects the store id.</summary>
    public string? Username { get; set; }

    /// <summary>Prefer <see cref="PasswordFile"/>: configuration files are read by more people than secrets should be.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding only the password (a trailing newline is ignored), e.g. mode 0600, owned by the agent's user.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// How long the broker keeps the device's session (its command subscription and the commands queued for it)
    /// while the device is away: commands sent during an outage arrive when it is back. Zero: a clean session, and
    /// commands sent while away are lost. Needs a stable <see cref="ClientId"/> (the default is).
    /// </summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxInflight { get; set; } = 100;

    /// <summary>Null: plain TCP. Set CaFile, CaPath or UseOsTrustStore (and CertFile/KeyFile for mutual TLS).</summary>
    public MqttTlsOptions? Tls { get; set; }
}

/// <summary>Periodic liveness (<c>Messaging:Heartbeat</c>): QoS 0, skipped while disconnected, never queued.</summary>
public sealed class HeartbeatOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Checks every key of <see cref="EdgeMessagingOptions"/> and names each bad one with its full path.</summary>
public sealed class EdgeMessagingOptionsValidator : IValidateOptions<EdgeMessagingOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeMessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = EdgeMessagingOptions.Section;
        var problems = new List<string>();
        void Check(string? problem, string key)
        {
            if (problem is not null)
            {
                problems.Add($"{S}:{key}: {problem}");
            }
        }
        void Try(Action validate)
        {
            try
            {
                validate();
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }

        Check(Identifiers.CheckStoreId(options.StoreId), "StoreId");
        Check(Identifiers.Check(options.DeviceId, "device id"), "DeviceId");
        if (options.ModelVersion is { Length: > 128 })
        {
            problems.Add($"{S}:ModelVersion is longer than 128 characters");
        }

        BrokerOptions broker = options.Broker;
        if (broker.Password is not null && broker.PasswordFile is not null)
        {
            problems.Add($"{S}:Broker:Password and {S}:Broker:PasswordFile are both set; keep one");
        }
        if (broker.PasswordFile is not null)
        {
            if (broker.Username is null)
            {
                problems.Add($"{S}:Broker:PasswordFile is set without {S}:Broker:Username");
            }
            try
            {
                if (EdgeMessagingOptions.ReadPasswordFile(broker.PasswordFile).Length == 0)
                {
                    problems.Add($"{S}:Broker:PasswordFile '{broker.PasswordFile}' is empty");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{S}:Broker:PasswordFile '{broker.PasswordFile}' cannot be read: {e.Message}");
            }
        }
        // The client's own checks (host, port, client id, keep-alive, backoff, TLS files...), named under Messaging:Broker.
        Try(() => options.ToClientOptions(will: null, readPasswordFile: false).Validate($"{S}:Broker"));
        Try(() => options.Outbox.Validate($"{S}:Outbox"));
        Try(() => options.Relay.Validate($"{S}:Relay"));
        if (options.Heartbeat.Interval < TimeSpan.FromSeconds(1) || options.Heartbeat.Interval > TimeSpan.FromHours(1))
        {
            problems.Add($"{S}:Heartbeat:Interval {options.Heartbeat.Interval} is outside 00:00:01..01:00:00");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
