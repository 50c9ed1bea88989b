using System.Collections.Concurrent;
using System.Net;
using EdgeInventory.Imaging;
using EdgeInventory.Scenes;
using EdgeInventory.Simulator.Story;
using EdgeInventory.Vision.Imaging.TurboJpeg;
using EdgeInventory.Vision.Imaging;

namespace EdgeInventory.Simulator.Chain;

/// <summary>
/// Every simulated camera as an HTTP snapshot camera on loopback (<c>http://127.0.0.1:PORT/STORE/CAMERA.jpg</c>): each
/// request answers the JPEG of what the camera sees now in its store's story, the way a real IP camera's snapshot URL
/// does; the agent reads it through ffmpeg (<c>HttpMode: snapshot</c>). A camera that is offline in the story answers
/// 503, so ffmpeg fails and the agent's watchdog, backoff and offline state run as they would for a dead camera.
/// Frames are rendered once per distinct state and kept.
/// </summary>
internal sealed class CameraServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, StoreStory> _stores;
    private readonly RunClock _clock;
    private readonly ConcurrentDictionary<string, byte[]> _frames = new();
    private readonly Lock _encode = new();
    private readonly TurboJpegCodec _jpeg = new();

    public CameraServer(IEnumerable<StoreStory> stores, RunClock clock, int port)
    {
        _stores = stores.ToDictionary(s => s.StoreId);
        _clock = clock;
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    private readonly ConcurrentDictionary<string, int> _served = new();

    /// <summary>Whether every camera has been read at least <paramref name="times"/> times: each agent is up and capturing.</summary>
    public bool EveryCameraRead(int times) =>
        _stores.Values.All(s => Enumerable.Range(0, s.Cameras.Count).All(c => _served.GetValueOrDefault($"{s.StoreId}/{c}") >= times));

    public Uri Url(string storeId, int camera) => new($"http://127.0.0.1:{Port}/{storeId}/{StoreStory.CameraId(camera)}.jpg");

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        try
        {
            string[] parts = context.Request.Url!.AbsolutePath.Trim('/').Split('/');
            if (parts.Length != 2 || !_stores.TryGetValue(parts[0], out StoreStory? story)
                || !int.TryParse(parts[1].Replace("cam-", "", StringComparison.Ordinal).Replace(".jpg", "", StringComparison.Ordinal), out int number)
                || number < 1 || number > story.Cameras.Count)
            {
                response.StatusCode = 404;
                return;
            }
            int camera = number - 1;
            _served.AddOrUpdate($"{story.StoreId}/{camera}", 1, (_, n) => n + 1);
            double t = _clock.Seconds;
            if (story.IsCameraOffline(camera, t))
            {
                response.StatusCode = 503;
                return;
            }
            int[] removed = story.RemovedAt(camera, t);
            Occluder? occluder = story.OccluderAt(camera, t);
            string key = $"{story.StoreId}/{camera}/{string.Join(',', removed)}/{occluder}";
            byte[] jpeg = _frames.GetOrAdd(key, _ => Render(story.Cameras[camera], removed, occluder));
            response.ContentType = "image/jpeg";
            response.ContentLength64 = jpeg.Length;
            response.OutputStream.Write(jpeg);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The reader went away mid-answer (ffmpeg restarted, the run is stopping).
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private byte[] Render(ShelfView view, int[] removed, Occluder? occluder)
    {
        BgrImage frame = view.Render(removed, occluder);
        lock (_encode)
        {
            return _jpeg.Encode(frame, 90);
        }
    }

    public void Dispose()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        _jpeg.Dispose();
    }
}

/// <summary>Seconds since the stores opened: the one clock of the story, the camera feeds and the scoring.</summary>
internal sealed class RunClock
{
    private readonly System.Diagnostics.Stopwatch _watch = new();

    public DateTimeOffset StartedAt { get; private set; }

    public bool Started => _watch.IsRunning;

    public double Seconds => _watch.Elapsed.TotalSeconds;

    public void Start()
    {
        StartedAt = DateTimeOffset.UtcNow;
        _watch.Start();
    }

    public DateTimeOffset At(double seconds) => StartedAt.AddSeconds(seconds);
}
