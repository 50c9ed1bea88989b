using System.Runtime.InteropServices;

namespace EdgeInventory.Vision.Imaging.TurboJpeg;

/// <summary>Raw imports from turbojpeg.h (TurboJPEG 2.x API), C names kept.</summary>
internal static unsafe partial class TurboJpegNative
{
    private const string Library = "libturbojpeg.so.0";

    // enum TJPF
    public const int TJPF_BGR = 1;

    // enum TJSAMP
    public const int TJSAMP_420 = 2;

    // enum TJERR
    public const int TJERR_WARNING = 0;

    // flags
    public const int TJFLAG_NOREALLOC = 1024;

    // tjhandle tjInitDecompress(void);
    [LibraryImport(Library)]
    public static partial nint tjInitDecompress();

    // tjhandle tjInitCompress(void);
    [LibraryImport(Library)]
    public static partial nint tjInitCompress();

    // int tjDestroy(tjhandle handle);
    [LibraryImport(Library)]
    public static partial int tjDestroy(nint handle);

    // int tjDecompressHeader3(tjhandle, const unsigned char *jpegBuf, unsigned long jpegSize,
    //                         int *width, int *height, int *jpegSubsamp, int *jpegColorspace);
    [LibraryImport(Library)]
    public static partial int tjDecompressHeader3(nint handle, byte* jpegBuf, nuint jpegSize, int* width, int* height, int* jpegSubsamp, int* jpegColorspace);

    // int tjDecompress2(tjhandle, const unsigned char *jpegBuf, unsigned long jpegSize,
    //                   unsigned char *dstBuf, int width, int pitch, int height, int pixelFormat, int flags);
    [LibraryImport(Library)]
    public static partial int tjDecompress2(nint handle, byte* jpegBuf, nuint jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    // int tjCompress2(tjhandle, const unsigned char *srcBuf, int width, int pitch, int height, int pixelFormat,
    //                 unsigned char **jpegBuf, unsigned long *jpegSize, int jpegSubsamp, int jpegQual, int flags);
    [LibraryImport(Library)]
    public static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat, byte** jpegBuf, nuint* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    // unsigned long tjBufSize(int width, int height, int jpegSubsamp);
    [LibraryImport(Library)]
    public static partial nuint tjBufSize(int width, int height, int jpegSubsamp);

    // char *tjGetErrorStr2(tjhandle handle);
    [LibraryImport(Library)]
    public static partial byte* tjGetErrorStr2(nint handle);

    // int tjGetErrorCode(tjhandle handle);
    [LibraryImport(Library)]
    public static partial int tjGetErrorCode(nint handle);
}
