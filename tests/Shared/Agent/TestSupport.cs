using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Tests.Shared;

/// <summary>Keeps log lines in memory so tests can check what was logged.</summary>
internal sealed class ListLogger : ILogger, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, eventId, formatter(state, exception)));

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }
}

internal static class TestSupport
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Makes a Motion-JPEG video (every frame a key frame) with ffmpeg from frames, each shown for
    /// <paramref name="secondsPerFrame"/> at <paramref name="fps"/> frames per second.
    /// </summary>
    public static string MakeVideo(string folder, string name, IReadOnlyList<BgrImage> frames, double secondsPerFrame, int fps = 4)
    {
        string stills = Path.Combine(folder, name + "-stills");
        Directory.CreateDirectory(stills);
        using (var jpeg = new TurboJpegCodec())
        {
            for (int i = 0; i < frames.Count; i++)
            {
                File.WriteAllBytes(Path.Combine(stills, $"f{i:D4}.jpg"), jpeg.Encode(frames[i], 92));
            }
        }

        string video = Path.Combine(folder, name + ".avi");
        string rate = (1.0 / secondsPerFrame).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
        RunFfmpeg("-hide_banner", "-loglevel", "error", "-y", "-framerate", rate, "-i", Path.Combine(stills, "f%04d.jpg"),
            "-r", fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:v", "mjpeg", "-q:v", "3", video);
        return video;
    }

    public static void RunFfmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "ffmpeg did not finish making a test video");
        Assert.True(p.ExitCode == 0, "ffmpeg failed making a test video: " + err);
    }

    /// <summary>Sends a signal to a process (STOP, CONT, KILL) with the system's kill command.</summary>
    public static void Signal(int pid, string signal)
    {
        using Process p = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        p.WaitForExit(5000);
    }
}
