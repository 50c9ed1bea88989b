namespace EdgeInventory.Agent.Pipeline;

/// <summary>
/// Whether the detection rounds succeed, for <c>/healthz</c>: a loop that goes round but fails every frame (a
/// detector that throws on each run) is not healthy, though the loop itself is alive. Written by
/// <see cref="DetectionWorker"/>, read by the endpoint.
/// </summary>
public sealed class DetectionHealth
{
    /// <summary>Failed rounds in a row from which the detector is reported failing: one bad frame is not an outage.</summary>
    public const int FailingAfterRounds = 3;

    private readonly Lock _gate = new();
    private int _failedInARow;
    private string? _lastError;

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
