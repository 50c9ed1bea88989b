namespace EdgeInventory.Agent.Configuration;

// The "Agent" section of the configuration file, bound strictly (an unknown key stops start-up).
// Every key is documented in agent/Agent/README.md; defaults are the values below. MQTT delivery is
// configured in the library's own "Messaging" section (agent/Messaging), filled from these settings.

public sealed class AgentOptions
{
    public const string Section = "Agent";

    public string StoreId { get; set; } = "";

    public string DeviceId { get; set; } = "";

    /// <summary>Folder for the SQLite state (agent.db) and the evidence crops.</summary>
    public string StateDirectory { get; set; } = "";

    public ModelOptions Model { get; set; } = new();

    /// <summary>Planogram/ERP expected stock, .csv or .json; optional (zones' planned values are used without it).</summary>
    public string? ExpectedStockFile { get; set; }

    /// <summary>How often each camera's zone counts are written as a snapshot message.</summary>
    public double SnapshotIntervalSeconds { get; set; } = 60;

    public SmoothingOptions Smoothing { get; set; } = new();

    public ReconciliationOptions Reconciliation { get; set; } = new();

    public EvidenceOptions Evidence { get; set; } = new();

    public HttpOptions Http { get; set; } = new();

    public List<CameraOptions> Cameras { get; set; } = [];
}

public sealed class ModelOptions
{
    public string Path { get; set; } = "";

    /// <summary>Score threshold; null takes the model's (edgeinv_conf metadata, else 0.25).</summary>
    public float? Confidence { get; set; }

    /// <summary>NMS IoU threshold; null takes the model's (edgeinv_iou metadata, else 0.7).</summary>
    public float? IoU { get; set; }

    /// <summary>Cpu, Cuda or TensorRT.</summary>
    public string Provider { get; set; } = "Cpu";

    public bool FallbackToCpu { get; set; } = true;

    /// <summary>
    /// Another ONNX Runtime native library (1.32 or newer) in place of the package's CPU build: a GPU build,
    /// JetPack's on a Jetson. Wins over EDGEINV_ORT_LIBRARY; unset, that variable or the package's own is used.
    /// </summary>
    public string? OrtLibrary { get; set; }

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Most frames (of different cameras) run in one batch when the model's batch is dynamic. Default: 1 on
    /// the CPU, where a batch of 4 measured slower per frame than single frames (bench agent), 4 on a GPU.
    /// </summary>
    public int? MaxBatch { get; set; }

    /// <summary>The model's class names are SKUs (enables unexpected-product checks).</summary>
    public bool ClassesAreSkus { get; set; }
}

public sealed class SmoothingOptions
{
    // 3 / 4 / 15 s: a shopper in front of a zone for 3 frames changes nothing (4 observations), and a real change is
    // raised 3-4 intervals after it at the 5 s interval (5 / 3 / 20 s took 4-6); measured on the shortage harness
    // (agent/Reconciliation/README.md).
    public int Window { get; set; } = 3;

    public int InertiaObservations { get; set; } = 4;

    public double InertiaSeconds { get; set; } = 15;

    public double EmptyFractionTolerance { get; set; } = 0.1;

    public double CollapseRatio { get; set; } = 0.5;

    public int MinFacingsForCollapse { get; set; } = 2;

    public double NeighbourDistance { get; set; } = 0.05;

    public int OcclusionMaxObservations { get; set; } = 6;

    public double OcclusionMaxSeconds { get; set; } = 30;
}

public sealed class ReconciliationOptions
{
    public double GapThreshold { get; set; } = 0.3;

    public double GapWarningThreshold { get; set; } = 0.5;

    public double EmptyFractionUpdateStep { get; set; } = 0.1;

    public double ScannerFreshnessMinutes { get; set; } = 30;

    /// <summary>How far ahead of the agent's clock a scanner count's countedAt may be (the devices' clock skew); later is refused.</summary>
    public double ScannerClockSkewSeconds { get; set; } = 300;

    public double ScannerFacingTolerance { get; set; } = 0.25;

    /// <summary>A zone's first confirmed state is what it looks like full (its baseline); false: planned facings decide until a restock or a full scanner count.</summary>
    public bool LearnBaselineAtCommissioning { get; set; } = true;

    /// <summary>Read each zone's pixels for bare shelf (a second witness beside the detector, judged against the zone's baseline); false: the detector alone.</summary>
    public bool ReadShelfPixels { get; set; } = true;

    /// <summary>No product seen is out of stock only when at least this share of the width that was not bare when full looks bare now (with ReadShelfPixels).</summary>
    public double OutOfStockBareShare { get; set; } = 0.6;

    /// <summary>With <c>ReadShelfPixels</c>, one box seen where three or more were when full is out of stock when at least this share of the width went bare.</summary>
    public double LoneBoxBareShare { get; set; } = 0.8;

    /// <summary>A camera must be offline or stalled this long before an event is raised.</summary>
    public double CameraHealthInertiaSeconds { get; set; } = 30;

    /// <summary>Similarity to the reference frame below which the view counts as changed.</summary>
    public double ViewChangeThreshold { get; set; } = 0.45;

    /// <summary>Consecutive frames below (or back above) the threshold before the view is called changed (or restored).</summary>
    public int ViewChangeFrames { get; set; } = 3;
}

public sealed class EvidenceOptions
{
    public int MaxFiles { get; set; } = 2000;

    public int MaxMegabytes { get; set; } = 512;

    public double MaxAgeDays { get; set; } = 14;

    /// <summary>With a Messaging section, each crop (at most 512 KiB) also goes to the cloud after its event; ignored without one.</summary>
    public bool SendToCloud { get; set; } = true;
}

public sealed class HttpOptions
{
    public bool Enabled { get; set; } = true;

    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 8080;

    /// <summary>A PKCS#12 (.pfx) or PEM certificate; when set, the endpoint serves HTTPS only.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>For a PEM certificate: its private key file.</summary>
    public string? CertificateKeyPath { get; set; }

    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

public sealed class ApiKeyOptions
{
    /// <summary>The scanner's device id; its posts must carry the same deviceId.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>Hex SHA-256 of the key (the key itself is never stored): <c>printf %s KEY | sha256sum</c>.</summary>
    public string KeySha256 { get; set; } = "";
}

public sealed class CameraOptions
{
    public string Id { get; set; } = "";

    public string Url { get; set; } = "";

    /// <summary>For http(s) URLs: mjpeg (a stream) or snapshot (one JPEG per request).</summary>
    public string? HttpMode { get; set; }

    public double IntervalSeconds { get; set; } = 5;

    public int? Width { get; set; }

    public int? Height { get; set; }

    public bool Loop { get; set; }

    public bool KeyframesOnly { get; set; }

    /// <summary>Default: the larger of 20 s and four intervals.</summary>
    public double? StallTimeoutSeconds { get; set; }

    public double InitialBackoffSeconds { get; set; } = 1;

    public double MaxBackoffSeconds { get; set; } = 60;

    public double OfflineAfterSeconds { get; set; } = 60;

    public List<ZoneOptions> Zones { get; set; } = [];
}

public sealed class ZoneOptions
{
    public string Id { get; set; } = "";

    public string LocationId { get; set; } = "";

    public string Sku { get; set; } = "";

    /// <summary>Points [x, y] as fractions of the image width and height.</summary>
    public List<double[]> Polygon { get; set; } = [];

    public int PlannedFacings { get; set; }

    public int? MinFacings { get; set; }

    public int? Capacity { get; set; }

    public double Depth { get; set; } = 1;
}
