using System.Runtime.InteropServices;
using System.Text;
using EdgeInventory.Onnx.Native;

namespace EdgeInventory.Onnx;

/// <summary>
/// A loaded ONNX model. <see cref="Run(ReadOnlySpan{OrtValue}, ReadOnlySpan{OrtValue})"/> over
/// tensors the caller owns allocates nothing, so the same inputs and outputs serve frame after frame.
/// Run may be called from several threads at once with different tensors.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtSessionHandle _session;
    private readonly byte** _inputNames;
    private readonly byte** _outputNames;
    private bool _disposed;

    private InferenceSession(string source, OrtSessionHandle session, ExecutionProvider provider, string? fallbackReason)
    {
        Source = source;
        _session = session;
        ExecutionProvider = provider;
        ProviderFallbackReason = fallbackReason;
        OrtApiTable api = OrtLibrary.Api;
        nint raw = session.DangerousGetHandle();
        nint allocator = OrtEnvironment.Instance.DefaultAllocator;

        nuint inputCount, outputCount;
        api.Check(api.SessionGetInputCount(raw, &inputCount));
        api.Check(api.SessionGetOutputCount(raw, &outputCount));
        _inputNames = (byte**)NativeMemory.AllocZeroed(inputCount == 0 ? 1 : inputCount, (nuint)sizeof(nint));
        _outputNames = (byte**)NativeMemory.AllocZeroed(outputCount == 0 ? 1 : outputCount, (nuint)sizeof(nint));
        TensorInfo[] inputs = DescribeNodes(api, raw, allocator, (int)inputCount, api.SessionGetInputName, api.SessionGetInputTypeInfo, _inputNames);
        TensorInfo[] outputs = DescribeNodes(api, raw, allocator, (int)outputCount, api.SessionGetOutputName, api.SessionGetOutputTypeInfo, _outputNames);
        Inputs = inputs;
        Outputs = outputs;
        Metadata = ReadMetadata(api, raw, allocator);
    }

    /// <summary>The model file (or "(memory)") this session was created from.</summary>
    public string Source { get; }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>The provider the session runs on (CPU after a fallback).</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>Why the configured GPU provider was not used, when the session fell back to the CPU; null otherwise.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="OrtException">ONNX Runtime refused the model; the message starts with the path.</exception>
    public static InferenceSession Open(string modelPath, InferenceSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"{modelPath}: no such model file", modelPath);
        }

        byte[] path = Encoding.UTF8.GetBytes(Path.GetFullPath(modelPath) + "\0");
        return Create(modelPath, options ?? new InferenceSessionOptions(), (api, env, so) =>
        {
            nint session;
            fixed (byte* p = path)
            {
                api.Check(api.CreateSession(env, p, so, &session));
            }

            return session;
        });
    }

    /// <summary>Loads a model held in memory.</summary>
    public static InferenceSession FromBytes(ReadOnlySpan<byte> model, InferenceSessionOptions? options = null)
    {
        byte[] copy = model.ToArray();
        return Create("(memory)", options ?? new InferenceSessionOptions(), (api, env, so) =>
        {
            nint session;
            fixed (byte* p = copy)
            {
                api.Check(api.CreateSessionFromArray(env, p, (nuint)copy.Length, so, &session));
            }

            return session;
        });
    }

    /// <summary>
    /// Runs the model: <paramref name="inputs"/> in the order of <see cref="Inputs"/>, results written
    /// into <paramref name="outputs"/> (in the order of <see cref="Outputs"/>, shapes as the model
    /// produces them). Allocates nothing.
    /// </summary>
    public void Run(ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<OrtValue> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Length, Inputs.Count, "inputs");
        CheckCount(outputs.Length, Outputs.Count, "outputs");
        nint* inputHandles = stackalloc nint[inputs.Length];
        nint* outputHandles = stackalloc nint[outputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputHandles[i] = inputs[i].Handle.DangerousGetHandle();
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            outputHandles[i] = outputs[i].Handle.DangerousGetHandle();
        }

        RunCore(inputHandles, inputs.Length, outputHandles, outputs.Length);
    }

    /// <summary>Runs the model and lets ONNX Runtime allocate the outputs (for outputs whose shape is not known ahead).</summary>
    public OrtValue[] Run(ReadOnlySpan<OrtValue> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCount(inputs.Length, Inputs.Count, "inputs");
        nint* inputHandles = stackalloc nint[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputHandles[i] = inputs[i].Handle.DangerousGetHandle();
        }

        int outputCount = Outputs.Count;
        nint* outputHandles = stackalloc nint[outputCount];
        new Span<nint>(outputHandles, outputCount).Clear();
        RunCore(inputHandles, inputs.Length, outputHandles, outputCount);
        var results = new OrtValue[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            results[i] = new OrtValue(OrtValueHandle.Own(outputHandles[i]));
        }

        return results;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.Dispose();
        FreeNames(_inputNames, Inputs.Count);
        FreeNames(_outputNames, Outputs.Count);
    }

    private void RunCore(nint* inputHandles, int inputCount, nint* outputHandles, int outputCount)
    {
        bool added = false;
        try
        {
            _session.DangerousAddRef(ref added);
            OrtApiTable api = OrtLibrary.Api;
            api.Check(api.Run(_session.DangerousGetHandle(), 0, _inputNames, inputHandles, (nuint)inputCount, _outputNames, (nuint)outputCount, outputHandles));
        }
        finally
        {
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    private static void CheckCount(int given, int expected, string what)
    {
        if (given != expected)
        {
            throw new ArgumentException($"the model has {expected} {what}, {given} were given");
        }
    }

    private delegate nint SessionFactory(OrtApiTable api, nint env, nint sessionOptions);

    private static InferenceSession Create(string source, InferenceSessionOptions options, SessionFactory create)
    {
        options.Validate();
        OrtApiTable api = OrtLibrary.Api;
        nint env = OrtEnvironment.Instance.Env.DangerousGetHandle();
        if (options.Provider == ExecutionProvider.Cpu)
        {
            return new InferenceSession(source, CreateOn(api, env, options, ExecutionProvider.Cpu, source, create), ExecutionProvider.Cpu, null);
        }

        try
        {
            return new InferenceSession(source, CreateOn(api, env, options, options.Provider, source, create), options.Provider, null);
        }
        catch (OrtException e) when (e.ErrorCode is not (OrtErrorCode.NoSuchFile or OrtErrorCode.InvalidProtobuf or OrtErrorCode.InvalidGraph))
        {
            string reason = $"the {options.Provider} execution provider cannot be used with ONNX Runtime {OrtLibrary.Version} at {OrtLibrary.LoadedPath}: {e.Message}";
            if (!options.FallbackToCpu)
            {
                throw new ExecutionProviderUnavailableException(
                    reason + " (use a GPU build of ONNX Runtime, or allow the CPU fallback in the configuration)", e);
            }

            return new InferenceSession(source, CreateOn(api, env, options, ExecutionProvider.Cpu, source, create), ExecutionProvider.Cpu, reason);
        }
    }

    private static OrtSessionHandle CreateOn(OrtApiTable api, nint env, InferenceSessionOptions options, ExecutionProvider provider, string source, SessionFactory create)
    {
        nint raw;
        api.Check(api.CreateSessionOptions(&raw));
        using OrtSessionOptionsHandle sessionOptions = OrtSessionOptionsHandle.Own(raw);
        api.Check(api.SetSessionGraphOptimizationLevel(raw, (int)options.OptimizationLevel));
        api.Check(api.SetIntraOpNumThreads(raw, options.IntraOpThreads));
        api.Check(api.SetInterOpNumThreads(raw, options.InterOpThreads));
        api.Check(api.SetSessionLogSeverityLevel(raw, 3));
        AddConfigEntry(api, raw, "session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        AddConfigEntry(api, raw, "session.inter_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                AppendCuda(api, raw, options);
                break;
            case ExecutionProvider.TensorRT:
                AppendTensorRt(api, raw, options);
                AppendCuda(api, raw, options with { ProviderOptions = new Dictionary<string, string>() });
                break;
        }

        try
        {
            return OrtSessionHandle.Own(create(api, env, raw));
        }
        catch (OrtException e) when (source != "(memory)")
        {
            throw new OrtException(e.ErrorCode, $"{source}: {e.Message}");
        }
    }

    private static void AddConfigEntry(OrtApiTable api, nint sessionOptions, string key, string value)
    {
        byte[] k = Encoding.UTF8.GetBytes(key + "\0");
        byte[] v = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* kp = k)
        fixed (byte* vp = v)
        {
            api.Check(api.AddSessionConfigEntry(sessionOptions, kp, vp));
        }
    }

    private static void AppendCuda(OrtApiTable api, nint sessionOptions, InferenceSessionOptions options)
    {
        nint raw;
        api.Check(api.CreateCUDAProviderOptions(&raw));
        using OrtCudaProviderOptionsHandle cuda = OrtCudaProviderOptionsHandle.Own(raw);
        nint cudaOptions = raw;
        WithProviderOptions(options, (keys, values, count) => api.Check(api.UpdateCUDAProviderOptions(cudaOptions, keys, values, count)));
        api.Check(api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, raw));
    }

    private static void AppendTensorRt(OrtApiTable api, nint sessionOptions, InferenceSessionOptions options)
    {
        nint raw;
        api.Check(api.CreateTensorRTProviderOptions(&raw));
        using OrtTensorRtProviderOptionsHandle trt = OrtTensorRtProviderOptionsHandle.Own(raw);
        nint trtOptions = raw;
        WithProviderOptions(options, (keys, values, count) => api.Check(api.UpdateTensorRTProviderOptions(trtOptions, keys, values, count)));
        api.Check(api.SessionOptionsAppendExecutionProvider_TensorRT_V2(sessionOptions, raw));
    }

    private delegate void ProviderOptionsUpdate(byte** keys, byte** values, nuint count);

    /// <summary>Hands device_id and the configured provider options to ORT as two arrays of C strings.</summary>
    private static void WithProviderOptions(InferenceSessionOptions options, ProviderOptionsUpdate update)
    {
        var pairs = new Dictionary<string, string>(options.ProviderOptions) { ["device_id"] = options.DeviceId.ToString() };
        var pinned = new List<GCHandle>();
        try
        {
            byte** keys = stackalloc byte*[pairs.Count];
            byte** values = stackalloc byte*[pairs.Count];
            int i = 0;
            foreach ((string key, string value) in pairs)
            {
                keys[i] = Pin(key, pinned);
                values[i] = Pin(value, pinned);
                i++;
            }

            update(keys, values, (nuint)pairs.Count);
        }
        finally
        {
            foreach (GCHandle h in pinned)
            {
                h.Free();
            }
        }

        static byte* Pin(string s, List<GCHandle> pinned)
        {
            GCHandle h = GCHandle.Alloc(Encoding.UTF8.GetBytes(s + "\0"), GCHandleType.Pinned);
            pinned.Add(h);
            return (byte*)h.AddrOfPinnedObject();
        }
    }

    /// <summary>Names and types of the session's inputs (or outputs); the names are kept in <paramref name="names"/> for Run.</summary>
    private static TensorInfo[] DescribeNodes(OrtApiTable api, nint session, nint allocator, int count,
        delegate* unmanaged<nint, nuint, nint, byte**, nint> getName, delegate* unmanaged<nint, nuint, nint*, nint> getTypeInfo, byte** names)
    {
        var nodes = new TensorInfo[count];
        for (int i = 0; i < count; i++)
        {
            byte* name;
            api.Check(getName(session, (nuint)i, allocator, &name));
            names[i] = CopyAndFree(api, allocator, name, out string managedName);
            nint typeInfo;
            api.Check(getTypeInfo(session, (nuint)i, &typeInfo));
            nodes[i] = Describe(api, managedName, typeInfo);
        }

        return nodes;
    }

    private static TensorInfo Describe(OrtApiTable api, string name, nint typeInfo)
    {
        using OrtTypeInfoHandle owned = OrtTypeInfoHandle.Own(typeInfo);
        int onnxType;
        api.Check(api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
        if (onnxType != 1 /* ONNX_TYPE_TENSOR */)
        {
            return new TensorInfo(name, TensorElementType.Undefined, [], []);
        }

        nint tensorInfo; // borrowed from typeInfo: not released on its own
        api.Check(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        int elementType;
        api.Check(api.GetTensorElementType(tensorInfo, &elementType));
        nuint rank;
        api.Check(api.GetDimensionsCount(tensorInfo, &rank));
        long[] dims = new long[(int)rank];
        string[] symbolic = new string[(int)rank];
        byte** symbols = stackalloc byte*[(int)rank + 1];
        fixed (long* d = dims)
        {
            api.Check(api.GetDimensions(tensorInfo, d, rank));
        }

        api.Check(api.GetSymbolicDimensions(tensorInfo, symbols, rank));
        for (int i = 0; i < (int)rank; i++)
        {
            symbolic[i] = symbols[i] == null ? string.Empty : Marshal.PtrToStringUTF8((nint)symbols[i]) ?? string.Empty;
        }

        return new TensorInfo(name, (TensorElementType)elementType, dims, symbolic);
    }

    private static ModelMetadata ReadMetadata(OrtApiTable api, nint session, nint allocator)
    {
        nint raw;
        api.Check(api.SessionGetModelMetadata(session, &raw));
        using OrtModelMetadataHandle owned = OrtModelMetadataHandle.Own(raw);
        byte* value;
        api.Check(api.ModelMetadataGetProducerName(raw, allocator, &value));
        string producer = TakeString(api, allocator, value);
        api.Check(api.ModelMetadataGetGraphName(raw, allocator, &value));
        string graph = TakeString(api, allocator, value);
        api.Check(api.ModelMetadataGetDescription(raw, allocator, &value));
        string description = TakeString(api, allocator, value);
        long version;
        api.Check(api.ModelMetadataGetVersion(raw, &version));

        byte** keys;
        long keyCount;
        api.Check(api.ModelMetadataGetCustomMetadataMapKeys(raw, allocator, &keys, &keyCount));
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            for (long i = 0; i < keyCount; i++)
            {
                byte* found;
                api.Check(api.ModelMetadataLookupCustomMetadataMap(raw, allocator, keys[i], &found));
                string key = Marshal.PtrToStringUTF8((nint)keys[i]) ?? string.Empty;
                custom[key] = TakeString(api, allocator, found);
            }
        }
        finally
        {
            for (long i = 0; i < keyCount; i++)
            {
                api.Free(allocator, keys[i]);
            }

            api.Free(allocator, keys);
        }

        return new ModelMetadata(producer, graph, description, version, custom);
    }

    private static string TakeString(OrtApiTable api, nint allocator, byte* value)
    {
        try
        {
            return value == null ? string.Empty : Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
        }
        finally
        {
            api.Free(allocator, value);
        }
    }

    /// <summary>Copies an ORT-allocated name into memory this session owns (kept for Run) and frees ORT's copy.</summary>
    private static byte* CopyAndFree(OrtApiTable api, nint allocator, byte* name, out string managed)
    {
        try
        {
            int length = 0;
            while (name[length] != 0)
            {
                length++;
            }

            managed = Encoding.UTF8.GetString(name, length);
            byte* copy = (byte*)NativeMemory.Alloc((nuint)length + 1);
            Buffer.MemoryCopy(name, copy, length + 1, length + 1);
            return copy;
        }
        finally
        {
            api.Free(allocator, name);
        }
    }

    private static void FreeNames(byte** names, int count)
    {
        for (int i = 0; i < count; i++)
        {
            NativeMemory.Free(names[i]);
        }

        NativeMemory.Free(names);
    }
}
