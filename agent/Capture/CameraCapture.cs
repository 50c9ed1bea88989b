using System.ComponentModel;
using System.Diagnostics;
using EdgeInventory.Imaging;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Capture;

/// <summary>Why the last ffmpeg run ended.</summary>
public enum CaptureFailure
{
    None,

    /// <summary>ffmpeg could not be started at all (not installed, not executable).</summary>
    StartFailed,

    /// <summary>ffmpeg exited, with any code (0 included: a live camera never ends on its own).</summary>
    Exited,

    /// <summary>ffmpeg ran but no frame came for the stall timeout; it was killed.</summary>
    Stalled,
}

/// <summary>
/// Runs ffmpeg for one camera and keeps it running: a watchdog restarts it when it exits (with any code)
/// or when no frame arrives for <see cref="CaptureSettings.StallTimeout"/>, waiting an exponential backoff
/// between attempts; ffmpeg's stderr is drained into the log; frames go to a bounded
/// <see cref="FrameQueue"/>. The camera's state (up, stalled, restarting, offline) is kept for health
/// reporting. A camera that is well-formed but unreachable is retried forever; the others are not affected.
/// </summary>
public sealed partial class CameraCapture : IAsyncDisposable
{
    private readonly CaptureSettings _settings;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string? _password;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private Process? _process;
    private long _framesCaptured;
    private long _lastFrameTicks;
    private int _restarts;
    private int _stalls;
    private string? _lastError;
    private CaptureState _state = CaptureState.Restarting;
    private CaptureFailure _lastFailure;
    private DateTimeOffset _downSince;

    public CameraCapture(string cameraId, CameraSource source, CaptureSettings settings, ILogger logger, TimeProvider? clock = null)
    {
        CameraId = cameraId;
        Source = source ?? throw new ArgumentNullException(nameof(source));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        string? problem = settings.Check();
        if (problem is not null)
        {
            throw new ArgumentException($"camera {cameraId}: {problem}", nameof(settings));
        }

        _log = logger ?? throw new ArgumentNullException(nameof(logger));
        _clock = clock ?? TimeProvider.System;
        _arguments = FfmpegCommand.Arguments(source, settings);
        _password = CameraSource.Password(source.Location);
        Frames = new FrameQueue(settings.QueueCapacity);
        _downSince = _clock.GetUtcNow();
    }

    public string CameraId { get; }

    public CameraSource Source { get; }

    public FrameQueue Frames { get; }

    public long FramesCaptured => Interlocked.Read(ref _framesCaptured);

    public long FramesDropped => Frames.Dropped;

    /// <summary>ffmpeg starts after the first, i.e. restarts.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Runs killed because no frame came for the stall timeout.</summary>
    public int Stalls => Volatile.Read(ref _stalls);

