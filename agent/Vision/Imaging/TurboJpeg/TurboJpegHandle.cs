using Microsoft.Win32.SafeHandles;

namespace EdgeInventory.Vision.Imaging.TurboJpeg;

/// <summary>Owns a tjhandle (compressor or decompressor).</summary>
internal sealed class TurboJpegHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public TurboJpegHandle()
        : base(ownsHandle: true)
    {
    }

    public static TurboJpegHandle Create(nint raw, string what)
    {
        if (raw == 0)
        {
            throw new InvalidOperationException($"TurboJPEG could not create a {what} handle");
        }

        var handle = new TurboJpegHandle();
        handle.SetHandle(raw);
        return handle;
    }

    protected override bool ReleaseHandle() => TurboJpegNative.tjDestroy(handle) == 0;
}
