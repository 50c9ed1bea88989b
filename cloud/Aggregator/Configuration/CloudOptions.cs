using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Cloud.Configuration;

/// <summary>
/// The <c>Cloud</c> configuration section. Bound strictly (an unknown key stops start-up, naming it) and checked
/// by <see cref="CloudOptionsValidator"/> before anything starts. Every key is documented in cloud/Aggregator/README.md.
/// </summary>
public sealed class CloudOptions
{
    public const string Section = "Cloud";

    /// <summary>Where the SQLite database lives by default; made absolute from the configuration file's folder.</summary>
    public string StateDirectory { get; set; } = "";

    public DatabaseOptions Database { get; set; } = new();

    public CloudBrokerOptions Broker { get; set; } = new();

    public HttpOptions Http { get; set; } = new();

    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    public IngestOptions Ingest { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    public DeviceOptions Devices { get; set; } = new();

    public ForecastOptions Forecasts { get; set; } = new();
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Empty with SQLite: <c>Data Source=&lt;StateDirectory&gt;/cloud.db</c>. Required with PostgreSQL.</summary>
    public string ConnectionString { get; set; } = "";
}

/// <summary><c>Cloud:Broker</c>: the same keys as the agent's <c>Messaging:Broker</c>, plus the shared subscription group.</summary>
public sealed class CloudBrokerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    /// <summary>Defaults to <c>edgeinv-cloud-&lt;machine name&gt;</c>; each replica needs its own.</summary>
    public string? ClientId { get; set; }

    /// <summary>The deployment ACL's aggregator user.</summary>
    public string? Username { get; set; } = "cloud";

    public string? Password { get; set; }

    public string? PasswordFile { get; set; }

    /// <summary>Replicas with the same group split the stream (<c>$share/&lt;group&gt;/...</c>); empty: a plain subscription.</summary>
    public string SharedGroup { get; set; } = "edgeinv-cloud";

    /// <summary>How long the broker keeps this replica's queue while it is away (its messages are then not lost).</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxInflight { get; set; } = 100;

    public MqttTlsOptions? Tls { get; set; }
}

public sealed class HttpOptions
{
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests); the address actually bound is logged.</summary>
    public int Port { get; set; } = 8090;

    /// <summary>Largest request body accepted (expected-stock CSV imports are the largest).</summary>
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;
}

public static class Roles
{
    public const string HeadOffice = "headoffice";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly string[] All = [HeadOffice, Operator, Admin];
}

/// <summary>One API key: its SHA-256 (the key itself is never stored), a role and, optionally, the stores it may see.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    public string Role { get; set; } = "";

    /// <summary>Empty: every store.</summary>
    public List<string> Stores { get; set; } = [];

    /// <summary>Lower-case hex SHA-256 of the key: <c>printf %s KEY | sha256sum</c>.</summary>
    public string KeySha256 { get; set; } = "";
}

public sealed class IngestOptions
{
    /// <summary>Messages committed in one transaction at most (each acknowledged only after its commit).</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>A message dated further ahead of the aggregator's clock is refused (<c>futureDated</c>).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class RetentionOptions
{
    public TimeSpan CountHistory { get; set; } = TimeSpan.FromDays(90);

    public TimeSpan Evidence { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Ended discrepancies, their events and resolved alerts with their audit rows.</summary>
    public TimeSpan History { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Event ids remembered for de-duplication; longer than any device's outbox could hold a message.</summary>
    public TimeSpan EventIds { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The dead-letter table keeps the newest this many refused messages.</summary>
    public int DeadLetters { get; set; } = 10_000;

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}

public sealed class AlertOptions
{
    /// <summary>Evaluated in order: the first match routes the alert, and a rule with <c>Continue</c> lets later ones add groups.</summary>
    public List<AlertRouteOptions> Routes { get; set; } = [];

    /// <summary>Operator groups by name, with their webhook.</summary>
    public Dictionary<string, AlertGroupOptions> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Publish each paged transition on <c>edgeinv/alerts/&lt;store&gt;</c> (QoS 1).</summary>
    public bool PublishMqtt { get; set; } = true;

    /// <summary>Delivery attempts before a webhook or MQTT delivery is given up (and kept as failed).</summary>
    public int MaxDeliveryAttempts { get; set; } = 12;
}

public sealed class AlertRouteOptions
{
    /// <summary>Exact store id; empty matches every store.</summary>
    public string? Store { get; set; }

    /// <summary>Location id prefix (<c>s042/A3/</c>); empty matches every location.</summary>
    public string? LocationPrefix { get; set; }

    public string? Sku { get; set; }

    /// <summary>Discrepancy kinds (camelCase, as on the wire); empty means outOfStock, belowMinimum and gap.</summary>
    public List<DiscrepancyKind> Kinds { get; set; } = [];

    public Severity MinSeverity { get; set; } = Severity.Warning;

    public string Group { get; set; } = "";

    public bool Continue { get; set; }
}

public sealed class AlertGroupOptions
{
    /// <summary>Receives a POST of the alert JSON per paged transition; empty: no webhook.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>HMAC-SHA256 key for the <c>X-EdgeInv-Signature</c> header; prefer <see cref="WebhookSecretFile"/>.</summary>
    public string? WebhookSecret { get; set; }

    public string? WebhookSecretFile { get; set; }
}

public sealed class DeviceOptions
{
    /// <summary>A device whose last message is older than this is shown offline, whatever its retained status says.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary><c>Cloud:Forecasts</c>: the scheduled demand forecast and reorder recommendations (cloud/Aggregator/Forecasts/).</summary>
public sealed class ForecastOptions
{
    /// <summary>Run on the schedule in this process; a run by hand (API, <c>edgeinv-cloud forecast</c>) works either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between scheduled runs (the first one an interval after the last recorded run of this partition, or after start).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Days forecast, starting today.</summary>
    public int Horizon { get; set; } = 28;

    /// <summary>Days of demand history read (ending yesterday); keep at most <c>Retention:CountHistory</c>.</summary>
    public int HistoryDays { get; set; } = 90;

    /// <summary>A method of the forecasting library's catalog; <c>daily</c> fits store × SKU series.</summary>
    public string Method { get; set; } = "daily";

    /// <summary>How days the cameras saw the shelf empty enter the history (Keep is for comparison only).</summary>
    public EdgeInventory.Forecasting.Demand.CensoredDemandTreatment Censored { get; set; } = EdgeInventory.Forecasting.Demand.CensoredDemandTreatment.Impute;

    /// <summary>Fill-rate target for a SKU without one imported (share of demand served from the shelf).</summary>
    public double ServiceLevel { get; set; } = 0.95;

    /// <summary>Supplier lead time in days for a SKU without one imported.</summary>
    public double LeadTimeDays { get; set; } = 7;

    /// <summary>Days between orders (the R of the order-up-to policy) for a SKU without one imported.</summary>
    public int ReviewPeriodDays { get; set; } = 7;

    /// <summary>Confidence of the interval around the forecast mean daily demand.</summary>
    public double IntervalLevel { get; set; } = 0.9;

    /// <summary>This process's share of the series, <c>i/N</c> (replicas or workers split a chain by a stable key hash).</summary>
    public string Partition { get; set; } = "0/1";

    /// <summary>Threads for the forecasts; 0: every core.</summary>
    public int Threads { get; set; }
}
