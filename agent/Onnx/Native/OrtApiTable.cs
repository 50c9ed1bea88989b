using System.Runtime.InteropServices;

namespace EdgeInventory.Onnx.Native;

/// <summary>
/// The OrtApi function table of onnxruntime_c_api.h, read by slot. Slots are append-only across
/// ONNX Runtime versions, so the indices below hold for every library that serves
/// <see cref="ApiVersion"/>. Each field carries the slot number and C signature it was taken from.
/// Every OrtStatus* return is an nint here (null = success).
/// </summary>
internal sealed unsafe class OrtApiTable
{
    /// <summary>The OrtApi version requested from OrtApiBase::GetApi (ONNX Runtime 1.13 or newer serves it).</summary>
    public const uint ApiVersion = 13;

    // [1] OrtErrorCode GetErrorCode(const OrtStatus* status)
    public readonly delegate* unmanaged<nint, int> GetErrorCode;
    // [2] const char* GetErrorMessage(const OrtStatus* status)
    public readonly delegate* unmanaged<nint, byte*> GetErrorMessage;
    // [3] OrtStatus* CreateEnv(OrtLoggingLevel log_severity_level, const char* logid, OrtEnv** out)
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;
    // [6] OrtStatus* DisableTelemetryEvents(const OrtEnv* env)
    public readonly delegate* unmanaged<nint, nint> DisableTelemetryEvents;
    // [7] OrtStatus* CreateSession(const OrtEnv* env, const ORTCHAR_T* model_path, const OrtSessionOptions* options, OrtSession** out)
    public readonly delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSession;
    // [8] OrtStatus* CreateSessionFromArray(const OrtEnv* env, const void* model_data, size_t model_data_length, const OrtSessionOptions* options, OrtSession** out)
    public readonly delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    // [9] OrtStatus* Run(OrtSession* session, const OrtRunOptions* run_options, const char* const* input_names,
    //                    const OrtValue* const* inputs, size_t input_len, const char* const* output_names,
    //                    size_t output_names_len, OrtValue** outputs)
    public readonly delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run;
    // [10] OrtStatus* CreateSessionOptions(OrtSessionOptions** options)
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;
    // [22] OrtStatus* SetSessionLogSeverityLevel(OrtSessionOptions* options, int session_log_severity_level)
    public readonly delegate* unmanaged<nint, int, nint> SetSessionLogSeverityLevel;
    // [23] OrtStatus* SetSessionGraphOptimizationLevel(OrtSessionOptions* options, GraphOptimizationLevel graph_optimization_level)
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;
    // [24] OrtStatus* SetIntraOpNumThreads(OrtSessionOptions* options, int intra_op_num_threads)
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;
    // [25] OrtStatus* SetInterOpNumThreads(OrtSessionOptions* options, int inter_op_num_threads)
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;
    // [30] OrtStatus* SessionGetInputCount(const OrtSession* session, size_t* out)
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount;
    // [31] OrtStatus* SessionGetOutputCount(const OrtSession* session, size_t* out)
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount;
    // [33] OrtStatus* SessionGetInputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    // [34] OrtStatus* SessionGetOutputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    // [36] OrtStatus* SessionGetInputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName;
    // [37] OrtStatus* SessionGetOutputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    // [49] OrtStatus* CreateTensorWithDataAsOrtValue(const OrtMemoryInfo* info, void* p_data, size_t p_data_len,
    //                    const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, OrtValue** out)
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    // [50] OrtStatus* IsTensor(const OrtValue* value, int* out)
    public readonly delegate* unmanaged<nint, int*, nint> IsTensor;
    // [51] OrtStatus* GetTensorMutableData(OrtValue* value, void** out)
    public readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData;
    // [55] OrtStatus* CastTypeInfoToTensorInfo(const OrtTypeInfo* type_info, const OrtTensorTypeAndShapeInfo** out)
    public readonly delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo;
    // [56] OrtStatus* GetOnnxTypeFromTypeInfo(const OrtTypeInfo* type_info, enum ONNXType* out)
    public readonly delegate* unmanaged<nint, int*, nint> GetOnnxTypeFromTypeInfo;
    // [60] OrtStatus* GetTensorElementType(const OrtTensorTypeAndShapeInfo* info, enum ONNXTensorElementDataType* out)
    public readonly delegate* unmanaged<nint, int*, nint> GetTensorElementType;
    // [61] OrtStatus* GetDimensionsCount(const OrtTensorTypeAndShapeInfo* info, size_t* out)
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;
    // [62] OrtStatus* GetDimensions(const OrtTensorTypeAndShapeInfo* info, int64_t* dim_values, size_t dim_values_length)
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;
    // [63] OrtStatus* GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo* info, const char* dim_params[], size_t dim_params_length)
    public readonly delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions;
    // [65] OrtStatus* GetTensorTypeAndShape(const OrtValue* value, OrtTensorTypeAndShapeInfo** out)
    public readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape;
    // [69] OrtStatus* CreateCpuMemoryInfo(enum OrtAllocatorType type, enum OrtMemType mem_type, OrtMemoryInfo** out)
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;
    // [76] OrtStatus* AllocatorFree(OrtAllocator* ort_allocator, void* p)
    public readonly delegate* unmanaged<nint, void*, nint> AllocatorFree;
    // [78] OrtStatus* GetAllocatorWithDefaultOptions(OrtAllocator** out)
    public readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions;
    // [92] void ReleaseEnv(OrtEnv* input)
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;
    // [93] void ReleaseStatus(OrtStatus* input)
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;
    // [94] void ReleaseMemoryInfo(OrtMemoryInfo* input)
    public readonly delegate* unmanaged<nint, void> ReleaseMemoryInfo;
    // [95] void ReleaseSession(OrtSession* input)
    public readonly delegate* unmanaged<nint, void> ReleaseSession;
    // [96] void ReleaseValue(OrtValue* input)
    public readonly delegate* unmanaged<nint, void> ReleaseValue;
    // [98] void ReleaseTypeInfo(OrtTypeInfo* input)
    public readonly delegate* unmanaged<nint, void> ReleaseTypeInfo;
    // [99] void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo* input)
    public readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo;
    // [100] void ReleaseSessionOptions(OrtSessionOptions* input)
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;
    // [111] OrtStatus* SessionGetModelMetadata(const OrtSession* session, OrtModelMetadata** out)
    public readonly delegate* unmanaged<nint, nint*, nint> SessionGetModelMetadata;
    // [112] OrtStatus* ModelMetadataGetProducerName(const OrtModelMetadata* model_metadata, OrtAllocator* allocator, char** value)
    public readonly delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetProducerName;
    // [113] OrtStatus* ModelMetadataGetGraphName(const OrtModelMetadata* model_metadata, OrtAllocator* allocator, char** value)
    public readonly delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetGraphName;
    // [115] OrtStatus* ModelMetadataGetDescription(const OrtModelMetadata* model_metadata, OrtAllocator* allocator, char** value)
    public readonly delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetDescription;
    // [116] OrtStatus* ModelMetadataLookupCustomMetadataMap(const OrtModelMetadata* model_metadata, OrtAllocator* allocator, const char* key, char** value)
    public readonly delegate* unmanaged<nint, nint, byte*, byte**, nint> ModelMetadataLookupCustomMetadataMap;
    // [117] OrtStatus* ModelMetadataGetVersion(const OrtModelMetadata* model_metadata, int64_t* value)
    public readonly delegate* unmanaged<nint, long*, nint> ModelMetadataGetVersion;
    // [118] void ReleaseModelMetadata(OrtModelMetadata* input)
    public readonly delegate* unmanaged<nint, void> ReleaseModelMetadata;
    // [123] OrtStatus* ModelMetadataGetCustomMetadataMapKeys(const OrtModelMetadata* model_metadata, OrtAllocator* allocator, char*** keys, int64_t* num_keys)
    public readonly delegate* unmanaged<nint, nint, byte***, long*, nint> ModelMetadataGetCustomMetadataMapKeys;
    // [125] OrtStatus* GetAvailableProviders(char*** out_ptr, int* provider_length)
    public readonly delegate* unmanaged<byte***, int*, nint> GetAvailableProviders;
    // [126] OrtStatus* ReleaseAvailableProviders(char** ptr, int providers_length)
    public readonly delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders;
    // [130] OrtStatus* AddSessionConfigEntry(OrtSessionOptions* options, const char* config_key, const char* config_value)
    public readonly delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry;
    // [170] OrtStatus* SessionOptionsAppendExecutionProvider_TensorRT_V2(OrtSessionOptions* options, const OrtTensorRTProviderOptionsV2* tensorrt_options)
    public readonly delegate* unmanaged<nint, nint, nint> SessionOptionsAppendExecutionProvider_TensorRT_V2;
    // [171] OrtStatus* CreateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2** out)
    public readonly delegate* unmanaged<nint*, nint> CreateTensorRTProviderOptions;
    // [172] OrtStatus* UpdateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* tensorrt_options,
    //                    const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)
    public readonly delegate* unmanaged<nint, byte**, byte**, nuint, nint> UpdateTensorRTProviderOptions;
    // [174] void ReleaseTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* input)
    public readonly delegate* unmanaged<nint, void> ReleaseTensorRTProviderOptions;
    // [204] OrtStatus* SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions* options, const OrtCUDAProviderOptionsV2* cuda_options)
    public readonly delegate* unmanaged<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2;
    // [205] OrtStatus* CreateCUDAProviderOptions(OrtCUDAProviderOptionsV2** out)
    public readonly delegate* unmanaged<nint*, nint> CreateCUDAProviderOptions;
    // [206] OrtStatus* UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2* cuda_options,
    //                    const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)
    public readonly delegate* unmanaged<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions;
    // [208] void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2* input)
    public readonly delegate* unmanaged<nint, void> ReleaseCUDAProviderOptions;

