using System.Diagnostics;
using EdgeInventory.Imaging;
using EdgeInventory.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Vision.Yolo;

/// <summary>
/// Runs an Ultralytics-format YOLO detector (v5, v8/11 or end-to-end v10/26 output) on BGR images.
/// Input and output tensors lie over pinned buffers the detector owns, bound to the session once per
/// batch size (the package's IO binding) and reused, so detecting frame after frame allocates nothing.
/// One instance serves one thread at a time; share the instance across cameras by batching their frames (see <see cref="Detect(ReadOnlySpan{BgrImage}, List{Detection}[], DetectionSettings?)"/>).
/// </summary>
public sealed class YoloDetector : IDisposable
{
    private const int DefaultMaxDetections = 1000;

    private readonly ModelSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly LetterboxResizer[] _resizers;
    private readonly YoloPostprocessor _post = new();
    private readonly Dictionary<int, SessionBinding> _bindings = [];
    private readonly LetterboxGeometry[] _geometries;
    // Held for the whole of a Detect call. Dispose takes it too, so the session is never freed under a run that is
    // still inside ONNX Runtime (a host that stops during a long inference, e.g. a TensorRT engine build, crashed).
    private readonly Lock _runGate = new();
    private volatile bool _disposed;

    private YoloDetector(ModelSession session, YoloModelInfo model)
    {
        _session = session;
        Model = model;
        int maxBatch = model.FixedBatch ?? MaxBatch;
        _resizers = new LetterboxResizer[maxBatch];
        for (int i = 0; i < maxBatch; i++)
        {
            _resizers[i] = new LetterboxResizer();
        }

        _geometries = new LetterboxGeometry[maxBatch];
    }

    /// <summary>The most images run at once on a model with a dynamic batch dimension.</summary>
    public const int MaxBatch = 16;

    public YoloModelInfo Model { get; }

    /// <summary>The execution provider the session runs on, and why it is not the configured one after a fallback.</summary>
    public ExecutionProvider ExecutionProvider => _session.ExecutionProvider;

    public string? ProviderFallbackReason => _session.ProviderFallbackReason;

    /// <summary>Stage times of the last Detect call.</summary>
    public StageTimings LastTimings { get; private set; }

    /// <summary>The package's session, for benchmarks that time the bare ONNX Runtime run (<see cref="BareRun"/>).</summary>
    public InferenceSession Session => _session.Session;

    /// <summary>True while ONNX Runtime is running a batch (a test waits on it to stop the detector mid-run).</summary>
    internal bool IsRunning { get; private set; }

    /// <summary>Opens a model and checks that it is a YOLO detector.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="OrtException">ONNX Runtime cannot load it (corrupt, not ONNX).</exception>
    /// <exception cref="ModelFormatException">It loads but is not a detector this project reads.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The configured GPU provider cannot be used and the CPU fallback is off.</exception>
    public static YoloDetector Open(string modelPath, InferenceSessionOptions? options = null, YoloOutputLayout? layout = null)
    {
        ModelSession session = ModelSession.Open(modelPath, options);
        try
        {
            return new YoloDetector(session, YoloModelInfo.From(session, layout));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Detects objects in one image; results are cleared first.</summary>
    public void Detect(BgrImage image, List<Detection> results, DetectionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<BgrImage> one = [image];
        Span<List<Detection>> output = [results];
        DetectCore(one, output, settings);
    }

    /// <summary>
    /// Detects objects in several images (several cameras' frames, say), in one run when the model's
    /// batch dimension is dynamic; results[i] is cleared and filled for images[i].
    /// </summary>
    public void Detect(ReadOnlySpan<BgrImage> images, List<Detection>[] results, DetectionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Length < images.Length)
        {
            throw new ArgumentException($"{images.Length} images need as many result lists, {results.Length} were given");
        }

        DetectCore(images, results, settings);
    }

    /// <summary>
    /// Frees the session. A run in progress on another thread is told to stop (ONNX Runtime's terminate flag) and
    /// waited for; that Detect call then throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _runOptions.Terminate = true;
        using Lock.Scope wait = _runGate.EnterScope();
        foreach (SessionBinding b in _bindings.Values)
        {
            b.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    private void DetectCore(ReadOnlySpan<BgrImage> images, Span<List<Detection>> results, DetectionSettings? settings)
    {
        settings?.Validate();
        using Lock.Scope run = _runGate.EnterScope();
        ObjectDisposedException.ThrowIf(_disposed, this);
        float conf = settings?.Confidence ?? Model.DefaultConfidence;
        float iou = settings?.IoU ?? Model.DefaultIoU;
        int maxDet = settings?.MaxDetections ?? DefaultMaxDetections;
        int chunk = Model.FixedBatch ?? MaxBatch;
        var timings = default(StageTimings);
        for (int start = 0; start < images.Length; start += chunk)
        {
            int n = Math.Min(chunk, images.Length - start);
            RunChunk(images.Slice(start, n), results.Slice(start, n), conf, iou, maxDet, ref timings);
        }

        LastTimings = timings;
    }

    private void RunChunk(ReadOnlySpan<BgrImage> images, Span<List<Detection>> results, float conf, float iou, int maxDet, ref StageTimings timings)
    {
        int batch = Model.FixedBatch ?? images.Length;
        long t0 = Stopwatch.GetTimestamp();
        SessionBinding binding = BindingFor(batch);
        int plane = Model.InputWidth * Model.InputHeight * 3;
        Span<float> input = binding.Input.Span;
        for (int i = 0; i < images.Length; i++)
        {
            _geometries[i] = _resizers[i].Apply(images[i], input.Slice(i * plane, plane), Model.InputWidth, Model.InputHeight);
        }

        if (images.Length < batch)
        {
            input[(images.Length * plane)..].Clear(); // a fixed batch larger than the images given
        }

        timings.PreprocessMs += StageTimings.Since(t0);

        long t1 = Stopwatch.GetTimestamp();
        IsRunning = true;
        try
        {
            binding.Run(_runOptions);
        }
        catch (OnnxRuntimeException) when (_disposed)
        {
            throw new ObjectDisposedException(nameof(YoloDetector), "the detector was disposed during the run");
        }
        finally
        {
            IsRunning = false;
        }

        timings.InferenceMs += StageTimings.Since(t1);

        long t2 = Stopwatch.GetTimestamp();
        ReadOnlySpan<long> shape = binding.Output!.Shape;
        int rows = (int)shape[1], cols = (int)shape[2];
        int perImage = rows * cols;
        ReadOnlySpan<float> output = binding.Output.Span;
        for (int i = 0; i < images.Length; i++)
        {
            results[i].Clear();
            _post.Decode(output.Slice(i * perImage, perImage), Model.Layout, rows, cols, _geometries[i], conf, iou, maxDet, results[i]);
        }

        timings.PostprocessMs += StageTimings.Since(t2);
    }

    private SessionBinding BindingFor(int batch)
    {
        if (_bindings.TryGetValue(batch, out SessionBinding? binding))
        {
            return binding;
        }

        binding = new SessionBinding(Session, Model, batch);
        _bindings[batch] = binding;
        return binding;
    }
}
