using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Agent.Http;
using EdgeInventory.Agent.Metrics;
using EdgeInventory.Agent.Pipeline;
using EdgeInventory.Agent.State;
using EdgeInventory.Capture;
using EdgeInventory.Messaging;
using EdgeInventory.Messaging.Hosting;
using EdgeInventory.Vision.Yolo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent;

/// <summary>Builds the agent: configuration, services, endpoints. <c>Program</c> only calls <see cref="RunAsync"/>.</summary>
public static class AgentHost
{
    public const string Usage = "usage: edgeinv agent --config FILE [--reset-reference CAMERA_ID]";

    /// <summary>Parses the command line, builds and runs the agent until it is stopped; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (AgentConfigurationException e)
        {
            await Console.Error.WriteLineAsync("edgeinv agent: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Builds the agent from <c>--config FILE</c>; throws <see cref="AgentConfigurationException"/> naming the problem.</summary>
    public static WebApplication Build(string[] args)
    {
        (string configFile, string? resetCamera) = ParseArguments(args);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddAgentSources(configFile);
        AgentSettings settings = AgentConfiguration.Load(builder.Configuration, Path.GetDirectoryName(Path.GetFullPath(configFile))!);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.AddEdgeAgent(builder.Configuration, settings, resetCamera);
        ConfigureKestrel(builder.WebHost, settings.Http);

        WebApplication app = builder.Build();
        app.MapAgentEndpoints();
        return app;
    }

    /// <summary>
    /// The agent's services: store, detector, captures, core, metrics, the detection loop; with a <c>Messaging</c>
    /// section, agent/Messaging's delivery (<c>AddEdgeMessaging</c>: outbox in the agent's database, relay, command
    /// intake, presence, heartbeat) with the agent's health report and the commands from the cloud fed to the core.
    /// </summary>
    public static IServiceCollection AddEdgeAgent(this IServiceCollection services, IConfiguration configuration, AgentSettings settings, string? resetReferenceCamera = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
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
            var store = new AgentStore(settings.DatabasePath, sp.GetRequiredService<IEventSink>());
            if (resetReferenceCamera is not null)
            {
                store.ResetReference(resetReferenceCamera);
            }

            return store;
        });
        services.AddSingleton(_ => OpenDetector(settings));
        services.AddSingleton(sp =>
        {
            ILoggerFactory logs = sp.GetRequiredService<ILoggerFactory>();
            var captures = settings.Cameras.Select(c => new CameraCapture(c.Id, c.Source, c.Capture, logs.CreateLogger("EdgeInventory.Capture." + c.Id))).ToList();
            YoloDetector detector = sp.GetRequiredService<YoloDetector>();
            var core = new AgentCore(settings, sp.GetRequiredService<AgentStore>(), detector.Model.Version, detector.Model.Names, captures, sp.GetRequiredService<ILogger<AgentCore>>());
            core.Metrics = new AgentMetrics(core);
            return core;
        });
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
        catch (Exception e) when (e is ModelFormatException or FileNotFoundException or Onnx.OrtException or DllNotFoundException)
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
            if (!http.Enabled)
            {
                return;
            }

            IPAddress address = http.Address == "localhost" ? IPAddress.Loopback : IPAddress.Parse(http.Address);
            kestrel.Listen(address, http.Port, listen =>
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

    private static (string ConfigFile, string? ResetCamera) ParseArguments(string[] args)
    {
        string? config = null, reset = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                case "--reset-reference" when i + 1 < args.Length:
                    reset = args[++i];
                    break;
                default:
                    throw new AgentConfigurationException($"unknown or incomplete argument '{args[i]}'\n{Usage}");
            }
        }

        return config is null ? throw new AgentConfigurationException("--config FILE is required\n" + Usage) : (config, reset);
    }
}