    public OrtApiTable(nint* slots, string versionString)
    {
        VersionString = versionString;
        GetErrorCode = (delegate* unmanaged<nint, int>)slots[1];
        GetErrorMessage = (delegate* unmanaged<nint, byte*>)slots[2];
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)slots[3];
        DisableTelemetryEvents = (delegate* unmanaged<nint, nint>)slots[6];
        CreateSession = (delegate* unmanaged<nint, byte*, nint, nint*, nint>)slots[7];
        CreateSessionFromArray = (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)slots[8];
        Run = (delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)slots[9];
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)slots[10];
        SetSessionLogSeverityLevel = (delegate* unmanaged<nint, int, nint>)slots[22];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)slots[23];
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)slots[24];
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)slots[25];
        SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)slots[30];
        SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)slots[31];
        SessionGetInputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)slots[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)slots[34];
        SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)slots[36];
        SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)slots[37];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)slots[49];
        IsTensor = (delegate* unmanaged<nint, int*, nint>)slots[50];
        GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)slots[51];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<nint, nint*, nint>)slots[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged<nint, int*, nint>)slots[56];
        GetTensorElementType = (delegate* unmanaged<nint, int*, nint>)slots[60];
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)slots[61];
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)slots[62];
        GetSymbolicDimensions = (delegate* unmanaged<nint, byte**, nuint, nint>)slots[63];
        GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)slots[65];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)slots[69];
        AllocatorFree = (delegate* unmanaged<nint, void*, nint>)slots[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)slots[78];
        ReleaseEnv = (delegate* unmanaged<nint, void>)slots[92];
        ReleaseStatus = (delegate* unmanaged<nint, void>)slots[93];
        ReleaseMemoryInfo = (delegate* unmanaged<nint, void>)slots[94];
        ReleaseSession = (delegate* unmanaged<nint, void>)slots[95];
        ReleaseValue = (delegate* unmanaged<nint, void>)slots[96];
        ReleaseTypeInfo = (delegate* unmanaged<nint, void>)slots[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)slots[99];
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)slots[100];
        SessionGetModelMetadata = (delegate* unmanaged<nint, nint*, nint>)slots[111];
        ModelMetadataGetProducerName = (delegate* unmanaged<nint, nint, byte**, nint>)slots[112];
        ModelMetadataGetGraphName = (delegate* unmanaged<nint, nint, byte**, nint>)slots[113];
        ModelMetadataGetDescription = (delegate* unmanaged<nint, nint, byte**, nint>)slots[115];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged<nint, nint, byte*, byte**, nint>)slots[116];
        ModelMetadataGetVersion = (delegate* unmanaged<nint, long*, nint>)slots[117];
        ReleaseModelMetadata = (delegate* unmanaged<nint, void>)slots[118];
        ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged<nint, nint, byte***, long*, nint>)slots[123];
        GetAvailableProviders = (delegate* unmanaged<byte***, int*, nint>)slots[125];
        ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, nint>)slots[126];
        AddSessionConfigEntry = (delegate* unmanaged<nint, byte*, byte*, nint>)slots[130];
        SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged<nint, nint, nint>)slots[170];
        CreateTensorRTProviderOptions = (delegate* unmanaged<nint*, nint>)slots[171];
        UpdateTensorRTProviderOptions = (delegate* unmanaged<nint, byte**, byte**, nuint, nint>)slots[172];
        ReleaseTensorRTProviderOptions = (delegate* unmanaged<nint, void>)slots[174];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged<nint, nint, nint>)slots[204];
        CreateCUDAProviderOptions = (delegate* unmanaged<nint*, nint>)slots[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged<nint, byte**, byte**, nuint, nint>)slots[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged<nint, void>)slots[208];
    }

    /// <summary>The library's own version, from OrtApiBase::GetVersionString (e.g. "1.30.0").</summary>
    public string VersionString { get; }

    /// <summary>Turns a non-null OrtStatus* into an <see cref="OrtException"/>, releasing the status.</summary>
    public void Check(nint status)
    {
        if (status != 0)
        {
            Throw(status);
        }
    }

    /// <summary>Frees a string or array that ORT allocated with its default allocator.</summary>
    public void Free(nint allocator, void* p)
    {
        if (p != null)
        {
            Check(AllocatorFree(allocator, p));
        }
    }

    private void Throw(nint status)
    {
        OrtErrorCode code;
        string message;
        try
        {
            code = (OrtErrorCode)GetErrorCode(status);
            message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? string.Empty;
        }
        finally
        {
            ReleaseStatus(status);
        }

        throw new OrtException(code, message);
    }
}
