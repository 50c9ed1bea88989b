namespace EdgeInventory.Cli;

/// <summary>Expands command-line image arguments: files as given, folders to their JPEG and PNG files in name order.</summary>
internal static class ImageFiles
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    public static bool IsImageName(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The images to process; a path that does not exist is kept, so that it is reported as a failed image.</summary>
    public static List<string> Expand(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        foreach (string arg in arguments)
        {
            if (Directory.Exists(arg))
            {
                files.AddRange(Directory.EnumerateFiles(arg).Where(IsImageName).Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(arg);
            }
        }

        return files;
    }
}
