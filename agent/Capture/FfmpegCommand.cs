using System.Globalization;

namespace EdgeInventory.Capture;

/// <summary>
/// The ffmpeg command line for a camera: input options per source kind, then one output stream of PPM
/// frames at the sample rate. PPM is self-describing, so the source's size need not be known in advance.
/// </summary>
public static class FfmpegCommand
{
    public static IReadOnlyList<string> Arguments(CameraSource source, CaptureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        // One decoding thread per camera: a device serves many cameras, so parallelism comes from them;
        // frame threads would each hold reference frames (measured: about 17 MB more per 1080p camera).
        var a = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "warning", "-threads", "1" };
        string rate = Fps(1.0 / settings.SampleInterval.TotalSeconds);
        if (settings.KeyframesOnly)
        {
            a.AddRange(["-skip_frame", "nokey"]);
        }

        switch (source.Kind)
        {
            case CameraSourceKind.Rtsp:
                // TCP: a lost UDP packet would smear a frame; -timeout (µs) makes a dead socket an error, not a hang.
                a.AddRange(["-rtsp_transport", "tcp", "-timeout", "10000000", "-i", source.Location]);
                break;
            case CameraSourceKind.HttpMjpeg:
                // -timeout (µs) is the HTTP protocol's socket timeout: a silent server is an error, not a hang.
                a.AddRange(["-timeout", "10000000", "-i", source.Location]);
                break;
            case CameraSourceKind.HttpSnapshot:
                // The image2 demuxer opens its URL again for every frame: one request per sample, paced by
                // -re. Without probing it does not read frames ahead (which would delay a change by several
                // intervals). image2 takes no socket timeout: a hanging request is caught by the stall watchdog.
                a.AddRange(["-re", "-probesize", "32", "-analyzeduration", "0", "-fpsprobesize", "0",
                    "-f", "image2", "-pattern_type", "none", "-loop", "1", "-framerate", rate, "-i", source.Location]);
                break;
            case CameraSourceKind.V4l2:
                a.AddRange(["-f", "v4l2", "-i", source.Location]);
                break;
            case CameraSourceKind.VideoFile:
                a.Add("-re");
                if (settings.Loop)
                {
                    a.AddRange(["-stream_loop", "-1"]);
                }

                a.AddRange(["-i", source.Location]);
                break;
            case CameraSourceKind.StillFolder:
                a.AddRange(["-re", "-f", "image2", "-pattern_type", "glob", "-framerate", rate]);
                if (settings.Loop)
                {
                    a.AddRange(["-loop", "1"]);
                }

                a.AddRange(["-i", Path.Combine(source.Location, "*.jpg")]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(source), source.Kind, "unknown source kind");
        }

        string filters = "fps=" + rate;
        if (settings.Width is int w)
        {
            filters += settings.Height is int h
                ? string.Create(CultureInfo.InvariantCulture, $",scale={w}:{h}")
                : string.Create(CultureInfo.InvariantCulture, $",scale={w}:-2");
        }

        a.AddRange(["-an", "-sn", "-dn", "-vf", filters, "-f", "image2pipe", "-c:v", "ppm", "pipe:1"]);
        return a;
    }

    private static string Fps(double fps) => fps.ToString("0.######", CultureInfo.InvariantCulture);
}
