namespace EdgeInventory.Capture;

public enum CameraSourceKind
{
    /// <summary>rtsp:// or rtsps://, read over TCP.</summary>
    Rtsp,

    /// <summary>http(s):// multipart MJPEG stream.</summary>
    HttpMjpeg,

    /// <summary>http(s):// URL that returns one JPEG per request; fetched once per sample.</summary>
    HttpSnapshot,

    /// <summary>v4l2:///dev/videoN, a USB or CSI camera.</summary>
    V4l2,

    /// <summary>file:///path/to/video (optionally looped), read at real time.</summary>
    VideoFile,

    /// <summary>file:///path/to/folder/ of JPEG stills, shown one per sample interval (optionally looped).</summary>
    StillFolder,
}

/// <summary>Where a camera's frames come from, parsed and checked from its configured URL.</summary>
public sealed record CameraSource(CameraSourceKind Kind, string Location)
{
    /// <summary>Schemes a camera URL may have.</summary>
    public static readonly IReadOnlyList<string> Schemes = ["rtsp", "rtsps", "http", "https", "v4l2", "file"];

    /// <summary>
    /// Parses a camera URL. <paramref name="httpMode"/> tells an MJPEG stream (<c>mjpeg</c>, the default) from a
    /// snapshot URL (<c>snapshot</c>). Files, folders and devices must exist: a missing one is a configuration
    /// error, not a camera to retry. Returns null and sets <paramref name="problem"/> when the URL is not usable.
    /// </summary>
    public static CameraSource? TryParse(string? url, string? httpMode, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = "the camera URL is empty";
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
        {
            problem = $"'{Redact(url)}' is not an absolute URL (rtsp://, http(s)://, v4l2:///dev/videoN or file:///path)";
            return null;
        }

        string scheme = uri.Scheme.ToLowerInvariant();
        switch (scheme)
        {
            case "rtsp" or "rtsps":
            case "http" or "https":
                if (string.IsNullOrEmpty(uri.Host))
                {
                    problem = $"'{Redact(url)}' has no host";
                    return null;
                }

                if (scheme.StartsWith("rtsp", StringComparison.Ordinal))
                {
                    return new CameraSource(CameraSourceKind.Rtsp, url);
                }

                return (httpMode ?? "mjpeg").ToLowerInvariant() switch
                {
                    "mjpeg" => new CameraSource(CameraSourceKind.HttpMjpeg, url),
                    "snapshot" => new CameraSource(CameraSourceKind.HttpSnapshot, url),
                    _ => Fail(out problem, $"HTTP mode '{httpMode}' is not 'mjpeg' or 'snapshot'"),
                };
            case "v4l2":
                string device = uri.LocalPath;
                if (!device.StartsWith("/dev/", StringComparison.Ordinal))
                {
                    return Fail(out problem, $"'{url}' does not name a device under /dev (v4l2:///dev/video0)");
                }

                return File.Exists(device) || Directory.Exists(device) || IsCharacterDevice(device)
                    ? new CameraSource(CameraSourceKind.V4l2, device)
                    : Fail(out problem, $"no such video device: {device}");
            case "file":
                string path = uri.LocalPath;
                if (Directory.Exists(path))
                {
                    return Directory.EnumerateFiles(path, "*.jpg").Any()
                        ? new CameraSource(CameraSourceKind.StillFolder, path)
                        : Fail(out problem, $"the folder {path} holds no .jpg stills");
                }

                return File.Exists(path)
                    ? new CameraSource(CameraSourceKind.VideoFile, path)
                    : Fail(out problem, $"no such video file or folder: {path}");
            default:
                return Fail(out problem, $"unsupported scheme '{uri.Scheme}'; use one of {string.Join(", ", Schemes)}");
        }
    }

    /// <summary>The URL without a password, for logs and messages.</summary>
    public static string Redact(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            return url.Replace(uri.UserInfo, uri.UserInfo[..uri.UserInfo.IndexOf(':', StringComparison.Ordinal)] + ":***", StringComparison.Ordinal);
        }

        return url;
    }

    /// <summary>The password in a URL's user info (as written in the URL), or null.</summary>
    public static string? Password(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.UserInfo.IndexOf(':', StringComparison.Ordinal) is int colon and >= 0)
        {
            string password = uri.UserInfo[(colon + 1)..];
            return password.Length > 0 ? password : null;
        }

        return null;
    }

    public override string ToString() => $"{Kind} {Redact(Location)}";

    private static CameraSource? Fail(out string? problem, string reason)
    {
        problem = reason;
        return null;
    }

    private static bool IsCharacterDevice(string path)
    {
        try
        {
            return (File.GetAttributes(path) & FileAttributes.Device) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true; // it exists; permission is the capture's problem to report
        }
    }
}
