using EdgeInventory.Capture;
using EdgeInventory.Imaging;
using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Capture.Tests;

/// <summary>Real ffmpeg: looped videos made from the shipped shelf photos, killed and stalled mid-stream.</summary>
public sealed class CameraCaptureTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();
    private readonly ListLogger _log = new();

    public void Dispose() => _dir.Dispose();

    private static readonly CaptureSettings Fast = new()
    {
        SampleInterval = TimeSpan.FromMilliseconds(250),
        StallTimeout = TimeSpan.FromSeconds(2),
        InitialBackoff = TimeSpan.FromMilliseconds(200),
        MaxBackoff = TimeSpan.FromSeconds(1),
        OfflineAfter = TimeSpan.FromSeconds(2),
        Loop = true,
    };

    private CameraSource Video(out BgrImage photo)
    {
        photo = SamplePhotos.Load("shelf_val_107");
        string path = TestSupport.MakeVideo(_dir.Path, "shelf", [photo], secondsPerFrame: 2);
        return CameraSource.TryParse(new Uri(path).AbsoluteUri, null, out _)!;
    }

    [Fact]
    public async Task A_looped_video_delivers_frames_of_the_source_at_the_sample_rate()
    {
        CameraSource source = Video(out BgrImage photo);
        Assert.Equal(CameraSourceKind.VideoFile, source.Kind);
        // The sample rate is ffmpeg's fps filter (4 per second for 250 ms), not a timer of ours: checked where it is set,
        // since the frames' arrival times on a busy machine say nothing about it.
        Assert.Contains(FfmpegCommand.Arguments(source, Fast), a => a.Split(',')[0] == "fps=4");
        await using var capture = new CameraCapture("cam-1", source, Fast, _log);
        capture.Start();
        Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= 6, Patience), $"frames: {capture.FramesCaptured}, error: {capture.LastError}");
        Assert.Equal(CaptureState.Up, capture.State);
        CapturedFrame frame = capture.Frames.TakeLatest()!;
        Assert.Equal((photo.Width, photo.Height), (frame.Image.Width, frame.Image.Height));
        Assert.True(MeanAbsoluteDifference(photo, frame.Image) < 8, "the frame should be the photo, through one JPEG round trip");
        Assert.Equal(0, capture.Restarts); // a looped file does not end
    }

    [Fact]
    public async Task A_killed_ffmpeg_is_restarted_and_frames_continue()
    {
        await using var capture = new CameraCapture("cam-1", Video(out _), Fast, _log);
        capture.Start();
        Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= 2, Patience));
        int pid = capture.ProcessId!.Value;
        TestSupport.Signal(pid, "KILL");
        Assert.True(await TestSupport.WaitFor(() => capture.Restarts >= 1, Patience));
        long afterKill = capture.FramesCaptured;
        Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= afterKill + 4, Patience), "frames did not continue after the restart");
        Assert.NotEqual(pid, capture.ProcessId);
        Assert.Equal(CaptureState.Up, capture.State);
        Assert.Contains(_log.Lines, l => l.Id.Id == 1003 && l.Message.Contains("Exited", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stalled_ffmpeg_is_killed_after_the_stall_timeout_and_frames_continue()
    {
        await using var capture = new CameraCapture("cam-1", Video(out _), Fast, _log);
        capture.Start();
        Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= 2, Patience));
        int pid = capture.ProcessId!.Value;
        TestSupport.Signal(pid, "STOP"); // alive, but no more frames
        Assert.True(await TestSupport.WaitFor(() => capture.Stalls >= 1, Patience), "the stall was not detected");
        long afterStall = capture.FramesCaptured;
        Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= afterStall + 4, Patience), "frames did not continue after the restart");
        Assert.NotEqual(pid, capture.ProcessId);
        Assert.Contains(_log.Lines, l => l.Id.Id == 1003 && l.Message.Contains("no frame for 2 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_camera_is_retried_with_backoff_reported_offline_and_its_stderr_logged()
    {
        int port = TestSupport.FreePort();
        CameraSource source = CameraSource.TryParse($"rtsp://127.0.0.1:{port}/stream", null, out _)!;
        await using var capture = new CameraCapture("cam-dead", source, Fast, _log);
        capture.Start();
        Assert.True(await TestSupport.WaitFor(() => capture.State == CaptureState.Offline && capture.Restarts >= 2, Patience),
            $"state {capture.State}, restarts {capture.Restarts}");
        Assert.Equal(0, capture.FramesCaptured);
        Assert.Contains("refused", capture.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(_log.Lines, l => l.Id.Id == 1004 && l.Message.Contains("cam-dead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_ffmpeg_is_reported_not_thrown()
    {
        await using var capture = new CameraCapture("cam-1", Video(out _), Fast with { FfmpegPath = "/nonexistent/ffmpeg" }, _log);
        capture.Start();
        Assert.True(await TestSupport.WaitFor(() => capture.LastFailure == CaptureFailure.StartFailed && capture.LastError is not null, Patience));
        Assert.Contains("could not be started", capture.LastError);
    }

    [Fact]
    public async Task A_folder_of_stills_is_shown_in_turn_at_the_configured_width()
    {
        string folder = Path.Combine(_dir.Path, "stills");
        Directory.CreateDirectory(folder);
        File.Copy(SamplePhotos.ImagePath("shelf_val_107"), Path.Combine(folder, "a.jpg"));
        File.Copy(SamplePhotos.ImagePath("shelf_val_400"), Path.Combine(folder, "b.jpg")); // same size as a.jpg (see CaptureSettings: stills of one size)
        CameraSource source = CameraSource.TryParse(new Uri(folder).AbsoluteUri, null, out _)!;
        Assert.Equal(CameraSourceKind.StillFolder, source.Kind);
        await using var capture = new CameraCapture("cam-1", source, Fast with { Width = 320 }, _log);
        capture.Start();
        // The two photos have different mean brightness: seeing both means the folder is shown in turn.
        var means = new HashSet<int>();
        var widths = new HashSet<int>();
        Assert.True(await TestSupport.WaitFor(() =>
        {
            if (capture.Frames.TakeLatest() is { } f)
            {
                means.Add((int)Math.Round(Mean(f.Image)));
                widths.Add(f.Image.Width);
                capture.Frames.Return(f);
            }

            return means.Count >= 2;
        }, Patience), $"frames seen with means {string.Join(", ", means)}; error {capture.LastError}");
        Assert.Equal([320], widths);
    }

    [Fact]
    public void The_queue_keeps_the_latest_frames_and_counts_what_it_drops()
    {
        var queue = new FrameQueue(1);
        for (int i = 1; i <= 3; i++)
        {
            queue.Publish(new CapturedFrame(queue.Rent(), DateTimeOffset.UtcNow, i));
        }

        Assert.Equal(2, queue.Dropped);
        CapturedFrame latest = queue.TakeLatest()!;
        Assert.Equal(3, latest.Sequence);
        Assert.Null(queue.TakeLatest());
        queue.Return(latest);
        Assert.Same(latest.Image, queue.Rent()); // buffers are reused

        var deeper = new FrameQueue(3);
        for (int i = 1; i <= 3; i++)
        {
            deeper.Publish(new CapturedFrame(deeper.Rent(), DateTimeOffset.UtcNow, i));
        }

        Assert.Equal(3, deeper.TakeLatest()!.Sequence); // the two older ones are skipped, and counted
        Assert.Equal(2, deeper.Dropped);
    }

    [Theory]
    [InlineData("ftp://cam/x", "unsupported scheme 'ftp'")]
    [InlineData("not a url", "is not an absolute URL")]
    [InlineData("rtsp:///stream", "has no host")]
    [InlineData("file:///nonexistent/shelf.mp4", "no such video file or folder: /nonexistent/shelf.mp4")]
    [InlineData("v4l2:///dev/video97", "no such video device: /dev/video97")]
    public void Bad_camera_URLs_are_refused_with_the_reason(string url, string reason)
    {
        Assert.Null(CameraSource.TryParse(url, null, out string? problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void HTTP_sources_are_streams_or_snapshots_and_passwords_stay_out_of_messages()
    {
        Assert.Equal(CameraSourceKind.HttpMjpeg, CameraSource.TryParse("http://cam/video.mjpg", null, out _)!.Kind);
        Assert.Equal(CameraSourceKind.HttpSnapshot, CameraSource.TryParse("https://cam/snap.jpg", "snapshot", out _)!.Kind);
        Assert.Null(CameraSource.TryParse("http://cam/x", "hls", out string? problem));
        Assert.Contains("'hls'", problem);
        Assert.Equal("rtsp://admin:***@cam/1", CameraSource.Redact("rtsp://admin:secret@cam/1"));
        IReadOnlyList<string> args = FfmpegCommand.Arguments(new CameraSource(CameraSourceKind.Rtsp, "rtsp://cam/1"), new CaptureSettings { KeyframesOnly = true, Width = 640 });
        Assert.Equal(["-threads", "1", "-skip_frame", "nokey"], args.Skip(4).Take(4));
        Assert.Contains("tcp", args);
        Assert.Contains("fps=0.2,scale=640:-2", args);
    }

    internal static double Mean(BgrImage image)
    {
        long sum = 0;
        ReadOnlySpan<byte> px = image.Pixels;
        for (int i = 0; i < px.Length; i += 5)
        {
            sum += px[i];
        }

        return sum / (double)(px.Length / 5);
    }

    internal static double MeanAbsoluteDifference(BgrImage a, BgrImage b)
    {
        long sum = 0;
        ReadOnlySpan<byte> pa = a.Pixels, pb = b.Pixels;
        for (int i = 0; i < pa.Length; i += 7)
        {
            sum += Math.Abs(pa[i] - pb[i]);
        }

        return sum / (double)(pa.Length / 7);
    }
}

/// <summary>An HTTP snapshot camera served by a real HTTP listener on loopback.</summary>
public sealed class SnapshotCaptureTests
{
    [Fact]
    public async Task A_snapshot_URL_is_fetched_once_per_sample_and_a_new_picture_is_seen()
    {
        int port = TestSupport.FreePort();
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        byte[] current = File.ReadAllBytes(SamplePhotos.ImagePath("shelf_val_107"));
        int requests = 0;
        using var stop = new CancellationTokenSource();
        Task server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                System.Net.HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException)
                {
                    break;
                }

                Interlocked.Increment(ref requests);
                byte[] body = Volatile.Read(ref current);
                ctx.Response.ContentType = "image/jpeg";
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
                ctx.Response.Close();
            }
        });

        CameraSource source = CameraSource.TryParse($"http://viewer:s3cret@127.0.0.1:{port}/snapshot.jpg", "snapshot", out _)!;
        var log = new ListLogger();
        await using (var capture = new CameraCapture("cam-snap", source, new CaptureSettings { SampleInterval = TimeSpan.FromMilliseconds(500), StallTimeout = TimeSpan.FromSeconds(5) }, log))
        {
            capture.Start();
            Assert.True(await TestSupport.WaitFor(() => capture.FramesCaptured >= 2, TimeSpan.FromSeconds(20)), capture.LastError);
            BgrImage first = capture.Frames.TakeLatest()!.Image.Clone();
            // Another photo of the same size (ffmpeg keeps the first picture's size for the whole stream).
            Volatile.Write(ref current, File.ReadAllBytes(SamplePhotos.ImagePath("shelf_val_400")));
            Assert.True(await TestSupport.WaitFor(() => capture.Frames.TakeLatest() is { } f && CameraCaptureTests.MeanAbsoluteDifference(f.Image, first) > 20, TimeSpan.FromSeconds(20)),
                $"the new picture was not seen: {requests} requests, {capture.FramesCaptured} frames, error {capture.LastError}");
            long frames = capture.FramesCaptured;
            Assert.InRange(requests, frames, frames + 6); // paced: about one request per sample, not a flood
        }

        await stop.CancelAsync();
        listener.Stop();
        await server;
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("s3cret", StringComparison.Ordinal));
    }
}
