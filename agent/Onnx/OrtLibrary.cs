using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Onnx;

/// <summary>
/// Chooses the libonnxruntime that the Microsoft.ML.OnnxRuntime package calls into, checks it once,
/// and installs a DllImport resolver on the package's assembly that hands it that library. Order of
/// search: the path given to <see cref="Configure"/>; the EDGEINV_ORT_LIBRARY environment variable
/// (a CUDA/TensorRT build, JetPack's on a Jetson); the package's own copy next to the program
/// (runtimes/linux-ARCH/native); the system's libonnxruntime.so.1.
/// </summary>
public static unsafe class OrtLibrary
{
    public const string EnvironmentVariable = "EDGEINV_ORT_LIBRARY";

    /// <summary>The name the package's DllImports ask for.</summary>
    private const string ImportName = "onnxruntime";

    private static readonly Lock Gate = new();
    private static string? s_configuredPath;
    private static LoadedLibrary? s_loaded;

    /// <summary>The path of the library that was loaded, once it was.</summary>
    public static string? LoadedPath => s_loaded?.Path;

    /// <summary>The loaded library's version string (loads it if needed).</summary>
    public static string Version => EnsureLoaded().Version;

    /// <summary>
    /// The oldest native library the package's managed API works with: its own version. A native
    /// library serves the C API versions up to its own, so an older one lacks the table the package asks for.
    /// </summary>
    public static Version RequiredVersion { get; } = ManagedPackageVersion();

    /// <summary>Uses this library file instead of searching (a CUDA or TensorRT build on a Jetson, say). Call before first use.</summary>
    public static void Configure(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryPath);
        lock (Gate)
        {
            if (s_loaded is not null && !string.Equals(Path.GetFullPath(libraryPath), s_loaded.Path, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"ONNX Runtime is already loaded from {s_loaded.Path}; configure the library before the first session");
            }

            s_configuredPath = libraryPath;
        }
    }

    /// <summary>The candidate paths, in the order they are tried; a configured one is the only candidate.</summary>
    public static IReadOnlyList<string> CandidatePaths()
    {
        string? configured = s_configuredPath;
        if (configured is null)
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            configured = string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment;
        }

        if (configured is not null)
        {
            return [configured];
        }

        var candidates = new List<string>();
        string searchPath = AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "";
        foreach (string dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string packaged = Path.Combine(dir, "libonnxruntime.so");
            if (File.Exists(packaged))
            {
                candidates.Add(packaged);
                break;
            }
        }

        candidates.Add("libonnxruntime.so.1");
        return candidates;
    }

    /// <summary>The execution providers compiled into the loaded library (e.g. CPUExecutionProvider, CUDAExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders()
    {
        EnsureLoaded();
        return OrtEnv.Instance().GetAvailableProviders();
    }

    /// <summary>
    /// Loads and checks the library and installs the resolver; every entry point of this project that
    /// reaches ONNX Runtime calls it first, so the package never looks for a library on its own.
    /// </summary>
    /// <exception cref="OrtLibraryException">No library, one that does not load, not ONNX Runtime, or too old; the message names the path.</exception>
    internal static LoadedLibrary EnsureLoaded()
    {
        LoadedLibrary? loaded = s_loaded;
        if (loaded is not null)
        {
            return loaded;
        }

        lock (Gate)
        {
            if (s_loaded is not null)
            {
                return s_loaded;
            }

            loaded = LoadFirst(CandidatePaths());
            // The package installs a resolver of its own in its first static constructor unless told not
            // to; a resolver already there means ONNX Runtime was used before this class chose the library.
            OrtEnv.DisableDllImportResolver = true;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
            }
            catch (InvalidOperationException e)
            {
                NativeLibrary.Free(loaded.Handle);
                throw new OrtLibraryException("ONNX Runtime was used before EdgeInventory.Onnx chose its native library; open sessions through ModelSession", e);
            }

            s_loaded = loaded;
            var environment = new EnvironmentCreationOptions { logId = "edgeinv", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING };
            OrtEnv.CreateInstanceWithOptions(ref environment).DisableTelemetryEvents();
            return loaded;
        }
    }

    /// <summary>Opens one candidate and checks that it is an ONNX Runtime at least as new as the package; frees it when not.</summary>
    internal static LoadedLibrary Open(string candidate)
    {
        bool explicitPath = candidate.Contains('/', StringComparison.Ordinal);
        string path = explicitPath ? Path.GetFullPath(candidate) : candidate;
        if (explicitPath && !File.Exists(path))
        {
            throw new OrtLibraryException($"ONNX Runtime native library not found ({candidate}: no such file). Set {EnvironmentVariable} to a libonnxruntime.so");
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new OrtLibraryException($"ONNX Runtime native library {candidate} cannot be loaded: {e.Message}", e);
        }

        try
        {
            string version = NativeVersion(handle, path);
            RefuseOlder(version, path);
            return new LoadedLibrary(path, handle, version);
        }
        catch
        {
            NativeLibrary.Free(handle);
            throw;
        }
    }

    /// <summary>Refuses a library older than the package's managed API, naming both versions.</summary>
    internal static void RefuseOlder(string nativeVersion, string path)
    {
        if (!System.Version.TryParse(nativeVersion.Split('-', '+')[0], out Version? native))
        {
            throw new OrtLibraryException($"{path}: ONNX Runtime reports version '{nativeVersion}', which is not a version number");
        }

        if (native.Major < RequiredVersion.Major || (native.Major == RequiredVersion.Major && native.Minor < RequiredVersion.Minor))
        {
            throw new OrtLibraryException(
                $"{path}: ONNX Runtime {nativeVersion} is older than {RequiredVersion.ToString(3)}, the Microsoft.ML.OnnxRuntime package this program is built with; " +
                $"use an ONNX Runtime {RequiredVersion.ToString(2)} or newer build (for a Jetson, one built for its JetPack)");
        }
    }

    private static LoadedLibrary LoadFirst(IReadOnlyList<string> candidates)
    {
        var failures = new List<OrtLibraryException>();
        foreach (string candidate in candidates)
        {
            try
            {
                return Open(candidate);
            }
            catch (OrtLibraryException e) when (candidates.Count > 1 && e.InnerException is DllNotFoundException)
            {
                failures.Add(e); // try the next one; a library that loads but is wrong is an error at once
            }
        }

        throw failures.Count == 1 ? failures[0]
            : new OrtLibraryException("ONNX Runtime native library not found (" + string.Join("; ", failures.Select(f => f.Message)) +
                $"). Set {EnvironmentVariable} to a libonnxruntime.so");
    }

    /// <summary>
    /// The library's own version, read through OrtGetApiBase()->GetVersionString before the package touches
    /// the library: the package's first call asks for its C API version and fails without naming either version.
    /// </summary>
    private static string NativeVersion(nint handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
        {
            throw new OrtLibraryException($"{path}: not an ONNX Runtime library (no OrtGetApiBase export)");
        }

        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
        nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        return apiBase == null ? "unknown" : Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)apiBase[1])()) ?? "unknown";
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ImportName && s_loaded is { } loaded ? loaded.Handle : 0;

    private static Version ManagedPackageVersion()
    {
        Version v = typeof(OrtEnv).Assembly.GetName().Version ?? new Version(0, 0);
        return new Version(v.Major, v.Minor, Math.Max(v.Build, 0));
    }

    /// <summary>A loaded, checked library.</summary>
    internal sealed record LoadedLibrary(string Path, nint Handle, string Version);
}
