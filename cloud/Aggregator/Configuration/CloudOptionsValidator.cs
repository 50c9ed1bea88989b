using System.Net;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Cloud.Configuration;

/// <summary>Checks every key of <see cref="CloudOptions"/>; each problem names the key with its full path. No side effects.</summary>
public static class CloudOptionsValidator
{
    public static List<string> Check(CloudOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var problems = new List<string>();
        void Range(bool ok, string key, object value, string range)
        {
            if (!ok)
            {
                problems.Add($"Cloud:{key}: {value} is outside {range}");
            }
        }

        if (o.Database.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(o.Database.ConnectionString))
        {
            problems.Add("Cloud:Database:ConnectionString is required with Provider Postgres");
        }

        CloudBrokerOptions b = o.Broker;
        if (b.Password is not null && b.PasswordFile is not null)
        {
            problems.Add("Cloud:Broker:Password and Cloud:Broker:PasswordFile are both set; keep one");
        }
        if (b.PasswordFile is not null)
        {
            try
            {
                var info = new FileInfo(b.PasswordFile);
                if (!info.Exists || info.Length > 4096)
                {
                    problems.Add($"Cloud:Broker:PasswordFile '{b.PasswordFile}' is not a file of at most 4 KiB");
                }
                else if (ReadSecretFile(b.PasswordFile).Length == 0)
                {
                    problems.Add($"Cloud:Broker:PasswordFile '{b.PasswordFile}' is empty");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"Cloud:Broker:PasswordFile '{b.PasswordFile}' cannot be read: {e.Message}");
            }
        }
        if (b.SharedGroup.Length > 64 || b.SharedGroup.AsSpan().IndexOfAny("/+#") >= 0)
        {
            problems.Add($"Cloud:Broker:SharedGroup '{b.SharedGroup}' must be at most 64 characters without '/', '+' or '#'");
        }
        try
        {
            ToClientOptions(b, readPasswordFile: false).Validate("Cloud:Broker");
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        if (o.Http.Address != "localhost" && o.Http.Address != "*" && !IPAddress.TryParse(o.Http.Address, out _))
        {
            problems.Add($"Cloud:Http:Address '{o.Http.Address}' is not an IP address, 'localhost' or '*'");
        }
        Range(o.Http.Port is >= 0 and <= 65535, "Http:Port", o.Http.Port, "0..65535");
        Range(o.Http.MaxRequestBytes is >= 1024 and <= 1L << 30, "Http:MaxRequestBytes", o.Http.MaxRequestBytes, "1024..1073741824");

        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.ApiKeys.Count; i++)
        {
            ApiKeyOptions k = o.ApiKeys[i];
            string at = $"Cloud:ApiKeys:{i}";
            if (string.IsNullOrWhiteSpace(k.Name) || k.Name.Length > 64)
            {
                problems.Add($"{at}:Name must be 1..64 characters");
            }
            else if (!names.Add(k.Name))
            {
                problems.Add($"{at}:Name '{k.Name}' is used by another key");
            }
            if (!Roles.All.Contains(k.Role))
            {
                problems.Add($"{at}:Role '{k.Role}' is not one of {string.Join(", ", Roles.All)}");
            }
            if (k.KeySha256.Length != 64 || !k.KeySha256.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            {
                problems.Add($"{at}:KeySha256 is not 64 lower-case hex digits (printf %s KEY | sha256sum)");
            }
            else if (!hashes.Add(k.KeySha256))
            {
                problems.Add($"{at}:KeySha256 is the same key as another entry");
            }
            for (int s = 0; s < k.Stores.Count; s++)
            {
                if (Identifiers.CheckStoreId(k.Stores[s]) is { } problem)
                {
                    problems.Add($"{at}:Stores:{s}: {problem}");
                }
            }
        }

        Range(o.Ingest.BatchSize is >= 1 and <= 10_000, "Ingest:BatchSize", o.Ingest.BatchSize, "1..10000");
        Range(o.Ingest.ClockSkew >= TimeSpan.Zero && o.Ingest.ClockSkew <= TimeSpan.FromDays(1), "Ingest:ClockSkew", o.Ingest.ClockSkew, "00:00:00..1.00:00:00");

        RetentionOptions r = o.Retention;
        Range(r.CountHistory >= TimeSpan.FromHours(1) && r.CountHistory <= TimeSpan.FromDays(3650), "Retention:CountHistory", r.CountHistory, "01:00:00..3650.00:00:00");
        Range(r.Evidence >= TimeSpan.FromHours(1) && r.Evidence <= TimeSpan.FromDays(3650), "Retention:Evidence", r.Evidence, "01:00:00..3650.00:00:00");
        Range(r.History >= TimeSpan.FromDays(1) && r.History <= TimeSpan.FromDays(3650), "Retention:History", r.History, "1.00:00:00..3650.00:00:00");
        Range(r.EventIds >= TimeSpan.FromDays(1) && r.EventIds <= TimeSpan.FromDays(3650), "Retention:EventIds", r.EventIds, "1.00:00:00..3650.00:00:00");
        Range(r.DeadLetters is >= 100 and <= 10_000_000, "Retention:DeadLetters", r.DeadLetters, "100..10000000");
        Range(r.SweepInterval >= TimeSpan.FromSeconds(1) && r.SweepInterval <= TimeSpan.FromDays(1), "Retention:SweepInterval", r.SweepInterval, "00:00:01..1.00:00:00");

        AlertOptions a = o.Alerts;
        Range(a.MaxDeliveryAttempts is >= 1 and <= 100, "Alerts:MaxDeliveryAttempts", a.MaxDeliveryAttempts, "1..100");
        for (int i = 0; i < a.Routes.Count; i++)
        {
            AlertRouteOptions route = a.Routes[i];
            string at = $"Cloud:Alerts:Routes:{i}";
            if (string.IsNullOrWhiteSpace(route.Group) || route.Group.Length > 64)
            {
                problems.Add($"{at}:Group must be 1..64 characters");
            }
            if (!string.IsNullOrEmpty(route.Store) && Identifiers.CheckStoreId(route.Store) is { } problem)
            {
                problems.Add($"{at}:Store: {problem}");
            }
        }
        foreach ((string name, AlertGroupOptions group) in a.Groups)
        {
            string at = $"Cloud:Alerts:Groups:{name}";
            if (group.WebhookUrl is { Length: > 0 } url
                && (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                problems.Add($"{at}:WebhookUrl '{url}' is not an absolute http(s) URL");
            }
            if (group.WebhookSecret is not null && group.WebhookSecretFile is not null)
            {
                problems.Add($"{at}:WebhookSecret and {at}:WebhookSecretFile are both set; keep one");
            }
            if (group.WebhookSecretFile is not null && !File.Exists(group.WebhookSecretFile))
            {
                problems.Add($"{at}:WebhookSecretFile '{group.WebhookSecretFile}' does not exist");
            }
        }

        Range(o.Devices.HeartbeatTimeout >= TimeSpan.FromSeconds(10) && o.Devices.HeartbeatTimeout <= TimeSpan.FromDays(1), "Devices:HeartbeatTimeout", o.Devices.HeartbeatTimeout, "00:00:10..1.00:00:00");

        ForecastOptions f = o.Forecasts;
        Range(f.Interval >= TimeSpan.FromMinutes(1) && f.Interval <= TimeSpan.FromDays(31), "Forecasts:Interval", f.Interval, "00:01:00..31.00:00:00");
        Range(f.Horizon is >= 1 and <= 366, "Forecasts:Horizon", f.Horizon, "1..366");
        Range(f.HistoryDays is >= 7 and <= 3650, "Forecasts:HistoryDays", f.HistoryDays, "7..3650");
        Range(f.ServiceLevel is > 0.5 and < 1, "Forecasts:ServiceLevel", f.ServiceLevel, "(0.5, 1)");
        Range(f.LeadTimeDays is > 0 and <= 365, "Forecasts:LeadTimeDays", f.LeadTimeDays, "(0, 365]");
        Range(f.ReviewPeriodDays is >= 1 and <= 365, "Forecasts:ReviewPeriodDays", f.ReviewPeriodDays, "1..365");
        Range(f.IntervalLevel is >= 0.5 and < 1, "Forecasts:IntervalLevel", f.IntervalLevel, "[0.5, 1)");
        Range(f.Threads is >= 0 and <= 256, "Forecasts:Threads", f.Threads, "0..256");
        try
        {
            EdgeInventory.Forecasting.Methods.MethodCatalog.Create(f.Method);
            EdgeInventory.Forecasting.Batch.SeriesPartition.Parse(f.Partition);
        }
        catch (ArgumentException e)
        {
            problems.Add($"Cloud:Forecasts:{(e.ParamName == "name" ? "Method" : "Partition")}: {Forecasts.ForecastRunner.Reason(e)}");
        }
        return problems;
    }

    internal static string ReadSecretFile(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');

    /// <summary>The MQTT client settings of the aggregator: manual acknowledgement (after the commit), a persistent session.</summary>
    internal static MqttConnectionOptions ToClientOptions(CloudBrokerOptions b, bool readPasswordFile = true) => new()
    {
        Host = b.Host,
        Port = b.Port,
        ClientId = b.ClientId ?? "edgeinv-cloud",
        Username = b.Username,
        Password = b.PasswordFile is null ? b.Password : readPasswordFile ? ReadSecretFile(b.PasswordFile) : "(file)",
        Protocol = b.Protocol,
        SessionExpiry = b.SessionExpiry,
        ManualAcknowledgement = true,
        KeepAlive = b.KeepAlive,
        ReconnectDelayMin = b.ReconnectDelayMin,
        ReconnectDelayMax = b.ReconnectDelayMax,
        ConnectTimeout = b.ConnectTimeout,
        MaxInflight = b.MaxInflight,
        InboundCapacity = 20_000,
        Tls = b.Tls,
    };
}
