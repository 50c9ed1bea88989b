namespace EdgeInventory.Onnx;

/// <summary>The error codes of OrtErrorCode (onnxruntime_c_api.h / onnxruntime_error_code.h).</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
    DeviceReset = 15,
}

/// <summary>An error reported by ONNX Runtime: its code and its own message.</summary>
public class OrtException : Exception
{
    public OrtException(OrtErrorCode code, string message)
        : base(message)
    {
        ErrorCode = code;
    }

    public OrtException()
    {
    }

    public OrtException(string message)
        : base(message)
    {
    }

    public OrtException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OrtErrorCode ErrorCode { get; } = OrtErrorCode.Fail;
}

/// <summary>The ONNX Runtime native library could not be found, loaded, or is too old.</summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message)
        : base(message)
    {
    }

    public OrtLibraryException()
    {
    }

    public OrtLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A configured execution provider (CUDA, TensorRT) cannot be used with this library or machine.</summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExecutionProviderUnavailableException()
    {
    }

    public ExecutionProviderUnavailableException(string message)
        : base(message)
    {
    }
}
