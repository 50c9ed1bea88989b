using System.CommandLine;
using System.Net;
using EdgeInventory.Cloud.Alerts;
using EdgeInventory.Cloud.Api;
using EdgeInventory.Cloud.Configuration;
using EdgeInventory.Cloud.Ingest;
using EdgeInventory.Cloud.State;
using EdgeInventory.Cloud.Storage;
using EdgeInventory.Cloud.Web;
using EdgeInventory.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// Builds and runs the aggregator: configuration checked first (exit 2, one line naming the key), the schema migrated,
/// then ingest, alert delivery, retention and the HTTP API in one ASP.NET Core host.
/// </summary>
public static partial class CloudHost
{
    public const int ConfigurationError = 2;

    private static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "the aggregator's JSON configuration (cloud/Aggregator/cloud.example.json); without it, embedded defaults; EDGEINV_ environment variables override either",
        HelpName = "FILE",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("The EdgeInventory cloud aggregator: ingest from every store, chain-wide stock state, shortage alerts, REST API (cloud/Aggregator/README.md).")
        {
            ConfigFile,
            Forecasts.ForecastCommand.Create(ConfigFile),
        };
        // A root with subcommands needs an action of its own to run without one; the server starts below instead.
        root.SetAction(_ => 0);
        ParseResult? parsed = ToolCommandLine.Parse(root, "edgeinv-cloud", args, Console.Error);
        if (parsed is null)
        {
            return ToolCommandLine.UsageError;
        }
        if (parsed.Action is not null && parsed.Action != root.Action)
        {
            // --help, --version or a subcommand (forecast); the root's own action is the server below.
            return ToolCommandLine.Invoke(parsed, Console.Out, Console.Error);
        }

        WebApplication app;
        try
        {
            app = await BuildAsync(parsed.GetValue(ConfigFile), configure: null).ConfigureAwait(false);
        }
        catch (CloudConfigurationException e)
        {
            await Console.Error.WriteLineAsync("edgeinv-cloud: " + e.Message).ConfigureAwait(false);
            return ConfigurationError;
        }
        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or null)
            {
                CloudOptions o = app.Services.GetRequiredService<CloudOptions>();
                await Console.Error.WriteLineAsync($"edgeinv-cloud: Cloud:Http {o.Http.Address}:{o.Http.Port}: {e.Message}").ConfigureAwait(false);
                return ConfigurationError;
            }
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>
    /// The configured host, its database migrated, not yet started. <paramref name="configure"/> lets tests add
    /// configuration (in memory, after the file and the environment).
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string? configFile, Action<IConfigurationBuilder>? configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddCloudSources(configFile);
        configure?.Invoke(builder.Configuration);
        string baseDirectory = configFile is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configFile))!;
        CloudOptions options = CloudConfiguration.Load(builder.Configuration, baseDirectory);

        Directory.CreateDirectory(options.StateDirectory);
        var database = CloudDatabase.FromOptions(options);
        try
        {
            await Schema.MigrateAsync(database).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            throw new CloudConfigurationException($"Cloud:Database ({database.Describe()}): {e.Message}", e);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        // ASP.NET Core writes five lines per request at Information; operators want the aggregator's own lines. A
        // Logging section in the file (or EDGEINV_Logging__...) still decides.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.Http.MaxRequestBytes;
            IPAddress address = options.Http.Address switch
            {
                "localhost" => IPAddress.Loopback,
                "*" => IPAddress.Any,
                _ => IPAddress.Parse(options.Http.Address),
            };
            k.Listen(address, options.Http.Port);
        });

        IServiceCollection services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(database);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CloudMetrics>();
        services.AddSingleton<ChangeSignal>();
        services.AddSingleton<CloudBroker>();
        services.AddSingleton(new AlertLifecycle(options.Alerts));
        services.AddSingleton<IngestProcessor>();
        services.AddSingleton(sp => new StockQueries(database, sp.GetRequiredService<TimeProvider>(), options.Devices.HeartbeatTimeout));
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<AlertActions>();
        services.AddSingleton<AlertEventStream>();
        services.AddHostedService<IngestWorker>();
        services.AddHostedService<AlertDeliveryWorker>();
        services.AddHostedService<RetentionWorker>();
        services.AddSingleton<Forecasts.ForecastRunner>();
        services.AddHostedService<Forecasts.ForecastScheduler>();
        services.AddHttpClient("webhooks", c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddProblemDetails();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "EdgeInventory cloud aggregator";
            doc.Info.Description = "Chain-wide stock state, discrepancies, shortage alerts. Authorization: Bearer API key.";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);

        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Ok(new { status = "alive" }));
        app.MapGet("/readyz", async (CloudBroker broker, CancellationToken ct) =>
        {
            var problems = new List<string>();
            if (!broker.IsConnected)
            {
                problems.Add($"broker {broker.Connection.Endpoint}: " + (broker.Connection.State == EdgeInventory.Mqtt.MqttConnectionState.Connected
                    ? "connected, subscriptions not acknowledged yet"
                    : broker.Connection.State + (broker.Connection.LastError is { } e ? $" ({e.Message})" : "")));
            }
            try
            {
                using SqlSession s = await SqlSession.BeginReadAsync(database, ct).ConfigureAwait(false);
                s.Scalar("SELECT 1");
            }
            catch (System.Data.Common.DbException e)
            {
                problems.Add($"database {database.Describe()}: {e.Message}");
            }
            return problems.Count == 0
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new { status = "not ready", problems }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext http, CloudMetrics metrics, CloudBroker broker, CancellationToken ct) =>
        {
            metrics.BrokerConnected.Set(broker.IsConnected ? 1 : 0);
            http.Response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, ct).ConfigureAwait(false);
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(http.Response.Body, ct).ConfigureAwait(false);
        });
        app.MapCloudApi();
        app.MapWebApp();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeInventory.Cloud");
            string urls = string.Join(", ", app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
            string where = database.Describe(), broker = $"{options.Broker.Host}:{options.Broker.Port}";
            int keys = app.Services.GetRequiredService<ApiKeys>().Count;
            LogStarted(log, urls, where, broker, options.Broker.Username, keys);
        });
        return app;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "aggregator up: HTTP {Urls}, {Database}, broker {Broker} as {User}, {Keys} API key(s)")]
    private static partial void LogStarted(ILogger logger, string urls, string database, string broker, string? user, int keys);

    /// <summary>The HTTP address the started host listens on (after a port 0 was given a free one).</summary>
    public static Uri Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string first = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(first);
    }
}
