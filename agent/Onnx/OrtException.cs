using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Onnx;

/// <summary>OrtErrorCode of onnxruntime_c_api.h, as the package names them in its messages.</summary>
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

/// <summary>A model ONNX Runtime refused: the file, ORT's code and its own message (without the package's "[ErrorCode:…]" prefix).</summary>
public class OrtException : Exception
{
    private const string CodePrefix = "[ErrorCode:";

    public OrtException(string source, OnnxRuntimeException inner)
        : base($"{source}: {OrtMessage(inner)}", inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ErrorCode = OrtCode(inner);
    }

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

    /// <summary>ORT's own message; the package writes its code in front ("[ErrorCode:InvalidProtobuf] Load model…") and keeps the code itself internal.</summary>
    public static string OrtMessage(OnnxRuntimeException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string message = e.Message;
        int end = message.StartsWith(CodePrefix, StringComparison.Ordinal) ? message.IndexOf("] ", StringComparison.Ordinal) : -1;
        return end < 0 ? message : message[(end + 2)..];
    }

    private static OrtErrorCode OrtCode(OnnxRuntimeException e)
    {
        string message = e.Message;
        int end = message.StartsWith(CodePrefix, StringComparison.Ordinal) ? message.IndexOf(']', StringComparison.Ordinal) : -1;
        return end > 0 && Enum.TryParse(message[CodePrefix.Length..end], out OrtErrorCode code) ? code : OrtErrorCode.Fail;
    }
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