    public DateTimeOffset? LastFrameAt
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastFrameTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public CaptureState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public CaptureFailure LastFailure
    {
        get
        {
            lock (_gate)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>The last line ffmpeg wrote to stderr, or why it could not start.</summary>
    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    /// <summary>The running ffmpeg's process id (for diagnostics and tests), or null.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                try
                {
                    return _process is { HasExited: false } p ? p.Id : null;
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            }
        }
    }

    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException($"camera {CameraId} is already started");
        }

        _loop = Task.Run(() => WatchAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        TimeSpan backoff = _settings.InitialBackoff;
        bool first = true;
        while (!stop.IsCancellationRequested)
        {
            if (!first)
            {
                Interlocked.Increment(ref _restarts);
            }

            first = false;
            bool gotFrames = await RunOnceAsync(stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            backoff = gotFrames ? _settings.InitialBackoff : backoff;
            UpdateDownState();
            LogRestart(_log, CameraId, LastFailure, backoff.TotalSeconds, LastError ?? "");
            try
            {
                await Task.Delay(backoff, _clock, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxBackoff.Ticks));
            UpdateDownState();
        }
    }

    /// <summary>While no frames flow: stalled after a stall, offline once down long enough, else restarting.</summary>
    private void UpdateDownState()
    {
        lock (_gate)
        {
            bool longDown = _clock.GetUtcNow() - _downSince >= _settings.OfflineAfter;
            _state = _lastFailure == CaptureFailure.Stalled ? CaptureState.Stalled
                : longDown ? CaptureState.Offline
                : CaptureState.Restarting;
        }
    }

    /// <summary>One ffmpeg run; returns whether it delivered at least one frame.</summary>
    private async Task<bool> RunOnceAsync(CancellationToken stop)
    {
        var psi = new ProcessStartInfo(_settings.FfmpegPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string arg in _arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("Process.Start returned no process");
        }
        catch (Win32Exception e)
        {
            Fail(CaptureFailure.StartFailed, $"ffmpeg ({_settings.FfmpegPath}) could not be started: {e.Message}");
            return false;
        }

        lock (_gate)
        {
            _process = process;
        }

        LogStarted(_log, CameraId, process.Id, Source);
        using (process)
        using (var run = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            long framesBefore = FramesCaptured;
            long startedTicks = _clock.GetUtcNow().UtcTicks;
            Task stderr = DrainStderrAsync(process, run.Token);
            Task<CaptureFailure> frames = ReadFramesAsync(process, run.Token);
            CaptureFailure failure = CaptureFailure.Exited;
            try
            {
                // The watchdog: poll for a stall while frames are read.
                while (!frames.IsCompleted)
                {
                    await Task.WhenAny(frames, Task.Delay(TimeSpan.FromMilliseconds(250), _clock, run.Token)).ConfigureAwait(false);
                    long last = Math.Max(Interlocked.Read(ref _lastFrameTicks), startedTicks);
                    if (!frames.IsCompleted && _clock.GetUtcNow().UtcTicks - last > _settings.StallTimeout.Ticks)
                    {
                        failure = CaptureFailure.Stalled;
                        Interlocked.Increment(ref _stalls);
                        break;
                    }
                }

                if (frames.IsCompleted)
                {
                    failure = await frames.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                Kill(process);
                await run.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(stderr.ContinueWith(static _ => { }, TaskScheduler.Default), frames.ContinueWith(static _ => { }, TaskScheduler.Default)).ConfigureAwait(false);
                lock (_gate)
                {
                    _process = null;
                }
            }

            if (stop.IsCancellationRequested)
            {
                return FramesCaptured > framesBefore;
            }

            string reason = failure == CaptureFailure.Stalled
                ? $"no frame for {_settings.StallTimeout.TotalSeconds:0.#} s"
                : $"ffmpeg exited with code {SafeExitCode(process)}";
            Fail(failure, LastError is { Length: > 0 } err ? $"{reason}: {err}" : reason);
            return FramesCaptured > framesBefore;
        }
    }

    private async Task<CaptureFailure> ReadFramesAsync(Process process, CancellationToken cancellation)
    {
        var reader = new PpmFrameReader(process.StandardOutput.BaseStream);
        long sequence = FramesCaptured;
        while (true)
        {
            BgrImage buffer = Frames.Rent();
            bool ok;
            try
            {
                ok = await reader.ReadAsync(buffer, cancellation).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                SetError(e.Message);
                return CaptureFailure.Exited;
            }
            catch (IOException)
            {
                return CaptureFailure.Exited;
            }

            if (!ok)
            {
                return CaptureFailure.Exited;
            }

            DateTimeOffset now = _clock.GetUtcNow();
            Interlocked.Exchange(ref _lastFrameTicks, now.UtcTicks);
            Interlocked.Increment(ref _framesCaptured);
            bool recovered;
            lock (_gate)
            {
                recovered = _state != CaptureState.Up;
                _state = CaptureState.Up;
                _lastFailure = CaptureFailure.None;
            }

            if (recovered)
            {
                LogUp(_log, CameraId, buffer.Width, buffer.Height);
            }

            Frames.Publish(new CapturedFrame(buffer, now, ++sequence));
        }
    }

    private async Task DrainStderrAsync(Process process, CancellationToken cancellation)
    {
        // ffmpeg's warnings go to the log, a limited number per run so a broken stream cannot flood it.
        const int MaxLoggedLines = 20;
        int logged = 0;
        try
        {
            while (await process.StandardError.ReadLineAsync(cancellation).ConfigureAwait(false) is { } line)
            {
                // swscale warns about JPEG's full-range pixel format on every reconfiguration; it is harmless
                // and would push the line that says why a camera failed out of LastError.
                if (line.Length == 0 || line.Contains("deprecated pixel format used", StringComparison.Ordinal))
                {
                    continue;
                }

                // ffmpeg echoes the URL it was given, password included: never let that reach a log or a message.
                string safe = _password is null ? line : line.Replace(_password, "***", StringComparison.Ordinal);
                SetError(safe.Length > 300 ? safe[..300] : safe);
                if (logged++ < MaxLoggedLines)
                {
                    LogFfmpegLine(_log, CameraId, safe);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    private void Fail(CaptureFailure failure, string reason)
    {
        lock (_gate)
        {
            if (_state == CaptureState.Up)
            {
                _downSince = _clock.GetUtcNow();
            }

            _lastFailure = failure;
            _lastError = reason;
            _state = failure == CaptureFailure.Stalled ? CaptureState.Stalled : CaptureState.Restarting;
        }
    }

    private void SetError(string line)
    {
        lock (_gate)
        {
            _lastError = line;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.HasExited ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "camera {CameraId}: ffmpeg started (pid {Pid}) for {Source}")]
    private static partial void LogStarted(ILogger logger, string cameraId, int pid, CameraSource source);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "camera {CameraId}: frames flowing ({Width}x{Height})")]
    private static partial void LogUp(ILogger logger, string cameraId, int width, int height);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "camera {CameraId}: capture stopped ({Failure}); restarting in {BackoffSeconds:0.#} s: {Reason}")]
    private static partial void LogRestart(ILogger logger, string cameraId, CaptureFailure failure, double backoffSeconds, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "camera {CameraId}: ffmpeg: {Line}")]
    private static partial void LogFfmpegLine(ILogger logger, string cameraId, string line);
}
