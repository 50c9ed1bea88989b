namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// Whether the detection rounds succeed, for <c>/healthz</c>: a loop that goes round but fails every frame (a
/// detector that throws on each run) is not healthy, though the loop itself is alive. Written by
/// <see cref="DetectionWorker"/>, read by the endpoint.
/// </summary>
public sealed class DetectionHealth(TimeProvider clock)
{
    /// <summary>How long the loop may go without a round before <c>/healthz</c> reports it not running.</summary>
    public static readonly TimeSpan LoopStallLimit = TimeSpan.FromSeconds(30);

    /// <summary>Failed rounds in a row from which the detector is reported failing: one bad frame is not an outage.</summary>
    public const int FailingAfterRounds = 3;

    private readonly Lock _gate = new();
    private int _failedInARow;
    private string? _lastError;
    // The loop gets the same grace as a stalled one to go round for the first time.
    private DateTimeOffset _lastLoopAt = clock.GetUtcNow();

    /// <summary>When the detection loop last went round.</summary>
    public DateTimeOffset LastLoopAt
    {
        get
        {
            lock (_gate)
            {
                return _lastLoopAt;
            }
        }
    }

    /// <summary>Whether the loop went round within <see cref="LoopStallLimit"/>.</summary>
    public bool LoopAlive => clock.GetUtcNow() - LastLoopAt < LoopStallLimit;

    /// <summary>The loop woke up and goes round now.</summary>
    public void LoopWentRound()
    {
        lock (_gate)
        {
            _lastLoopAt = clock.GetUtcNow();
        }
    }

    /// <summary>True once <see cref="FailingAfterRounds"/> rounds in a row failed, until one succeeds.</summary>
    public bool Failing
    {
        get
        {
            lock (_gate)
            {
                return _failedInARow >= FailingAfterRounds;
            }
        }
    }

    /// <summary>The last failed round's error (type and message), null after a round succeeds.</summary>
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

    /// <summary>A round that ran frames through the detector and processed them.</summary>
    public void RoundSucceeded()
    {
        lock (_gate)
        {
            _failedInARow = 0;
            _lastError = null;
        }
    }

    public void RoundFailed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            _failedInARow++;
            _lastError = $"{error.GetType().Name}: {error.Message}";
        }
    }
}
