using EdgeInventory.Agent.Metrics;
using EdgeInventory.Contracts;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using Microsoft.Extensions.Logging;

namespace EdgeInventory.Agent.Evidence;

/// <summary>
/// The evidence of a frame's discrepancy events, in three steps so that only the pixel copy happens under the
/// zone state's lock: <see cref="Crop"/> copies and annotates each zone's crop while the frame is at hand;
/// <see cref="Encode"/>, off the lock, encodes each crop once and puts its reference into the event (the event
/// carries the JPEG's hash, so this comes before the commit) and queues the photo for the cloud; <see cref="WriteFiles"/>
/// writes the files once the events are committed. Used by the detection loop only; not thread-safe.
/// </summary>
public sealed partial class EvidenceWriter : IDisposable
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);

    private readonly EvidenceStore _store;
    private readonly bool _sendToCloud;
    private readonly ILogger _log;
    // Crop buffers, reused frame after frame; _pending[i] uses _crops[i].
    private readonly List<BgrImage> _crops = [];
    private readonly List<PendingEvidence> _pending = [];
    private readonly List<SavedEvidence> _encoded = [];
    private DateTimeOffset _lastPrune;

    public EvidenceWriter(string folder, EvidenceRetention retention, bool sendToCloud, TimeProvider clock, ILogger<EvidenceWriter> logger)
    {
        _store = new EvidenceStore(folder, retention, clock);
        _sendToCloud = sendToCloud;
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public string Folder => _store.Folder;

    public AgentMetrics? Metrics { get; set; }

    /// <summary>Copies the crop of event <paramref name="e"/>'s zone out of <paramref name="frame"/>, with its boxes drawn.</summary>
    public void Crop(DiscrepancyEvent e, BgrImage frame, ZonePolygon zone, IReadOnlyList<Detection> boxes)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_crops.Count == _pending.Count)
        {
            _crops.Add(new BgrImage());
        }

        EvidenceStore.CropZone(frame, zone, boxes, _crops[_pending.Count]);
        _pending.Add(new PendingEvidence(e.EventId, "ev-" + e.EventId.ToString("N")));
    }

    /// <summary>
    /// Encodes the crops taken since the last <see cref="WriteFiles"/>: each event in <paramref name="events"/> that has
    /// one gets its evidence reference, and its photo (unless it is over the contract's limit or photos stay on the
    /// device) is added to <paramref name="photos"/>, to be recorded after the events.
    /// </summary>
    public void Encode(List<DiscrepancyEvent> events, List<ContractMessage> photos)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(photos);
        _encoded.Clear();
        for (int p = 0; p < _pending.Count; p++)
        {
            int i = events.FindIndex(e => e.EventId == _pending[p].EventId);
            SavedEvidence saved = _store.Encode(_pending[p].EvidenceId, _crops[p]);
            _encoded.Add(saved);
            DiscrepancyEvent withEvidence = events[i] with { Evidence = saved.Reference };
            events[i] = withEvidence;
            if (_sendToCloud && Photo(withEvidence, saved) is { } photo)
            {
                photos.Add(photo);
            }
        }
    }

    /// <summary>Writes the files of the crops encoded last, after their events were committed; then prunes now and then.</summary>
    public void WriteFiles(DateTimeOffset now)
    {
        try
        {
            for (int p = 0; p < _encoded.Count; p++)
            {
                try
                {
                    _store.Write(_pending[p].EvidenceId, _encoded[p].Jpeg);
                }
                catch (IOException ex)
                {
                    // The event is stored and names the evidence (its photo, if sent, is in the outbox): a full disk
                    // loses the device's own copy, not the shortage.
                    LogEvidenceFailed(_log, _pending[p].EventId, ex.Message);
                }
            }
        }
        finally
        {
            Discard();
        }

        if (now - _lastPrune >= PruneInterval)
        {
            _lastPrune = now;
            _store.Prune();
        }
    }

    /// <summary>Forgets the crops of a frame whose events were not committed.</summary>
    public void Discard()
    {
        _pending.Clear();
        _encoded.Clear();
    }

    public void Dispose() => _store.Dispose();

    /// <summary>The photo of <paramref name="e"/>'s evidence with the bytes the file gets; null for a crop over the contract's limit (it stays on the device only).</summary>
    private EvidencePhoto? Photo(DiscrepancyEvent e, SavedEvidence saved)
    {
        EvidenceRef evidence = saved.Reference;
        if (saved.Jpeg.Length > EvidencePhoto.MaxJpegBytes)
        {
            LogEvidenceOversized(_log, evidence.EvidenceId, saved.Jpeg.Length, EvidencePhoto.MaxJpegBytes, e.EventId);
            Metrics?.EvidenceOversized();
            return null;
        }

        return new EvidencePhoto
        {
            EventId = EventIds.NewId(),
            OccurredAt = e.OccurredAt,
            StoreId = e.StoreId,
            DeviceId = e.DeviceId,
            ModelVersion = e.ModelVersion,
            EvidenceId = evidence.EvidenceId,
            DiscrepancyId = e.DiscrepancyId,
            SourceEventId = e.EventId,
            CameraId = e.CameraId,
            ZoneId = e.ZoneId,
            ContentType = "image/jpeg",
            Width = evidence.Width,
            Height = evidence.Height,
            Sha256 = evidence.Sha256,
            Jpeg = saved.Jpeg,
        };
    }

    private readonly record struct PendingEvidence(Guid EventId, string EvidenceId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "evidence for event {EventId} could not be written: {Reason}")]
    private static partial void LogEvidenceFailed(ILogger logger, Guid eventId, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "evidence {EvidenceId} is {Bytes} bytes, over the {MaxBytes} an evidence photo may carry: kept on the device, not sent [event {EventId}]")]
    private static partial void LogEvidenceOversized(ILogger logger, string evidenceId, int bytes, int maxBytes, Guid eventId);
}
