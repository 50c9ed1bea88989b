using System.Runtime.InteropServices;

namespace EdgeInventory.Agent.Configuration;

/// <summary>
/// Checks a file a key names before anything opens it: a regular file (a FIFO would block the reader for ever, a
/// device could be read without end), readable, and no larger than the key's limit. The type and size come from
/// <c>statx</c>, which does not open the file and whose record has the same layout on every Linux architecture
/// (x86-64 and the Jetsons' arm64), where <c>struct stat</c> does not.
/// </summary>
internal static partial class ConfigurationFiles
{
    public const long KiB = 1024;

    public const long MiB = 1024 * KiB;

    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const ushort TypeMask = 0xF000;
    private const ushort RegularFile = 0x8000;
    private const ushort Directory = 0x4000;
    private const int ModeOffset = 28;
    private const int StatxRecordBytes = 256;

    /// <summary>Null when <paramref name="path"/> is a readable regular file of at most <paramref name="maxBytes"/>; else the reason.</summary>
    public static string? Check(string path, long maxBytes)
    {
        if (!File.Exists(path) && !System.IO.Directory.Exists(path))
        {
            return $"no such file: {path}";
        }

        if (Describe(path) is { } notRegular)
        {
            return notRegular;
        }

        long size = new FileInfo(path).Length;
        if (size > maxBytes)
        {
            return $"{path} is {size} bytes, more than the {Megabytes(maxBytes)} such a file may have";
        }

        try
        {
            using FileStream readable = File.OpenRead(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"{path} cannot be read: {e.Message}";
        }

        return null;
    }

    private static string Megabytes(long bytes) => bytes >= MiB ? $"{bytes / MiB} MiB" : $"{bytes / KiB} KiB";

    /// <summary>Null for a regular file (links followed); else what it is.</summary>
    private static string? Describe(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return System.IO.Directory.Exists(path) ? $"{path} is a folder, not a file" : null;
        }

        byte[] record = new byte[StatxRecordBytes];
        if (Statx(AtCurrentDirectory, path, 0, StatxType, record) != 0)
        {
            return $"{path} cannot be examined: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
        }

        int type = BitConverter.ToUInt16(record, ModeOffset) & TypeMask;
        return type switch
        {
            RegularFile => null,
            Directory => $"{path} is a folder, not a file",
            0x1000 => $"{path} is a FIFO (named pipe), not a regular file",
            0x2000 or 0x6000 => $"{path} is a device, not a regular file",
            0xC000 => $"{path} is a socket, not a regular file",
            _ => $"{path} is not a regular file",
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, [Out] byte[] record);
}
