using Microsoft.Win32.SafeHandles;

namespace EdgeInventory.Onnx.Native;

/// <summary>A native ONNX Runtime object, released with its own Release function when disposed or finalised.</summary>
internal abstract unsafe class OrtHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    protected OrtHandle()
        : base(ownsHandle: true)
    {
    }

    protected static OrtApiTable Api => OrtLibrary.Api;

    /// <summary>Takes ownership of a pointer ORT returned through an out parameter.</summary>
    protected static T Wrap<T>(nint raw)
        where T : OrtHandle, new()
    {
        var handle = new T();
        handle.SetHandle(raw);
        return handle;
    }
}

internal sealed unsafe class OrtEnvHandle : OrtHandle
{
    public static OrtEnvHandle Own(nint raw) => Wrap<OrtEnvHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseEnv(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionHandle : OrtHandle
{
    public static OrtSessionHandle Own(nint raw) => Wrap<OrtSessionHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseSession(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionOptionsHandle : OrtHandle
{
    public static OrtSessionOptionsHandle Own(nint raw) => Wrap<OrtSessionOptionsHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtValueHandle : OrtHandle
{
    public static OrtValueHandle Own(nint raw) => Wrap<OrtValueHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseValue(handle);
        return true;
    }
}

internal sealed unsafe class OrtMemoryInfoHandle : OrtHandle
{
    public static OrtMemoryInfoHandle Own(nint raw) => Wrap<OrtMemoryInfoHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtTypeInfoHandle : OrtHandle
{
    public static OrtTypeInfoHandle Own(nint raw) => Wrap<OrtTypeInfoHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseTypeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle : OrtHandle
{
    public static OrtTensorTypeAndShapeInfoHandle Own(nint raw) => Wrap<OrtTensorTypeAndShapeInfoHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtModelMetadataHandle : OrtHandle
{
    public static OrtModelMetadataHandle Own(nint raw) => Wrap<OrtModelMetadataHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseModelMetadata(handle);
        return true;
    }
}

internal sealed unsafe class OrtCudaProviderOptionsHandle : OrtHandle
{
    public static OrtCudaProviderOptionsHandle Own(nint raw) => Wrap<OrtCudaProviderOptionsHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseCUDAProviderOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtTensorRtProviderOptionsHandle : OrtHandle
{
    public static OrtTensorRtProviderOptionsHandle Own(nint raw) => Wrap<OrtTensorRtProviderOptionsHandle>(raw);

    protected override bool ReleaseHandle()
    {
        Api.ReleaseTensorRTProviderOptions(handle);
        return true;
    }
}
