using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Onnx.Tests;

/// <summary>The resolver's choice of native library and its refusals, each naming the path.</summary>
public sealed class OrtLibraryTests
{
    [Fact]
    public void Loads_the_packages_own_library_at_the_packages_version()
    {
        Assert.Equal(OrtLibrary.RequiredVersion.ToString(3), OrtLibrary.Version);
        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        Assert.EndsWith($"/runtimes/linux-{arch}/native/libonnxruntime.so", OrtLibrary.LoadedPath, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", OrtLibrary.AvailableProviders());
    }

    [Fact]
    public void Another_library_cannot_be_configured_once_one_is_loaded()
    {
        _ = OrtLibrary.Version;
        var e = Assert.Throws<InvalidOperationException>(() => OrtLibrary.Configure("/opt/jetpack/libonnxruntime.so.1"));
        Assert.Contains(OrtLibrary.LoadedPath!, e.Message, StringComparison.Ordinal);
        OrtLibrary.Configure(OrtLibrary.LoadedPath!); // the same one again is harmless
    }

    [Fact]
    public void Missing_file_is_refused_naming_the_path()
    {
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open("/nonexistent/libonnxruntime.so.1"));
        Assert.StartsWith("ONNX Runtime native library not found (/nonexistent/libonnxruntime.so.1: no such file)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_that_will_not_load_is_refused_with_the_loaders_reason()
    {
        using var temp = RepoPaths.NewTempFolder();
        string path = temp.File("libonnxruntime.so");
        File.WriteAllText(path, "not a shared library");
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(path));
        Assert.StartsWith($"ONNX Runtime native library {path} cannot be loaded: ", e.Message, StringComparison.Ordinal);
        Assert.IsType<DllNotFoundException>(e.InnerException);
    }

    [Fact]
    public void Shared_library_that_is_not_onnx_runtime_is_refused()
    {
        // The package's provider bridge: a real shared library beside libonnxruntime.so, without its exports.
        _ = OrtLibrary.Version;
        string bridge = Path.Combine(Path.GetDirectoryName(OrtLibrary.LoadedPath)!, "libonnxruntime_providers_shared.so");
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(bridge));
        Assert.Equal($"{bridge}: not an ONNX Runtime library (no OrtGetApiBase export)", e.Message);
    }

    [Fact]
    public void Library_older_than_the_package_is_refused_naming_both_versions()
    {
        // A stand-in for an old JetPack build: exports OrtGetApiBase and reports 1.16.3.
        using var temp = RepoPaths.NewTempFolder();
        string source = temp.File("old_ort.c");
        string library = temp.File("libonnxruntime.so.1");
        File.WriteAllText(source, """
            static const void* get_api(unsigned version) { (void)version; return 0; }
            static const char* get_version(void) { return "1.16.3"; }
            static const struct { const void* (*GetApi)(unsigned); const char* (*GetVersionString)(void); } base = { get_api, get_version };
            const void* OrtGetApiBase(void) { return &base; }
            """);
        using (Process cc = Process.Start("cc", ["-shared", "-fPIC", "-o", library, source])!)
        {
            cc.WaitForExit();
            Assert.Equal(0, cc.ExitCode);
        }

        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.Open(library));
        Assert.StartsWith(
            $"{library}: ONNX Runtime 1.16.3 is older than {OrtLibrary.RequiredVersion.ToString(3)}, the Microsoft.ML.OnnxRuntime package this program is built with",
            e.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.32.0")]
    [InlineData("1.32.1")]
    [InlineData("1.40.0")]
    [InlineData("2.0.0-dev")]
    public void Library_as_new_as_the_package_or_newer_is_accepted(string version)
    {
        Assert.Equal(1, OrtLibrary.RequiredVersion.Major);
        Assert.Equal(32, OrtLibrary.RequiredVersion.Minor);
        OrtLibrary.RefuseOlder(version, "/opt/ort/libonnxruntime.so");
    }

    [Theory]
    [InlineData("1.31.1")]
    [InlineData("0.99.0")]
    [InlineData("unknown")]
    public void Older_or_unreadable_versions_are_refused(string version)
    {
        var e = Assert.Throws<OrtLibraryException>(() => OrtLibrary.RefuseOlder(version, "/opt/ort/libonnxruntime.so"));
        Assert.StartsWith("/opt/ort/libonnxruntime.so: ONNX Runtime ", e.Message, StringComparison.Ordinal);
        Assert.Contains(version, e.Message, StringComparison.Ordinal);
    }
}
