using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Onnx;
using EdgeInventory.Reconciliation;
using System.Reflection;
using EdgeInventory.Messaging.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Agent.Configuration;

/// <summary>Configuration that cannot run; the message names the key and the reason.</summary>
public sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException(string message)
        : base(message)
    {
    }

    public AgentConfigurationException()
    {
    }

    public AgentConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One camera, checked and resolved.</summary>
public sealed record CameraSettings(string Id, CameraSource Source, CaptureSettings Capture, IReadOnlyList<ZoneDefinition> Zones);

/// <summary>The whole agent configuration, checked and resolved (paths absolute, sources parsed, zones built).</summary>
public sealed record AgentSettings
{
    public required string StoreId { get; init; }

    public required string DeviceId { get; init; }

    public required string StateDirectory { get; init; }

    public required string ModelPath { get; init; }

    public required ModelOptions Model { get; init; }

    public required InferenceSessionOptions Session { get; init; }

    /// <summary>Agent:Model:OrtLibrary made absolute; null for EDGEINV_ORT_LIBRARY or the package's own library.</summary>
    public string? OrtLibraryPath { get; init; }

    public string? ExpectedStockFile { get; init; }

    public required IReadOnlyList<ExpectedStockEntry> ExpectedStock { get; init; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the bytes <see cref="ExpectedStock"/> was read from; null without a file. The
    /// store keeps it with the cloud's expected-stock updates, so a newly deployed planogram is noticed at start
    /// and the updates made for the old one are not replayed on top of it.
    /// </summary>
    public string? ExpectedStockSha256 { get; init; }

    public required TimeSpan SnapshotInterval { get; init; }

    public required SmoothingSettings Smoothing { get; init; }

    public required ReconcilerSettings Reconciler { get; init; }

    public required ReconciliationOptions Reconciliation { get; init; }

    public required EvidenceRetention Evidence { get; init; }

    public required HttpOptions Http { get; init; }

    /// <summary>SHA-256 of each API key (lower-case hex) → the scanner's device id.</summary>
    public required IReadOnlyDictionary<string, string> ApiKeys { get; init; }

    public required IReadOnlyList<CameraSettings> Cameras { get; init; }

    /// <summary>The configuration file's folder: relative paths, the <c>Messaging</c> section's included, are taken from it.</summary>
    public required string ConfigurationDirectory { get; init; }

    /// <summary>True when the configuration has a <c>Messaging</c> section: events go out over MQTT through agent/Messaging's outbox.</summary>
    public bool MessagingEnabled { get; init; }

    /// <summary>The agent's own database; the MQTT outbox lives in it so that events share their state change's transaction.</summary>
    public string DatabasePath => Path.Combine(StateDirectory, "agent.db");

    /// <summary>
    /// Fills agent/Messaging's options from what the agent already knows, so each value has one source: the store
    /// and device ids, the database, the agent's version; the broker user defaults to the store id (the deployment
    /// ACL's user name); relative file paths are taken from the configuration file's folder. Runs after the
    /// <c>Messaging</c> section is bound (the <c>configure</c> of <c>AddEdgeMessaging</c>).
    /// </summary>
    public void ConfigureMessaging(EdgeMessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.StoreId = StoreId;
        options.DeviceId = DeviceId;
        options.Outbox.DatabasePath = DatabasePath;
        options.AgentVersion = AgentVersion;
        BrokerOptions broker = options.Broker;
        broker.Username ??= StoreId;
        broker.PasswordFile = Resolve(broker.PasswordFile);
        if (broker.Tls is { } tls)
        {
            tls.CaFile = Resolve(tls.CaFile);
            tls.CaPath = Resolve(tls.CaPath);
            tls.CertFile = Resolve(tls.CertFile);
            tls.KeyFile = Resolve(tls.KeyFile);
        }
    }

    private static string AgentVersion =>
        typeof(AgentSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private string? Resolve(string? path) => path is null ? null : Path.GetFullPath(path, ConfigurationDirectory);
}

/// <summary>
/// Reads the agent's configuration: a JSON file in the appsettings style (sections <c>Agent</c>,
/// <c>Messaging</c> (optional: MQTT delivery, agent/Messaging's own keys) and <c>Logging</c>), overridden by environment variables with the <c>EDGEINV_</c> prefix and <c>__</c>
/// between levels (<c>EDGEINV_Agent__Cameras__0__Url</c>). Binding is strict and every value is checked,
/// so a mistake stops start-up with a message that names the key.
/// </summary>
public static class AgentConfiguration
{
    public const string EnvironmentPrefix = "EDGEINV_";

    private static readonly string[] RootSections = [AgentOptions.Section, EdgeMessagingOptions.Section, "Logging"];

    /// <summary>The configuration sources: the JSON file, then the environment.</summary>
    public static IConfigurationBuilder AddAgentSources(this IConfigurationBuilder builder, string configFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string path = Path.GetFullPath(configFile);
        if (!File.Exists(path))
        {
            throw new AgentConfigurationException($"--config: no such file: {path}");
        }

        try
        {
            return builder.AddJsonFile(path, optional: false, reloadOnChange: false).AddEnvironmentVariables(EnvironmentPrefix);
        }
        catch (InvalidDataException e)
        {
            throw new AgentConfigurationException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Binds and checks the <c>Agent</c> section (and <c>Messaging</c> when present); relative paths are taken from <paramref name="baseDirectory"/> (the config file's folder).</summary>
    public static AgentSettings Load(IConfiguration configuration, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        CheckRootKeys(configuration, problems);
        var options = new AgentOptions();
        try
        {
            configuration.GetSection(AgentOptions.Section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new AgentConfigurationException("configuration: " + DescribeBindingError(configuration, e));
        }

        AgentSettings? settings = Validate(options, baseDirectory, configuration.GetSection(EdgeMessagingOptions.Section).Exists(), problems);
        if (settings is not null && settings.MessagingEnabled)
        {
            CheckMessaging(configuration, settings, problems);
        }

        if (problems.Count > 0 || settings is null)
        {
            throw new AgentConfigurationException("invalid configuration:\n  " + string.Join("\n  ", problems));
        }

        return settings;
    }

    private static void CheckRootKeys(IConfiguration configuration, List<string> problems)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        // Only the JSON file's top level is checked: the environment carries other EDGEINV_ variables (ORT_LIBRARY...).
        foreach (IConfigurationProvider provider in root.Providers)
        {
            if (provider is not Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider)
            {
                continue;
            }

            foreach (string key in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!RootSections.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{key}: unknown top-level section; the file has {string.Join(" and ", RootSections)}");
                }
            }
        }

        if (!configuration.GetSection(AgentOptions.Section).Exists())
        {
            problems.Add($"{AgentOptions.Section}: the section is missing");
        }
    }

    /// <summary>Keys of the <c>Messaging</c> section that the agent fills itself (<see cref="AgentSettings.ConfigureMessaging"/>).</summary>
    private static readonly (string Key, string Source)[] AgentOwnedMessagingKeys =
    [
        ("StoreId", "Agent:StoreId"),
        ("DeviceId", "Agent:DeviceId"),
        ("AgentVersion", "the agent's build"),
        ("ModelVersion", "the model the agent loaded"),
        ("Outbox:DatabasePath", "Agent:StateDirectory (agent.db)"),
    ];

    /// <summary>
    /// Checks the <c>Messaging</c> section exactly as agent/Messaging will at start (its strict binding and its
    /// validator, after the agent's settings are applied), so every problem is reported here with the agent's.
    /// </summary>
    private static void CheckMessaging(IConfiguration configuration, AgentSettings settings, List<string> problems)
    {
        IConfigurationSection section = configuration.GetSection(EdgeMessagingOptions.Section);
        foreach ((string key, string source) in AgentOwnedMessagingKeys)
        {
            if (section.GetSection(key).Exists())
            {
                problems.Add($"{EdgeMessagingOptions.Section}:{key}: set by the agent from {source}; remove it from the Messaging section");
            }
        }

        // The library's binder names only the section and the type; name the unknown key's full path as for Agent.
        if (FindUnknownKey(section, typeof(EdgeMessagingOptions)) is { } unknown)
        {
            problems.Add($"{unknown}: unknown key (see agent/Agent/README.md for the keys)");
            return;
        }

        // The library's own registration, in a throwaway container: binding, the agent's values, then its validator.
        var services = new ServiceCollection();
        services.AddEdgeMessaging(configuration, settings.ConfigureMessaging);
        using ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<EdgeMessagingOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
        }
    }

    /// <summary>Finds the unknown key the binder refused, so the message can name its full path.</summary>
    private static string DescribeBindingError(IConfiguration configuration, InvalidOperationException e)
    {
        string? unknown = FindUnknownKey(configuration.GetSection(AgentOptions.Section), typeof(AgentOptions));
        return unknown is not null ? $"{unknown}: unknown key (see agent/Agent/README.md for the keys)" : e.Message;
    }

    private static string? FindUnknownKey(IConfigurationSection section, Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            Type item = type.GetGenericArguments()[0];
            foreach (IConfigurationSection child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, out _))
                {
                    return $"{child.Path}: a list index was expected";
                }

                if (FindUnknownKey(child, item) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (!type.IsClass || type == typeof(string) || type.IsArray)
        {
            return null;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            System.Reflection.PropertyInfo? property = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return child.Path;
            }

            if (FindUnknownKey(child, property.PropertyType) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static AgentSettings? Validate(AgentOptions o, string baseDirectory, bool messagingEnabled, List<string> problems)
    {
        const string A = "Agent:";
        Add(problems, A + "StoreId", Identifiers.CheckStoreId(o.StoreId));
        Add(problems, A + "DeviceId", Identifiers.Check(o.DeviceId, "device id"));
        string stateDirectory = "";
        if (string.IsNullOrWhiteSpace(o.StateDirectory))
        {
            problems.Add($"{A}StateDirectory: required (a folder for agent.db and the evidence crops)");
        }
        else
        {
            stateDirectory = Path.GetFullPath(o.StateDirectory, baseDirectory);
            try
            {
                // Made here, not at first write: a folder the agent cannot create is a configuration error to name now.
                Directory.CreateDirectory(stateDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{A}StateDirectory: {stateDirectory} cannot be created: {e.Message}");
            }
        }

        string modelPath = "";
        if (string.IsNullOrWhiteSpace(o.Model.Path))
        {
            problems.Add($"{A}Model:Path: required (an Ultralytics-format YOLO detector in ONNX)");
        }
        else
        {
            modelPath = Path.GetFullPath(o.Model.Path, baseDirectory);
            if (!File.Exists(modelPath))
            {
                problems.Add($"{A}Model:Path: no such file: {modelPath}");
            }
        }

        string? ortLibrary = null;
        if (!string.IsNullOrWhiteSpace(o.Model.OrtLibrary))
        {
            ortLibrary = Path.GetFullPath(o.Model.OrtLibrary, baseDirectory);
            if (!File.Exists(ortLibrary))
            {
                problems.Add($"{A}Model:OrtLibrary: no such file: {ortLibrary}");
            }
        }

        if (!Enum.TryParse(o.Model.Provider, ignoreCase: true, out ExecutionProvider provider) || int.TryParse(o.Model.Provider, out _))
        {
            problems.Add($"{A}Model:Provider: '{o.Model.Provider}' is not one of {string.Join(", ", Enum.GetNames<ExecutionProvider>())}");
        }

        if (o.Model.Confidence is < 0 or > 1)
        {
            problems.Add($"{A}Model:Confidence: {o.Model.Confidence} is outside [0, 1]");
        }

        if (o.Model.IoU is <= 0 or > 1)
        {
            problems.Add($"{A}Model:IoU: {o.Model.IoU} is outside (0, 1]");
        }

        if (o.Model.MaxBatch is < 1 or > 16)
        {
            problems.Add($"{A}Model:MaxBatch: {o.Model.MaxBatch} is outside 1..16");
        }

        if (o.Model.IntraOpThreads < 0)
        {
            problems.Add($"{A}Model:IntraOpThreads: must be 0 (one per core) or positive");
        }

        IReadOnlyList<ExpectedStockEntry> expected = [];
        string? expectedFile = null;
        string? expectedSha256 = null;
        if (!string.IsNullOrWhiteSpace(o.ExpectedStockFile))
        {
            expectedFile = Path.GetFullPath(o.ExpectedStockFile, baseDirectory);
            try
            {
                ExpectedStockFileContent content = ExpectedStockBook.ReadFile(expectedFile);
                expected = content.Entries;
                expectedSha256 = content.Sha256;
            }
            catch (ExpectedStockFormatException e)
            {
                problems.Add($"{A}ExpectedStockFile: {e.Message}");
            }
        }

        if (o.SnapshotIntervalSeconds is < 1 or > 86400)
        {
            problems.Add($"{A}SnapshotIntervalSeconds: {o.SnapshotIntervalSeconds} is outside 1..86400");
        }

        var smoothing = new SmoothingSettings
        {
            Window = o.Smoothing.Window,
            InertiaObservations = o.Smoothing.InertiaObservations,
            Inertia = Seconds(o.Smoothing.InertiaSeconds),
            EmptyFractionTolerance = o.Smoothing.EmptyFractionTolerance,
            CollapseRatio = o.Smoothing.CollapseRatio,
            MinFacingsForCollapse = o.Smoothing.MinFacingsForCollapse,
            NeighbourDistance = o.Smoothing.NeighbourDistance,
            OcclusionMaxObservations = o.Smoothing.OcclusionMaxObservations,
            OcclusionMax = Seconds(o.Smoothing.OcclusionMaxSeconds),
        };
        Add(problems, A + "Smoothing", smoothing.Check());

        ReconciliationOptions r = o.Reconciliation;
        var reconciler = new ReconcilerSettings
        {
            GapThreshold = r.GapThreshold,
            GapWarningThreshold = r.GapWarningThreshold,
            EmptyFractionUpdateStep = r.EmptyFractionUpdateStep,
            ScannerFreshness = TimeSpan.FromMinutes(Math.Clamp(r.ScannerFreshnessMinutes, -1, 1e6)),
            ScannerFacingTolerance = r.ScannerFacingTolerance,
        };
        Add(problems, A + "Reconciliation", reconciler.Check());
        if (r.CameraHealthInertiaSeconds is < 0 or > 86400)
        {
            problems.Add($"{A}Reconciliation:CameraHealthInertiaSeconds: {r.CameraHealthInertiaSeconds} is outside 0..86400");
        }

        if (r.ScannerClockSkewSeconds is not (>= 0 and <= 86400))
        {
            problems.Add($"{A}Reconciliation:ScannerClockSkewSeconds: {r.ScannerClockSkewSeconds} is outside 0..86400");
        }

        if (r.ViewChangeThreshold is < -1 or > 1)
        {
            problems.Add($"{A}Reconciliation:ViewChangeThreshold: {r.ViewChangeThreshold} is outside [-1, 1] (a correlation)");
        }

        if (r.ViewChangeFrames < 1)
        {
            problems.Add($"{A}Reconciliation:ViewChangeFrames: must be at least 1");
        }

        if (o.Evidence.MaxFiles < 1 || o.Evidence.MaxMegabytes < 1 || o.Evidence.MaxAgeDays <= 0)
        {
            problems.Add($"{A}Evidence: MaxFiles, MaxMegabytes and MaxAgeDays must be positive");
        }

        Dictionary<string, string> apiKeys = CheckHttp(o.Http, baseDirectory, problems);
        List<CameraSettings> cameras = CheckCameras(o, problems);
        if (problems.Count > 0)
        {
            return null;
        }

        return new AgentSettings
        {
            StoreId = o.StoreId,
            DeviceId = o.DeviceId,
            StateDirectory = stateDirectory,
            ModelPath = modelPath,
            Model = o.Model,
            Session = new InferenceSessionOptions { Provider = provider, FallbackToCpu = o.Model.FallbackToCpu, IntraOpThreads = o.Model.IntraOpThreads },
            OrtLibraryPath = ortLibrary,
            ExpectedStockFile = expectedFile,
            ExpectedStock = expected,
            ExpectedStockSha256 = expectedSha256,
            SnapshotInterval = Seconds(o.SnapshotIntervalSeconds),
            Smoothing = smoothing,
            Reconciler = reconciler,
            Reconciliation = r,
            Evidence = new EvidenceRetention { MaxFiles = o.Evidence.MaxFiles, MaxBytes = o.Evidence.MaxMegabytes * 1024L * 1024, MaxAge = TimeSpan.FromDays(o.Evidence.MaxAgeDays) },
            Http = o.Http,
            ApiKeys = apiKeys,
            Cameras = cameras,
            ConfigurationDirectory = baseDirectory,
            MessagingEnabled = messagingEnabled,
        };
    }

    private static Dictionary<string, string> CheckHttp(HttpOptions http, string baseDirectory, List<string> problems)
    {
        const string H = "Agent:Http:";
        if (http.Port is < 0 or > 65535)
        {
            problems.Add($"{H}Port: {http.Port} is not a TCP port (0 picks a free one)");
        }

        if (!System.Net.IPAddress.TryParse(http.Address, out _) && http.Address != "localhost")
        {
            problems.Add($"{H}Address: '{http.Address}' is not an IP address or 'localhost'");
        }

        if (!string.IsNullOrWhiteSpace(http.CertificatePath))
        {
            http.CertificatePath = Path.GetFullPath(http.CertificatePath, baseDirectory);
            if (!File.Exists(http.CertificatePath))
            {
                problems.Add($"{H}CertificatePath: no such file: {http.CertificatePath}");
            }

            if (!string.IsNullOrWhiteSpace(http.CertificateKeyPath))
            {
                http.CertificateKeyPath = Path.GetFullPath(http.CertificateKeyPath, baseDirectory);
                if (!File.Exists(http.CertificateKeyPath))
                {
                    problems.Add($"{H}CertificateKeyPath: no such file: {http.CertificateKeyPath}");
                }
            }
        }

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var devices = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < http.ApiKeys.Count; i++)
        {
            ApiKeyOptions k = http.ApiKeys[i];
            string at = $"{H}ApiKeys:{i}:";
            Add(problems, at + "DeviceId", Identifiers.Check(k.DeviceId, "device id"));
            string hash = (k.KeySha256 ?? "").Trim().ToLowerInvariant();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
            {
                problems.Add($"{at}KeySha256: not 64 hex digits (printf %s KEY | sha256sum)");
            }
            else if (!keys.TryAdd(hash, k.DeviceId))
            {
                problems.Add($"{at}KeySha256: the same key is given to two devices");
            }

            if (!devices.Add(k.DeviceId))
            {
                problems.Add($"{at}DeviceId: '{k.DeviceId}' has two keys");
            }
        }

        return keys;
    }

    private static List<CameraSettings> CheckCameras(AgentOptions o, List<string> problems)
    {
        var cameras = new List<CameraSettings>();
        if (o.Cameras.Count == 0)
        {
            problems.Add("Agent:Cameras: at least one camera is needed");
        }

        var cameraIds = new HashSet<string>(StringComparer.Ordinal);
        var zoneIds = new HashSet<string>(StringComparer.Ordinal);
        var locations = new HashSet<(string, string)>();
        for (int c = 0; c < o.Cameras.Count; c++)
        {
            CameraOptions cam = o.Cameras[c];
            string at = $"Agent:Cameras:{c}:";
            Add(problems, at + "Id", Identifiers.Check(cam.Id, "camera id"));
            if (!string.IsNullOrEmpty(cam.Id) && !cameraIds.Add(cam.Id))
            {
                problems.Add($"{at}Id: duplicate camera id '{cam.Id}'");
            }

            CameraSource? source = CameraSource.TryParse(cam.Url, cam.HttpMode, out string? problem);
            if (source is null)
            {
                problems.Add($"{at}Url: {problem}");
            }
            else if (cam.HttpMode is not null && source.Kind is not (CameraSourceKind.HttpMjpeg or CameraSourceKind.HttpSnapshot))
            {
                problems.Add($"{at}HttpMode: only for http(s) URLs");
            }

            var capture = new CaptureSettings
            {
                SampleInterval = Seconds(cam.IntervalSeconds),
                Width = cam.Width,
                Height = cam.Height,
                Loop = cam.Loop,
                KeyframesOnly = cam.KeyframesOnly,
                StallTimeout = Seconds(cam.StallTimeoutSeconds ?? Math.Max(20, 4 * cam.IntervalSeconds)),
                InitialBackoff = Seconds(cam.InitialBackoffSeconds),
                MaxBackoff = Seconds(cam.MaxBackoffSeconds),
                OfflineAfter = Seconds(cam.OfflineAfterSeconds),
            };
            Add(problems, at.TrimEnd(':'), capture.Check());
            if (cam.Loop && source is not null && source.Kind is not (CameraSourceKind.VideoFile or CameraSourceKind.StillFolder))
            {
                problems.Add($"{at}Loop: only video files and still folders loop");
            }

            var zones = new List<ZoneDefinition>();
            if (cam.Zones.Count == 0)
            {
                problems.Add($"{at}Zones: a camera needs at least one zone");
            }

            for (int z = 0; z < cam.Zones.Count; z++)
            {
                ZoneOptions zone = cam.Zones[z];
                string zat = $"{at}Zones:{z}:";
                Add(problems, zat + "Id", Identifiers.Check(zone.Id, "zone id"));
                if (!string.IsNullOrEmpty(zone.Id) && !zoneIds.Add(zone.Id))
                {
                    problems.Add($"{zat}Id: duplicate zone id '{zone.Id}' (zone ids are unique across the device)");
                }

                if (string.IsNullOrWhiteSpace(zone.LocationId) || zone.LocationId.Length > 128)
                {
                    problems.Add($"{zat}LocationId: required, at most 128 characters");
                }

                if (string.IsNullOrWhiteSpace(zone.Sku) || zone.Sku.Length > 64)
                {
                    problems.Add($"{zat}Sku: required, at most 64 characters");
                }

                if (!string.IsNullOrEmpty(zone.LocationId) && !locations.Add((zone.LocationId, zone.Sku)))
                {
                    problems.Add($"{zat}LocationId: location '{zone.LocationId}' with SKU '{zone.Sku}' is already a zone");
                }

                var points = new List<NormalizedPoint>();
                for (int p = 0; p < zone.Polygon.Count; p++)
                {
                    double[] xy = zone.Polygon[p];
                    if (xy is null || xy.Length != 2)
                    {
                        problems.Add($"{zat}Polygon:{p}: a point is [x, y]");
                        continue;
                    }

                    if (!(xy[0] >= 0 && xy[0] <= 1 && xy[1] >= 0 && xy[1] <= 1))
                    {
                        problems.Add($"{zat}Polygon:{p}: [{xy[0]}, {xy[1]}] is outside [0, 1] (fractions of the image width and height)");
                    }

                    points.Add(new NormalizedPoint(xy[0], xy[1]));
                }

                string? polygonProblem = ZonePolygon.Check(points);
                if (polygonProblem is not null && !polygonProblem.Contains("outside", StringComparison.Ordinal))
                {
                    problems.Add($"{zat}Polygon: {polygonProblem}");
                }

                if (zone.PlannedFacings < 1)
                {
                    problems.Add($"{zat}PlannedFacings: must be at least 1");
                }

                int minFacings = zone.MinFacings ?? Math.Max(1, zone.PlannedFacings / 2);
                if (minFacings < 0 || minFacings > zone.PlannedFacings)
                {
                    problems.Add($"{zat}MinFacings: must be within 0..PlannedFacings ({zone.PlannedFacings})");
                }

                if (zone.Capacity is < 0)
                {
                    problems.Add($"{zat}Capacity: must not be negative");
                }

                if (zone.Depth is < 1 or > 1000 || double.IsNaN(zone.Depth))
                {
                    problems.Add($"{zat}Depth: units per facing must be within 1..1000");
                }

                if (polygonProblem is null && zone.PlannedFacings >= 1)
                {
                    zones.Add(new ZoneDefinition
                    {
                        Id = zone.Id,
                        LocationId = zone.LocationId,
                        Sku = zone.Sku,
                        Polygon = ZonePolygon.Create(points),
                        PlannedFacings = zone.PlannedFacings,
                        MinFacings = minFacings,
                        Capacity = zone.Capacity,
                        Depth = zone.Depth,
                    });
                }
            }

            if (source is not null)
            {
                cameras.Add(new CameraSettings(cam.Id, source, capture, zones));
            }
        }

        return cameras;
    }

    private static TimeSpan Seconds(double s) => double.IsFinite(s) && Math.Abs(s) < 1e9 ? TimeSpan.FromSeconds(s) : TimeSpan.MaxValue;

    private static void Add(List<string> problems, string key, string? problem)
    {
        if (problem is not null)
        {
            problems.Add($"{key}: {problem}");
        }
    }
}
