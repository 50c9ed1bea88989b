using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Evidence;
using EdgeInventory.Agent.Http;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Messaging;
using EdgeInventory.Messaging.Hosting;
using EdgeInventory.Vision.Yolo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Agent;

/// <summary>Builds the agent: configuration, services, endpoints. <c>Program</c> only calls <see cref="RunAsync"/>.</summary>
public static class AgentHost
{
    /// <summary>Parses the command line, builds and runs the agent until it is stopped; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        System.CommandLine.ParseResult parsed = AgentCommandLine.Parse(args);
        if (AgentCommandLine.AsksForInformation(parsed))
        {
            return parsed.Invoke();
        }

        WebApplication app;
        try
        {
            app = Build(parsed);
        }
        catch (AgentConfigurationException e)
        {
            await Console.Error.WriteLineAsync("edgeinv agent: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (OptionsValidationException e)
            {
                // A file the configuration names changed between the check in Build and the host's start.
                await Console.Error.WriteLineAsync("edgeinv agent: " + AgentConfiguration.Invalid([.. e.Failures]).Message).ConfigureAwait(false);
                return 2;
            }
            catch (Exception e) when (IsBindFailure(e))
            {
                // Taken between the check in Build and here: still one line naming the key, after the host's own report.
                await Console.Error.WriteLineAsync("edgeinv agent: " + CannotListen(app.Services.GetRequiredService<AgentSettings>().Http, e)).ConfigureAwait(false);
                await app.StopAsync().ConfigureAwait(false);
                return 2;
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Builds the agent from <c>--config FILE</c>; throws <see cref="AgentConfigurationException"/> naming the problem.</summary>
    public static WebApplication Build(string[] args) => Build(AgentCommandLine.Parse(args));

    private static WebApplication Build(System.CommandLine.ParseResult args)
    {
        (string configFile, string? resetCamera) = AgentCommandLine.Read(args);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddAgentSources(configFile);
        AgentSettings settings = AgentConfiguration.Load(builder.Configuration, Path.GetDirectoryName(Path.GetFullPath(configFile))!);
        if (settings.Http.Enabled)
        {
            EnsureCanListen(settings.Http);
        }

        // Loaded here, with the configuration's checks: a model ONNX Runtime cannot load is one line naming the key
        // and exit code 2, not an exception out of the host's start with its stack trace.
        YoloDetector detector = OpenDetector(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddEdgeAgent(builder.Configuration, settings, resetCamera, detector);
        if (settings.Http.Enabled)
        {
            ConfigureKestrel(builder.WebHost, settings.Http);
        }
        else
        {
            // Kestrel without an endpoint would listen on ASP.NET Core's default port: with the endpoint off there is no server at all.
            builder.Services.AddSingleton<IServer, DisabledHttpServer>();
        }

        WebApplication app = builder.Build();
        app.MapAgentEndpoints();
        return app;
    }

    /// <summary>
    /// The agent's services: store, detector, captures, the zone state and its parts (expected stock, scanner intake,
    /// evidence, camera status), metrics, the detection loop; with a <c>Messaging</c>
    /// section, agent/Messaging's delivery (<c>AddEdgeMessaging</c>: outbox in the agent's database, relay, command
    /// intake, presence, heartbeat) with the agent's health report and the commands from the cloud fed to the expected-stock book and the scanner intake.
    /// </summary>
    /// <param name="detector">The model already opened (the container disposes it); null opens it when first needed.</param>
    public static IServiceCollection AddEdgeAgent(this IServiceCollection services, IConfiguration configuration, AgentSettings settings, string? resetReferenceCamera = null, YoloDetector? detector = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        // One clock for every part (a host or a test may register its own first).
        services.TryAddSingleton(TimeProvider.System);
        // Checked again when the host starts, as agent/Messaging checks its section: the same validator Load ran.
        AgentOptionsValidator.Register(services, configuration, settings);
        if (settings.MessagingEnabled)
        {
            // The outbox (registered by AddEdgeMessaging) lives in the agent's own database, so an event is enqueued in the transaction of its state change.
            services.AddSingleton<IEventSink>(sp => new OutboxEventSink(sp.GetRequiredService<SqliteOutbox>(), sp.GetRequiredService<ILogger<OutboxEventSink>>()));
        }
        else
        {
            services.AddSingleton<IEventSink>(sp => new LocalEventLog(sp.GetRequiredService<ILogger<LocalEventLog>>(), settings.StoreId, settings.DeviceId));
        }

        services.AddSingleton(sp =>
        {
            Directory.CreateDirectory(settings.StateDirectory);
            var store = new AgentStore(settings.DatabasePath, sp.GetRequiredService<IEventSink>(), sp.GetRequiredService<TimeProvider>());
            if (resetReferenceCamera is not null)
            {
                store.ResetReference(resetReferenceCamera);
            }

            return store;
        });
        services.AddSingleton(_ => detector ?? OpenDetector(settings));
        services.AddSingleton(sp => new ExpectedStockKeeper(settings, sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ExpectedStockKeeper>>()));
        services.AddSingleton(sp => new LatestScannerCounts(sp.GetRequiredService<AgentStore>().LoadLatestScannerCounts()));
        services.AddSingleton(sp => new EvidenceWriter(settings.EvidenceFolder, settings.Evidence, settings.SendEvidence, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EvidenceWriter>>()));
        services.AddSingleton(sp =>
        {
            ILoggerFactory logs = sp.GetRequiredService<ILoggerFactory>();
            TimeProvider clock = sp.GetRequiredService<TimeProvider>();
            var captures = settings.Cameras.Select(c => new CameraCapture(c.Id, c.Source, c.Capture, logs.CreateLogger("EdgeInventory.Capture." + c.Id), clock)).ToList();
            YoloDetector detector = sp.GetRequiredService<YoloDetector>();
            return new ZoneStateKeeper(settings, sp.GetRequiredService<AgentStore>(), detector.Model.Version, detector.Model.Names, captures,
                sp.GetRequiredService<ExpectedStockKeeper>(), sp.GetRequiredService<LatestScannerCounts>(), sp.GetRequiredService<EvidenceWriter>(), sp.GetRequiredService<ILogger<ZoneStateKeeper>>());
        });
        services.AddSingleton(sp => new CameraStatusBoard(sp.GetRequiredService<ZoneStateKeeper>().Cameras));
        services.AddSingleton(sp =>
        {
            // Whoever records into the metrics gets them here, once: the zone state (discrepancy events) and the evidence writer (oversized crops).
            ZoneStateKeeper zones = sp.GetRequiredService<ZoneStateKeeper>();
            var metrics = new AgentMetrics(zones, sp.GetRequiredService<CameraStatusBoard>());
            zones.Metrics = metrics;
            sp.GetRequiredService<EvidenceWriter>().Metrics = metrics;
            return metrics;
        });
        services.AddSingleton<ScannerIntake>();
        services.AddSingleton<DetectionHealth>();
        services.AddHostedService<CaptureService>();
        services.AddHostedService<DetectionWorker>();
        if (settings.MessagingEnabled)
        {
            services.AddSingleton<IDeviceHealthSource, AgentDeviceHealth>();
            services.AddEdgeMessaging(configuration, settings.ConfigureMessaging);
            services.AddHostedService<CloudCommandService>();
        }

        return services;
    }

    private static YoloDetector OpenDetector(AgentSettings settings)
    {
        if (settings.OrtLibraryPath is not null)
        {
            Onnx.OrtLibrary.Configure(settings.OrtLibraryPath);
        }

        try
        {
            return YoloDetector.Open(settings.ModelPath, settings.Session);
        }
        catch (Onnx.OrtLibraryException e)
        {
            throw new AgentConfigurationException($"Agent:Model:OrtLibrary: {e.Message}", e);
        }
        catch (Onnx.ExecutionProviderUnavailableException e)
        {
            throw new AgentConfigurationException($"Agent:Model:Provider: {e.Message}", e);
        }
        catch (Exception e) when (e is ModelFormatException or IOException or UnauthorizedAccessException or Onnx.OrtException or DllNotFoundException
            or InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            throw new AgentConfigurationException($"Agent:Model:Path: {settings.ModelPath} cannot be used: {e.Message}", e);
        }
    }

    private static void ConfigureKestrel(IWebHostBuilder web, HttpOptions http)
    {
        web.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(ListenAddress(http), http.Port, listen =>
            {
                // HTTP/2 needs TLS (ALPN); without a certificate the endpoint speaks HTTP/1.1 only.
                listen.Protocols = HttpProtocols.Http1;
                if (!string.IsNullOrWhiteSpace(http.CertificatePath))
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(LoadCertificate(http));
                }
            });
        });
    }

    private static IPAddress ListenAddress(HttpOptions http) => http.Address == "localhost" ? IPAddress.Loopback : IPAddress.Parse(http.Address);

    /// <summary>
    /// Binds the configured endpoint once, as Kestrel will (address reuse on), and lets it go: a port another agent
    /// or program on the device has is then one line naming the key, where Kestrel's failure at start would come with
    /// the host's stack trace.
    /// </summary>
    private static void EnsureCanListen(HttpOptions http)
    {
        if (http.Port == 0)
        {
            return;
        }

        IPAddress address = ListenAddress(http);
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            probe.Bind(new IPEndPoint(address, http.Port));
        }
        catch (SocketException e)
        {
            throw new AgentConfigurationException(CannotListen(http, e), e);
        }
    }

    /// <summary>Kestrel could not bind the configured endpoint: the address is in use (wrapped in an <see cref="IOException"/>) or not permitted.</summary>
    private static bool IsBindFailure(Exception e) => e is IOException { InnerException: AddressInUseException } or SocketException;

    private static string CannotListen(HttpOptions http, Exception e)
    {
        string reason = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.InnerException is AddressInUseException
            ? "the address is in use (another agent or program on this device has the port)"
            : e.Message;
        return $"Agent:Http:Port: cannot listen on {http.Address}:{http.Port}: {reason}";
    }

    private static X509Certificate2 LoadCertificate(HttpOptions http)
    {
        try
        {
            string path = http.CertificatePath!;
            return path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                ? X509Certificate2.CreateFromPemFile(path, http.CertificateKeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, http.CertificatePassword);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new AgentConfigurationException($"Agent:Http:CertificatePath: {http.CertificatePath} cannot be loaded: {e.Message}", e);
        }
    }
}
