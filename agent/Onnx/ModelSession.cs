using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Onnx;

/// <summary>
/// A model loaded into the package's <see cref="InferenceSession"/> on the configured execution provider,
/// or on the CPU after a fallback, with the reason. The session itself (inputs, outputs, metadata,
/// IO binding) is the package's.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private ModelSession(string source, InferenceSession session, ExecutionProvider provider, string? fallbackReason)
    {
        Source = source;
        Session = session;
        ExecutionProvider = provider;
        ProviderFallbackReason = fallbackReason;
    }

    /// <summary>The model file this session was created from.</summary>
    public string Source { get; }

    public InferenceSession Session { get; }

    /// <summary>The provider the session runs on (CPU after a fallback).</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>Why the configured GPU provider was not used, when the session fell back to the CPU; null otherwise.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="OrtException">ONNX Runtime refused the model; the message starts with the path.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The GPU provider cannot be used and the CPU fallback is off.</exception>
    /// <exception cref="OrtLibraryException">The native library is missing, does not load, or is too old.</exception>
    public static ModelSession Open(string modelPath, InferenceSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        options ??= new InferenceSessionOptions();
        options.Validate();
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"{modelPath}: no such model file", modelPath);
        }

        OrtLibrary.EnsureLoaded();
        string fullPath = Path.GetFullPath(modelPath);
        if (options.Provider == ExecutionProvider.Cpu)
        {
            return new ModelSession(modelPath, CreateOn(ExecutionProvider.Cpu, fullPath, options, modelPath), ExecutionProvider.Cpu, null);
        }

        OnnxRuntimeException providerFailure;
        try
        {
            return new ModelSession(modelPath, CreateOn(options.Provider, fullPath, options, modelPath), options.Provider, null);
        }
        catch (OnnxRuntimeException e)
        {
            providerFailure = e;
        }
        catch (OrtException e) when (e.InnerException is OnnxRuntimeException inner)
        {
            providerFailure = inner; // the session with the provider failed: the provider, or the model (told below)
        }

        // The CPU session decides whose fault it was: a model that fails here too is reported as the model's error.
        InferenceSession cpu = CreateOn(ExecutionProvider.Cpu, fullPath, options, modelPath);
        string reason = $"the {options.Provider} execution provider cannot be used with ONNX Runtime {OrtLibrary.Version} at {OrtLibrary.LoadedPath}: {OrtException.OrtMessage(providerFailure)}";
        if (!options.FallbackToCpu)
        {
            cpu.Dispose();
            throw new ExecutionProviderUnavailableException(
                reason + " (use a GPU build of ONNX Runtime, or allow the CPU fallback in the configuration)", providerFailure);
        }

        return new ModelSession(modelPath, cpu, ExecutionProvider.Cpu, reason);
    }

    public void Dispose() => Session.Dispose();

    /// <summary>Creates the session; a failure to append the provider is the package's exception, a failure to load the model an <see cref="OrtException"/>.</summary>
    private static InferenceSession CreateOn(ExecutionProvider provider, string fullPath, InferenceSessionOptions options, string source)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        string spinning = options.AllowSpinning ? "1" : "0";
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning);
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", spinning);
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                AppendCuda(sessionOptions, options, options.ProviderOptions);
                break;
            case ExecutionProvider.TensorRT:
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    trt.UpdateOptions(WithDevice(options, options.ProviderOptions));
                    sessionOptions.AppendExecutionProvider_Tensorrt(trt);
                }

                AppendCuda(sessionOptions, options, new Dictionary<string, string>()); // for the nodes TensorRT does not take
                break;
        }

        try
        {
            return new InferenceSession(fullPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(source, e);
        }
    }

    private static void AppendCuda(SessionOptions sessionOptions, InferenceSessionOptions options, IReadOnlyDictionary<string, string> extra)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(WithDevice(options, extra));
        sessionOptions.AppendExecutionProvider_CUDA(cuda);
    }

    private static Dictionary<string, string> WithDevice(InferenceSessionOptions options, IReadOnlyDictionary<string, string> extra) =>
        new(extra) { ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
