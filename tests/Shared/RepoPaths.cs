namespace EdgeInventory.Tests.Shared;

/// <summary>Locates the repository and its committed fixtures from a test's output folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeInventory.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeInventory.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    public static string OnnxFixture(string name) => Fixture("onnx", name);

    /// <summary>A fresh empty folder under the system temp folder, removed by the caller's Dispose.</summary>
    public static TempFolder NewTempFolder() => new();
}

internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeinv-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a file still open on a slow CI disk is not a test failure
        }
    }
}
