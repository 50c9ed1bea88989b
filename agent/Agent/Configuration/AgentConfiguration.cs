using EdgeInventory.Agent.Evidence;
using EdgeInventory.Capture;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Onnx;
using EdgeInventory.Reconciliation;
using System.Globalization;
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

    /// <summary>How a camera's detections (and pixels) become zone observations, for a model with these class names.</summary>
    public CountingSettings CountingFor(IReadOnlyDictionary<int, string> classNames) =>
        CountingSettings.FromClassNames(classNames, Model.ClassesAreSkus) with
        {
            ShelfTexture = Reconciliation.ReadShelfPixels ? ShelfTextureSettings.Default : null,
        };

    public required EvidenceRetention Evidence { get; init; }

    public required HttpOptions Http { get; init; }

    /// <summary>SHA-256 of each API key (lower-case hex) → the scanner's device id.</summary>
    public required IReadOnlyDictionary<string, string> ApiKeys { get; init; }

    public required IReadOnlyList<CameraSettings> Cameras { get; init; }

    /// <summary>The configuration file's folder: relative paths, the <c>Messaging</c> section's included, are taken from it.</summary>
    public required string ConfigurationDirectory { get; init; }

    /// <summary>True when the configuration has a <c>Messaging</c> section: events go out over MQTT through agent/Messaging's outbox.</summary>
    public bool MessagingEnabled { get; init; }

    /// <summary>
    /// Each evidence crop goes into the outbox as an <c>edgeinv.evidence/1</c> message after its event: a
    /// <c>Messaging</c> section and <c>Agent:Evidence:SendToCloud</c> (default true). Without MQTT the crop stays a file.
    /// </summary>
    public bool SendEvidence { get; init; }

    /// <summary>The agent's own database; the MQTT outbox lives in it so that events share their state change's transaction.</summary>
    public string DatabasePath => Path.Combine(StateDirectory, "agent.db");

    /// <summary>Where the evidence crops are kept.</summary>
    public string EvidenceFolder => Path.Combine(StateDirectory, "evidence");

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

    /// <summary>Where the unknown-key message sends a reader: the agent's README lists both sections' keys.</summary>
    private const string KeysDocumentedIn = "agent/Agent/README.md";

    private static readonly string[] RootSections = [AgentOptions.Section, EdgeMessagingOptions.Section, "Logging"];

    /// <summary>The configuration sources: the JSON file, then the environment.</summary>
    public static IConfigurationBuilder AddAgentSources(this IConfigurationBuilder builder, string configFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string path = Path.GetFullPath(configFile);
        if (ConfigurationFiles.Check(path, MaxConfigurationBytes) is { } problem)
        {
            throw new AgentConfigurationException($"--config: {problem}");
        }

        try
        {
            return builder.AddJsonFile(path, optional: false, reloadOnChange: false).AddEnvironmentVariables(EnvironmentPrefix);
        }
        catch (InvalidDataException e)
        {
            throw new AgentConfigurationException(DescribeUnreadableJson(path, e), e);
        }
    }

    private const long MaxConfigurationBytes = ConfigurationFiles.MiB;

    /// <summary>
    /// The provider's own message is only "Failed to load configuration from file": the cause is inside it, a
    /// <see cref="System.Text.Json.JsonException"/> (with the line and the byte in it, both counted from 0) or a
    /// <see cref="FormatException"/> (a duplicate key, a top level that is not an object, an empty file).
    /// </summary>
    private static string DescribeUnreadableJson(string path, InvalidDataException e)
    {
        Exception cause = e;
        while (cause.InnerException is { } inner)
        {
            cause = inner;
            if (cause is System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } position } json)
            {
                // The message quotes the text around the error, line breaks included: the report stays one line.
                string reason = json.Message.Split(" LineNumber:")[0].TrimEnd(' ', '|', '.').ReplaceLineEndings("\\n");
                return $"{path}:{line + 1}:{position + 1}: not valid JSON: {reason}";
            }
        }

        return $"{path}: not a usable configuration file: {cause.Message.ReplaceLineEndings("\\n")}";
    }

    /// <summary>
    /// Binds and checks the <c>Agent</c> section (and <c>Messaging</c> when present), then runs the start-up step
    /// (<see cref="AgentStartup.Prepare"/>: the state folder made, the planogram read); relative paths are taken from
    /// <paramref name="baseDirectory"/> (the config file's folder).
    /// </summary>
    public static AgentSettings Load(IConfiguration configuration, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        CheckRootKeys(configuration, problems);
        var options = new AgentOptions();
        if (StrictConfiguration.TryBind(configuration.GetSection(AgentOptions.Section), options, KeysDocumentedIn) is { } bindingProblem)
        {
            throw new AgentConfigurationException("configuration: " + bindingProblem);
        }

        AgentSettings? settings = Check(options, baseDirectory, configuration.GetSection(EdgeMessagingOptions.Section).Exists(), problems);
        if (problems.Count > 0 || settings is null)
        {
            throw Invalid(problems);
        }

        // The start-up step comes before the Messaging section's check: agent/Messaging's validator wants the outbox's
        // folder (the state folder, made by the step) to exist.
        settings = AgentStartup.Prepare(settings);
        if (settings.MessagingEnabled)
        {
            CheckMessaging(configuration, settings, problems);
            if (problems.Count > 0)
            {
                throw Invalid(problems);
            }
        }

        return settings;
    }

    /// <summary>One problem is one line (what a supervisor's log shows); several are listed one a line.</summary>
    internal static AgentConfigurationException Invalid(IReadOnlyList<string> problems) => new(problems.Count == 1
        ? "invalid configuration: " + problems[0]
        : "invalid configuration:\n  " + string.Join("\n  ", problems));

    /// <summary>Why <paramref name="folder"/> could not be a folder the agent makes, seen without making it; null when it can be.</summary>
    private static string? FolderProblem(string folder)
    {
        if (File.Exists(folder))
        {
            return $"{folder} cannot be created: it is a file";
        }

        for (string? above = Path.GetDirectoryName(folder); above is not null; above = Path.GetDirectoryName(above))
        {
            if (File.Exists(above))
            {
                return $"{folder} cannot be created: {above} is a file";
            }

            if (Directory.Exists(above))
            {
                break;
            }
        }

        return null;
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
        if (StrictConfiguration.FindUnknownKey(section, typeof(EdgeMessagingOptions)) is { } unknown)
        {
            problems.Add(StrictConfiguration.UnknownKey(unknown, KeysDocumentedIn));
            return;
        }

        // The library reads the password file and the certificates while it validates: check them first, as the
        // Agent section's files are, so a FIFO or a device there is refused instead of blocking start for ever.
        if (!CheckMessagingFiles(section, settings.ConfigurationDirectory, problems))
        {
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

    /// <summary>The <c>Messaging</c> section's file keys, each checked like the agent's own; true when all can be read.</summary>
    private static bool CheckMessagingFiles(IConfigurationSection section, string baseDirectory, List<string> problems)
    {
        bool readable = true;
        foreach ((string key, long maxBytes) in MessagingFileKeys)
        {
            if (section[key] is { Length: > 0 } path)
            {
                readable &= AddFile(problems, $"{EdgeMessagingOptions.Section}:{key}", Path.GetFullPath(path, baseDirectory), maxBytes);
            }
        }

        return readable;
    }

    private static readonly (string Key, long MaxBytes)[] MessagingFileKeys =
    [
        ("Broker:PasswordFile", 64 * ConfigurationFiles.KiB),
        ("Broker:Tls:CaFile", MaxCertificateBytes),
        ("Broker:Tls:CertFile", MaxCertificateBytes),
        ("Broker:Tls:KeyFile", MaxCertificateBytes),
    ];

    /// <summary>
    /// Checks every value of <paramref name="o"/> (each problem naming its key) and resolves them into settings, or
    /// null when there is a problem. No side effects: nothing is created or read but the files' metadata.
    /// </summary>
    internal static AgentSettings? Check(AgentOptions o, string baseDirectory, bool messagingEnabled, List<string> problems)
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
            // Only looked at here: the folder is made by the start-up step (AgentStartup), which names this key too.
            Add(problems, A + "StateDirectory", FolderProblem(stateDirectory));
        }

        string modelPath = "";
        if (string.IsNullOrWhiteSpace(o.Model.Path))
        {
            problems.Add($"{A}Model:Path: required (an Ultralytics-format YOLO detector in ONNX)");
        }
        else
        {
            modelPath = Path.GetFullPath(o.Model.Path, baseDirectory);
            AddFile(problems, A + "Model:Path", modelPath, MaxModelBytes);
        }

        string? ortLibrary = null;
        if (!string.IsNullOrWhiteSpace(o.Model.OrtLibrary))
        {
            ortLibrary = Path.GetFullPath(o.Model.OrtLibrary, baseDirectory);
            AddFile(problems, A + "Model:OrtLibrary", ortLibrary, MaxLibraryBytes);
        }

        if (!Enum.TryParse(o.Model.Provider, ignoreCase: true, out ExecutionProvider provider) || int.TryParse(o.Model.Provider, out _))
        {
            problems.Add($"{A}Model:Provider: '{o.Model.Provider}' is not one of {string.Join(", ", Enum.GetNames<ExecutionProvider>())}");
        }

        if (o.Model.Confidence is { } confidence)
        {
            AddRange(problems, A + "Model:Confidence", confidence, 0, 1);
        }

        if (o.Model.IoU is { } iou)
        {
            AddRange(problems, A + "Model:IoU", iou, 0, 1, lowOpen: true);
        }

        if (o.Model.MaxBatch is < 1 or > 16)
        {
            problems.Add($"{A}Model:MaxBatch: {o.Model.MaxBatch} is outside 1..16");
        }

        if (o.Model.IntraOpThreads < 0)
        {
            problems.Add($"{A}Model:IntraOpThreads: must be 0 (one per core) or positive");
        }

        string? expectedFile = null;
        if (!string.IsNullOrWhiteSpace(o.ExpectedStockFile))
        {
            expectedFile = Path.GetFullPath(o.ExpectedStockFile, baseDirectory);
            // The file is checked here (a regular file, readable, within its size); it is read by the start-up step.
            AddFile(problems, A + "ExpectedStockFile", expectedFile, MaxExpectedStockBytes);
        }

        AddRange(problems, A + "SnapshotIntervalSeconds", o.SnapshotIntervalSeconds, 1, 86400);
        int beforeSmoothing = problems.Count;
        SmoothingOptions so = o.Smoothing;
        AddRange(problems, A + "Smoothing:InertiaSeconds", so.InertiaSeconds, 0, 86400);
        AddRange(problems, A + "Smoothing:EmptyFractionTolerance", so.EmptyFractionTolerance, 0, 1);
        AddRange(problems, A + "Smoothing:CollapseRatio", so.CollapseRatio, 0, 1, lowOpen: true);
        AddRange(problems, A + "Smoothing:NeighbourDistance", so.NeighbourDistance, 0, 1);
        AddRange(problems, A + "Smoothing:OcclusionMaxSeconds", so.OcclusionMaxSeconds, 0, 86400);
        if (so.MinFacingsForCollapse < 0)
        {
            problems.Add($"{A}Smoothing:MinFacingsForCollapse: {so.MinFacingsForCollapse} is negative");
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
        if (problems.Count == beforeSmoothing)
        {
            // The library's own check (the whole numbers' ranges, relations between keys), once the numbers are in range.
            Add(problems, A + "Smoothing", smoothing.Check());
        }

        ReconciliationOptions r = o.Reconciliation;
        int beforeReconciliation = problems.Count;
        AddRange(problems, A + "Reconciliation:GapThreshold", r.GapThreshold, 0, 1, lowOpen: true);
        AddRange(problems, A + "Reconciliation:GapWarningThreshold", r.GapWarningThreshold, 0, 1, lowOpen: true);
        AddRange(problems, A + "Reconciliation:EmptyFractionUpdateStep", r.EmptyFractionUpdateStep, 0, 1, lowOpen: true);
        AddRange(problems, A + "Reconciliation:ScannerFreshnessMinutes", r.ScannerFreshnessMinutes, 0, 525600, lowOpen: true);
        AddRange(problems, A + "Reconciliation:ScannerFacingTolerance", r.ScannerFacingTolerance, 0, 1, highOpen: true);
        AddRange(problems, A + "Reconciliation:OutOfStockBareShare", r.OutOfStockBareShare, 0, 1);
        AddRange(problems, A + "Reconciliation:LoneBoxBareShare", r.LoneBoxBareShare, 0, 1);
        bool reconciliationInRange = problems.Count == beforeReconciliation;
        var reconciler = new ReconcilerSettings
        {
            GapThreshold = r.GapThreshold,
            GapWarningThreshold = r.GapWarningThreshold,
            EmptyFractionUpdateStep = r.EmptyFractionUpdateStep,
            ScannerFreshness = reconciliationInRange ? TimeSpan.FromMinutes(r.ScannerFreshnessMinutes) : TimeSpan.Zero,
            ScannerFacingTolerance = r.ScannerFacingTolerance,
            Baseline = new BaselineSettings { LearnAtCommissioning = r.LearnBaselineAtCommissioning },
            OutOfStockBareShare = r.OutOfStockBareShare,
            LoneBoxBareShare = r.LoneBoxBareShare,
        };
        if (reconciliationInRange)
        {
            Add(problems, A + "Reconciliation", reconciler.Check());
        }

        AddRange(problems, A + "Reconciliation:CameraHealthInertiaSeconds", r.CameraHealthInertiaSeconds, 0, 86400);
        AddRange(problems, A + "Reconciliation:ViewChangeThreshold", r.ViewChangeThreshold, -1, 1, unit: " (a correlation)");
        AddRange(problems, A + "Reconciliation:ScannerClockSkewSeconds", r.ScannerClockSkewSeconds, 0, 86400);

        if (r.ViewChangeFrames < 1)
        {
            problems.Add($"{A}Reconciliation:ViewChangeFrames: must be at least 1");
        }

        if (o.Evidence.MaxFiles < 1 || o.Evidence.MaxMegabytes < 1)
        {
            problems.Add($"{A}Evidence: MaxFiles and MaxMegabytes must be positive");
        }

        AddRange(problems, A + "Evidence:MaxAgeDays", o.Evidence.MaxAgeDays, 0, 36500, lowOpen: true);

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
            ExpectedStock = [],
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
            SendEvidence = messagingEnabled && o.Evidence.SendToCloud,
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
            AddFile(problems, H + "CertificatePath", http.CertificatePath, MaxCertificateBytes);
            if (!string.IsNullOrWhiteSpace(http.CertificateKeyPath))
            {
                http.CertificateKeyPath = Path.GetFullPath(http.CertificateKeyPath, baseDirectory);
                AddFile(problems, H + "CertificateKeyPath", http.CertificateKeyPath, MaxCertificateBytes);
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

            int beforeCapture = problems.Count;
            AddRange(problems, at + "IntervalSeconds", cam.IntervalSeconds, 0.1, 3600);
            if (cam.StallTimeoutSeconds is { } stall)
            {
                AddRange(problems, at + "StallTimeoutSeconds", stall, 0, 86400, lowOpen: true);
            }

            AddRange(problems, at + "InitialBackoffSeconds", cam.InitialBackoffSeconds, 0, 86400, lowOpen: true);
            AddRange(problems, at + "MaxBackoffSeconds", cam.MaxBackoffSeconds, 0, 86400, lowOpen: true);
            AddRange(problems, at + "OfflineAfterSeconds", cam.OfflineAfterSeconds, 0, 86400, lowOpen: true);
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
            if (problems.Count == beforeCapture)
            {
                Add(problems, at.TrimEnd(':'), capture.Check());
            }

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

    private const long MaxModelBytes = 2048 * ConfigurationFiles.MiB; // ONNX's protobuf limit
    private const long MaxLibraryBytes = 2048 * ConfigurationFiles.MiB; // a GPU build of ONNX Runtime is several hundred MiB
    private const long MaxExpectedStockBytes = 64 * ConfigurationFiles.MiB;
    private const long MaxCertificateBytes = ConfigurationFiles.MiB;

    /// <summary>
    /// A number's range, written so that NaN is outside every range (a comparison with NaN is false) and the
    /// infinities outside every finite one: the values go on into <see cref="TimeSpan"/>s, which throw on both.
    /// </summary>
    private static void AddRange(List<string> problems, string key, double value, double low, double high, bool lowOpen = false, bool highOpen = false, string unit = "")
    {
        bool above = lowOpen ? value > low : value >= low;
        bool below = highOpen ? value < high : value <= high;
        if (!(above && below))
        {
            string range = $"{(lowOpen ? "(" : "[")}{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}{(highOpen ? ")" : "]")}";
            problems.Add($"{key}: {value.ToString(CultureInfo.InvariantCulture)} is outside {range}{unit}");
        }
    }

    /// <summary>Checks a file key (regular file, readable, within the size limit); true when the file can be read.</summary>
    private static bool AddFile(List<string> problems, string key, string path, long maxBytes)
    {
        string? problem = ConfigurationFiles.Check(path, maxBytes);
        Add(problems, key, problem);
        return problem is null;
    }

    private static void Add(List<string> problems, string key, string? problem)
    {
        if (problem is not null)
        {
            problems.Add($"{key}: {problem}");
        }
    }
}
