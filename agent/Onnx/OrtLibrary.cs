using System.Runtime.InteropServices;
using EdgeInventory.Onnx.Native;

namespace EdgeInventory.Onnx;

/// <summary>
/// Finds and loads libonnxruntime once per process and hands out its API table. Order of search:
/// the path given to <see cref="Configure"/>; the EDGEINV_ORT_LIBRARY environment variable; the copy
/// that tools/edgeinv fetched (.deps/onnxruntime-1.30.0/linux-ARCH/ above the program's folder);
/// the system library search for libonnxruntime.so.1.
/// </summary>
public static unsafe class OrtLibrary
{
    /// <summary>The ONNX Runtime release that tools/edgeinv fetches and that this binding is tested with.</summary>
    public const string BundledVersion = "1.30.0";

    public const string EnvironmentVariable = "EDGEINV_ORT_LIBRARY";

    private static readonly Lock Gate = new();
    private static string? s_configuredPath;
    private static OrtApiTable? s_api;
    private static string? s_loadedPath;

    /// <summary>The path of the library that was loaded, once it was.</summary>
    public static string? LoadedPath => s_loadedPath;

    /// <summary>The loaded library's version string (loads it if needed).</summary>
    public static string Version => Api.VersionString;

    internal static OrtApiTable Api => s_api ?? Load();

    /// <summary>Uses this library file instead of searching (a CUDA or TensorRT build on a Jetson, say). Call before first use.</summary>
    public static void Configure(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryPath);
        lock (Gate)
        {
            if (s_api is not null && !string.Equals(Path.GetFullPath(libraryPath), s_loadedPath, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"ONNX Runtime is already loaded from {s_loadedPath}; configure the library before the first session");
            }

            s_configuredPath = libraryPath;
        }
    }

    /// <summary>The candidate paths, in the order they are tried.</summary>
    public static IReadOnlyList<string> CandidatePaths()
    {
        var candidates = new List<string>();
        if (s_configuredPath is not null)
        {
            candidates.Add(s_configuredPath);
            return candidates;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            candidates.Add(fromEnvironment);
            return candidates;
        }

        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string bundled = Path.Combine(dir.FullName, ".deps", "onnxruntime-" + BundledVersion, "linux-" + arch, "libonnxruntime.so.1");
            if (File.Exists(bundled))
            {
                candidates.Add(bundled);
                break;
            }
        }

        candidates.Add("libonnxruntime.so.1");
        return candidates;
    }

    private static OrtApiTable Load()
    {
        lock (Gate)
        {
            if (s_api is not null)
            {
                return s_api;
            }

            IReadOnlyList<string> candidates = CandidatePaths();
            nint library = 0;
            string? loaded = null;
            var failures = new List<string>();
            foreach (string candidate in candidates)
            {
                bool explicitPath = candidate.Contains('/', StringComparison.Ordinal);
                if (explicitPath && !File.Exists(candidate))
                {
                    failures.Add($"{candidate}: no such file");
                    continue;
                }

                if (NativeLibrary.TryLoad(candidate, out library))
                {
                    loaded = explicitPath ? Path.GetFullPath(candidate) : candidate;
                    break;
                }

                failures.Add($"{candidate}: cannot be loaded");
            }

            if (library == 0 || loaded is null)
            {
                throw new OrtLibraryException(
                    "ONNX Runtime native library not found (" + string.Join("; ", failures) +
                    "). Run tools/edgeinv, which fetches it, or set " + EnvironmentVariable + " to a libonnxruntime.so");
            }

            if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out nint getApiBase))
            {
                throw new OrtLibraryException($"{loaded}: not an ONNX Runtime library (no OrtGetApiBase export)");
            }

            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
            nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
            var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
            var getVersionString = (delegate* unmanaged<byte*>)apiBase[1];
            string version = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? "unknown";
            nint* slots = getApi(OrtApiTable.ApiVersion);
            if (slots == null)
            {
                throw new OrtLibraryException(
                    $"{loaded}: ONNX Runtime {version} does not serve C API version {OrtApiTable.ApiVersion}; version 1.{OrtApiTable.ApiVersion} or newer is needed");
            }

            s_loadedPath = loaded;
            s_api = new OrtApiTable(slots, version);
            return s_api;
        }
    }

    /// <summary>The execution providers compiled into the loaded library (e.g. CPUExecutionProvider, CUDAExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders()
    {
        OrtApiTable api = Api;
        byte** names;
        int count;
        api.Check(api.GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
            }

            return result;
        }
        finally
        {
            api.Check(api.ReleaseAvailableProviders(names, count));
        }
    }
}
