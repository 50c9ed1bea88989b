using System.Diagnostics;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Capture;
using EdgeInventory.Imaging;
using EdgeInventory.Vision.Yolo;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// The shared detector: one ONNX Runtime session serves every camera. The loop wakes when a frame is
/// published, takes the newest frame of each camera that has one, runs them as one batch (the model's
/// batch dimension permitting; <see cref="YoloDetector"/> splits larger sets), and hands each result to
/// <see cref="ZoneStateKeeper"/>. When inference is slower than capture, the cameras' bounded queues drop their
/// older frames (counted as skipped): nothing queues without bound. Camera health is checked every second.
/// </summary>
public sealed partial class DetectionWorker : BackgroundService
{
    private readonly ZoneStateKeeper _zones;
    private readonly CameraStatusBoard _cameras;
    private readonly TimeProvider _clock;
    private readonly YoloDetector _detector;
    private readonly DetectionSettings _detection;
    private readonly int _maxBatch;
    private readonly ILogger _log;
    private readonly DetectionHealth _health;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly BgrImage[] _images;
    private readonly CapturedFrame[] _frames;
    private readonly CameraRuntime[] _owners;
    private readonly List<Detection>[] _results;
    private readonly List<Detection>[] _batchResults;

    public DetectionWorker(ZoneStateKeeper zones, CameraStatusBoard cameras, YoloDetector detector, AgentSettings settings, DetectionHealth health, TimeProvider clock, ILogger<DetectionWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(settings);
        _zones = zones;
        _cameras = cameras;
        _clock = clock;
        _health = health;
        _detector = detector;
        _log = logger;
        _detection = new DetectionSettings { Confidence = settings.Model.Confidence, IoU = settings.Model.IoU };
        int configured = settings.Model.MaxBatch ?? (settings.Session.Provider == Onnx.ExecutionProvider.Cpu ? 1 : 4);
        _maxBatch = Math.Min(configured, detector.Model.FixedBatch ?? YoloDetector.MaxBatch);
        int n = zones.Cameras.Count;
        _images = new BgrImage[n];
        _frames = new CapturedFrame[n];
        _owners = new CameraRuntime[n];
        _results = new List<Detection>[n];
        _batchResults = new List<Detection>[_maxBatch];
        for (int i = 0; i < n; i++)
        {
            _results[i] = [];
        }

        foreach (CameraRuntime camera in zones.Cameras)
        {
            camera.Capture.Frames.FramePublished += Wake;
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        DateTimeOffset lastHealth = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            DateTimeOffset now = _clock.GetUtcNow();
            _health.LoopWentRound();
            try
            {
                if (RunOnce() > 0)
                {
                    _health.RoundSucceeded();
                }

                if (now - lastHealth >= TimeSpan.FromSeconds(1))
                {
                    lastHealth = now;
                    _zones.CheckCameraHealth(_cameras, now);
                }
            }
#pragma warning disable CA1031 // the loop must outlive one bad frame or a full disk; the error is logged
            catch (Exception e)
#pragma warning restore CA1031
            {
                _health.RoundFailed(e);
                LogLoopError(_log, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _clock, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes the newest frame of each camera, detects in batches, processes; returns how many frames ran.</summary>
    internal int RunOnce()
    {
        int count = 0;
        foreach (CameraRuntime camera in _zones.Cameras)
        {
            if (camera.Capture.Frames.TakeLatest() is { } frame)
            {
                _frames[count] = frame;
                _images[count] = frame.Image;
                _owners[count] = camera;
                count++;
            }
        }

        try
        {
            for (int start = 0; start < count; start += _maxBatch)
            {
                int n = Math.Min(_maxBatch, count - start);
                long t0 = Stopwatch.GetTimestamp();
                for (int j = 0; j < n; j++)
                {
                    _batchResults[j] = _results[start + j];
                }

                _detector.Detect(_images.AsSpan(start, n), _batchResults, _detection);
                _zones.Metrics?.InferenceRan(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                for (int i = start; i < start + n; i++)
                {
                    _zones.ProcessFrame(_owners[i], _frames[i], _results[i]);
                    _zones.Metrics?.FrameProcessed(_owners[i]);
                }
            }
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                _owners[i].Capture.Frames.Return(_frames[i]);
                _frames[i] = null!;
                _images[i] = null!;
            }
        }

        return count;
    }

    public override void Dispose()
    {
        foreach (CameraRuntime camera in _zones.Cameras)
        {
            camera.Capture.Frames.FramePublished -= Wake;
        }

        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "detection loop: a round failed; continuing")]
    private static partial void LogLoopError(ILogger logger, Exception error);
}

/// <summary>Starts every camera's capture with the host and stops them with it.</summary>
public sealed class CaptureService(CameraStatusBoard cameras) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (CameraRuntime camera in cameras.Cameras)
        {
            camera.Capture.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (CameraRuntime camera in cameras.Cameras)
        {
            await camera.Capture.DisposeAsync().ConfigureAwait(false);
        }
    }
}
