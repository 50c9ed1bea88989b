namespace EdgeInventory.Capture;

/// <summary>How one camera is sampled and watched.</summary>
public sealed record CaptureSettings
{
    /// <summary>One frame per interval leaves ffmpeg (shelves change slowly: a few seconds is typical).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Output size; null keeps the source's. With only a width, the height keeps the aspect ratio.</summary>
    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>
    /// Loop a video file or a folder of stills at its end (for demos and tests). A looped folder's stills must
    /// all have one size: ffmpeg 5.1 stops delivering frames when a looped image sequence changes size.
    /// </summary>
    public bool Loop { get; init; }

    /// <summary>
    /// Decode key frames only (<c>-skip_frame nokey</c>): the decoder's cost falls to the key frame rate.
    /// Right when the stream's key frame interval is at most the sample interval.
    /// </summary>
    public bool KeyframesOnly { get; init; }

    /// <summary>No frame for this long while ffmpeg runs: the stream is stalled and ffmpeg is restarted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>First wait before a restart; doubled after each failure up to <see cref="MaxBackoff"/>, reset by a frame.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Without a frame for this long (failing starts or exits), the camera is offline rather than restarting.</summary>
    public TimeSpan OfflineAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Frames held for the detector; when full, the oldest is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 1;

    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>Null when valid, else the problem naming the setting.</summary>
    public string? Check()
    {
        if (SampleInterval < TimeSpan.FromMilliseconds(100) || SampleInterval > TimeSpan.FromHours(1))
        {
            return $"IntervalSeconds must be between 0.1 and 3600, not {SampleInterval.TotalSeconds}";
        }

        if (Width is < 16 or > 8192 || Height is < 16 or > 8192)
        {
            return $"Width and Height must be between 16 and 8192 pixels (not {Width}x{Height})";
        }

        if (Height is not null && Width is null)
        {
            return "Height needs Width (a width alone keeps the aspect ratio)";
        }

        if (StallTimeout <= SampleInterval)
        {
            return $"StallTimeoutSeconds ({StallTimeout.TotalSeconds}) must be longer than the sample interval ({SampleInterval.TotalSeconds})";
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            return "InitialBackoffSeconds must be positive and at most MaxBackoffSeconds";
        }

        if (QueueCapacity is < 1 or > 16)
        {
            return $"QueueCapacity must be between 1 and 16, not {QueueCapacity}";
        }

        return null;
    }
}
