using EdgeInventory.Imaging;

namespace EdgeInventory.Capture;

/// <summary>A frame handed to the detector: its pixels, when it was captured and its number.</summary>
public sealed record CapturedFrame(BgrImage Image, DateTimeOffset CapturedAt, long Sequence);

/// <summary>
/// A bounded queue of the latest frames with recycled buffers. The capture writes into a rented buffer
/// and publishes it; when the queue is full the oldest frame is dropped (and counted) rather than
/// queued without bound, because a detector that cannot keep up must see the newest frame, not a
/// backlog. Thread-safe between one producer and any consumers.
/// </summary>
public sealed class FrameQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<CapturedFrame> _frames;
    private readonly Stack<BgrImage> _free = new();
    private long _dropped;

    public FrameQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _frames = new Queue<CapturedFrame>(capacity);
    }

    public int Capacity { get; }

    /// <summary>Frames dropped because a newer one arrived before the detector took them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>Raised (on the capture's thread) after a frame is published.</summary>
    public event Action? FramePublished;

    /// <summary>A buffer to write the next frame into: a recycled one when there is one.</summary>
    public BgrImage Rent()
    {
        lock (_gate)
        {
            return _free.Count > 0 ? _free.Pop() : new BgrImage();
        }
    }

    /// <summary>Queues a frame; drops the oldest when full.</summary>
    public void Publish(CapturedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            if (_frames.Count == Capacity)
            {
                _free.Push(_frames.Dequeue().Image);
                _dropped++;
            }

            _frames.Enqueue(frame);
        }

        FramePublished?.Invoke();
    }

    /// <summary>Takes the newest frame and drops (counting) any older ones still queued.</summary>
    public CapturedFrame? TakeLatest()
    {
        lock (_gate)
        {
            if (_frames.Count == 0)
            {
                return null;
            }

            while (_frames.Count > 1)
            {
                _free.Push(_frames.Dequeue().Image);
                _dropped++;
            }

            return _frames.Dequeue();
        }
    }

    /// <summary>Gives a frame's buffer back once the consumer is done with it.</summary>
    public void Return(CapturedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            // Keep a bounded number of spare buffers: queue + the one in flight + the one being written.
            if (_free.Count < Capacity + 2)
            {
                _free.Push(frame.Image);
            }
        }
    }
}
