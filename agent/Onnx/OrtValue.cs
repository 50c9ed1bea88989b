using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeInventory.Onnx.Native;

namespace EdgeInventory.Onnx;

/// <summary>ONNXTensorElementDataType, the element types a tensor can hold.</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>
/// A tensor value handed to or returned by <see cref="InferenceSession.Run(System.ReadOnlySpan{OrtValue}, System.ReadOnlySpan{OrtValue})"/>.
/// </summary>
public unsafe class OrtValue : IDisposable
{
    private bool _disposed;

    internal OrtValue(OrtValueHandle handle)
    {
        Handle = handle;
    }

    internal OrtValueHandle Handle { get; }

    /// <summary>The tensor's element type and shape, as ONNX Runtime sees it.</summary>
    public (TensorElementType ElementType, long[] Shape) GetTypeAndShape()
    {
        OrtApiTable api = OrtLibrary.Api;
        nint info;
        api.Check(api.GetTensorTypeAndShape(Handle.DangerousGetHandle(), &info));
        using OrtTensorTypeAndShapeInfoHandle owned = OrtTensorTypeAndShapeInfoHandle.Own(info);
        int type;
        api.Check(api.GetTensorElementType(info, &type));
        nuint rank;
        api.Check(api.GetDimensionsCount(info, &rank));
        long[] shape = new long[(int)rank];
        fixed (long* dims = shape)
        {
            api.Check(api.GetDimensions(info, dims, rank));
        }

        return ((TensorElementType)type, shape);
    }

    /// <summary>The tensor's elements in place (for a value ORT allocated, valid until this value is disposed).</summary>
    public Span<T> GetTensorData<T>()
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (TensorElementType type, long[] shape) = GetTypeAndShape();
        if (type != TensorTypes.Of<T>())
        {
            throw new InvalidOperationException($"the tensor holds {type}, not {typeof(T).Name}");
        }

        OrtApiTable api = OrtLibrary.Api;
        void* data;
        api.Check(api.GetTensorMutableData(Handle.DangerousGetHandle(), &data));
        return new Span<T>(data, checked((int)TensorTypes.ElementCount(shape)));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            Handle.Dispose();
        }
    }
}

/// <summary>
/// A tensor over memory this process owns (a pinned array), so that the caller fills inputs and
/// reads outputs in place and the same tensor serves run after run without copies.
/// </summary>
public sealed unsafe class OrtTensor<T> : OrtValue
    where T : unmanaged
{
    private readonly T[] _data;
    private readonly long[] _shape;

    private OrtTensor(OrtValueHandle handle, T[] data, long[] shape)
        : base(handle)
    {
        _data = data;
        _shape = shape;
    }

    /// <summary>The elements, row-major, in memory ONNX Runtime reads and writes directly.</summary>
    public Span<T> Span => _data;

    public ReadOnlySpan<long> Shape => _shape;

    internal static OrtTensor<T> Own(OrtValueHandle handle, T[] data, long[] shape) => new(handle, data, shape);
}

/// <summary>Creates tensors over pinned memory the process owns.</summary>
public static unsafe class OrtTensor
{
    /// <summary>Creates a tensor of the given shape (every dimension known) over a new pinned array.</summary>
    public static OrtTensor<T> Create<T>(ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"tensor shape [{string.Join(", ", shape.ToArray())}] has an unresolved dimension", nameof(shape));
            }
        }

        long count = TensorTypes.ElementCount(shape);
        T[] data = GC.AllocateArray<T>(checked((int)count), pinned: true);
        long[] dims = shape.ToArray();
        OrtApiTable api = OrtLibrary.Api;
        nint value;
        fixed (long* dimPtr = dims)
        {
            api.Check(api.CreateTensorWithDataAsOrtValue(
                OrtEnvironment.Instance.CpuMemory.DangerousGetHandle(),
                Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data)),
                (nuint)(count * sizeof(T)),
                dimPtr,
                (nuint)dims.Length,
                (int)TensorTypes.Of<T>(),
                &value));
        }

        return OrtTensor<T>.Own(OrtValueHandle.Own(value), data, dims);
    }
}

internal static class TensorTypes
{
    public static TensorElementType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return TensorElementType.Float;
        }

        if (typeof(T) == typeof(byte))
        {
            return TensorElementType.UInt8;
        }

        if (typeof(T) == typeof(sbyte))
        {
            return TensorElementType.Int8;
        }

        if (typeof(T) == typeof(short))
        {
            return TensorElementType.Int16;
        }

        if (typeof(T) == typeof(ushort))
        {
            return TensorElementType.UInt16;
        }

        if (typeof(T) == typeof(int))
        {
            return TensorElementType.Int32;
        }

        if (typeof(T) == typeof(uint))
        {
            return TensorElementType.UInt32;
        }

        if (typeof(T) == typeof(long))
        {
            return TensorElementType.Int64;
        }

        if (typeof(T) == typeof(ulong))
        {
            return TensorElementType.UInt64;
        }

        if (typeof(T) == typeof(double))
        {
            return TensorElementType.Double;
        }

        if (typeof(T) == typeof(Half))
        {
            return TensorElementType.Float16;
        }

        throw new NotSupportedException($"no ONNX tensor element type for {typeof(T).Name}");
    }

    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            count = checked(count * d);
        }

        return count;
    }
}
