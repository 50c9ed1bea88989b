using System.Diagnostics;
using EdgeInventory.Contracts;
using EdgeInventory.Mqtt;

namespace EdgeInventory.Tools;

/// <summary>One message to publish, with what the alert watchers need to match its alert to it.</summary>
internal sealed record PlannedEvent(int Index, string Topic, byte[] Payload, Guid EventId, Guid DiscrepancyId, bool OpensAlert);

/// <summary>
/// The discrepancy events of one run: start, update and end of <c>events / 3</c> distinct discrepancies spread over the
/// stores, each store's interleaved (start of the j-th, update of the one before, end of the one before that) the way a
/// busy device reports them. Every <c>1 / alertShare</c>-th discrepancy is a shortage the default route pages
/// (outOfStock critical or belowMinimum warning, its own location and SKU); the rest are recorded without an alert
/// (info severity, or a kind no route pages).
/// </summary>
internal sealed class EventPlan
{
    private EventPlan(List<PlannedEvent>[] perStore, int count, int alerts)
    {
        PerStore = perStore;
        Count = count;
        Alerts = alerts;
    }

    public List<PlannedEvent>[] PerStore { get; }

    public int Count { get; }

    /// <summary>Discrepancies whose start opens (and whose end resolves) an alert.</summary>
    public int Alerts { get; }

    /// <summary>
    /// Publishes the plan, store <c>s</c>'s events in order on <paramref name="publishers"/>[s] with at most 100
    /// unacknowledged (the client's own in-flight limit), paced to <paramref name="rate"/> events/s over all stores
    /// when given. An event's time (Stopwatch ticks, in <paramref name="sentAt"/> by its index) is taken when it is
    /// handed to the client inside that window, i.e. when it goes on the wire. <paramref name="topicLeaf"/> replaces
    /// each topic's last level (a topic nobody subscribes to measures publishing alone).
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<MqttConnection> publishers, int? rate, long[] sentAt, string? topicLeaf = null)
    {
        TimeSpan interval = rate is { } r ? TimeSpan.FromSeconds((double)publishers.Count / r) : TimeSpan.Zero;
        Task[] each = [.. PerStore.Select((list, s) => Task.Run(async () =>
        {
            using var window = new SemaphoreSlim(100);
            var pending = new List<Task>(list.Count);
            var pace = Stopwatch.StartNew();
            for (int i = 0; i < list.Count; i++)
            {
                PlannedEvent e = list[i];
                if (rate is not null && interval * i - pace.Elapsed is { Ticks: > 0 } early)
                {
                    await Task.Delay(early);
                }
                await window.WaitAsync();
                string topic = topicLeaf is null ? e.Topic : e.Topic[..(e.Topic.LastIndexOf('/') + 1)] + topicLeaf;
                sentAt[e.Index] = Stopwatch.GetTimestamp();
                pending.Add(Send(publishers[s], topic, e.Payload, window));
            }
            await Task.WhenAll(pending);
        }))];
        await Task.WhenAll(each);

        static async Task Send(MqttConnection client, string topic, byte[] payload, SemaphoreSlim window)
        {
            try
            {
                await client.PublishAsync(topic, payload, qos: 1);
            }
            finally
            {
                window.Release();
            }
        }
    }

    public static EventPlan Build(IReadOnlyList<string> stores, int events, double alertShare, string tag)
    {
        int discrepancies = Math.Max(1, events / 3);
        int alertEvery = alertShare <= 0 ? int.MaxValue : Math.Max(1, (int)Math.Round(1 / alertShare));
        var perStore = new List<PlannedEvent>[stores.Count];
        var byStore = new List<int>[stores.Count];
        for (int s = 0; s < stores.Count; s++)
        {
            perStore[s] = [];
            byStore[s] = [];
        }
        for (int d = 0; d < discrepancies; d++)
        {
            byStore[d % stores.Count].Add(d);
        }
        // Slightly in the past, a millisecond apart per phase, so every step is newer than the one before and none is future-dated.
        DateTimeOffset start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());
        int index = 0, alerts = 0;
        for (int s = 0; s < stores.Count; s++)
        {
            string store = stores[s];
            string topic = Topics.Discrepancy(store, "edge-01");
            List<int> mine = byStore[s];
            var ids = mine.Select(_ => EventIds.NewId()).ToArray();
            for (int j = 0; j < mine.Count + 2; j++)
            {
                if (j < mine.Count)
                {
                    Add(j, DiscrepancyPhase.Start);
                }
                if (j - 1 >= 0 && j - 1 < mine.Count)
                {
                    Add(j - 1, DiscrepancyPhase.Update);
                }
                if (j - 2 >= 0 && j - 2 < mine.Count)
                {
                    Add(j - 2, DiscrepancyPhase.End);
                }
            }

            void Add(int j, DiscrepancyPhase phase)
            {
                int d = mine[j];
                bool alerting = d % alertEvery == 0;
                (DiscrepancyKind kind, Severity severity) = alerting
                    ? (d / alertEvery % 2 == 0 ? (DiscrepancyKind.OutOfStock, Severity.Critical) : (DiscrepancyKind.BelowMinimum, Severity.Warning))
                    : (d % 4) switch
                    {
                        0 => (DiscrepancyKind.OverCapacity, Severity.Warning),
                        1 => (DiscrepancyKind.BelowMinimum, Severity.Info),
                        2 => (DiscrepancyKind.Gap, Severity.Info),
                        _ => (DiscrepancyKind.UnexpectedProduct, Severity.Warning),
                    };
                DateTimeOffset occurred = start.AddMilliseconds((int)phase);
                var e = new DiscrepancyEvent
                {
                    EventId = EventIds.NewId(),
                    OccurredAt = occurred,
                    StoreId = store,
                    DeviceId = "edge-01",
                    ModelVersion = "shelf-yolo11n 2025.06.1",
                    DiscrepancyId = ids[j],
                    Phase = phase,
                    Kind = kind,
                    Severity = severity,
                    CameraId = $"cam-{d % 8}",
                    ZoneId = $"{tag}z{d}",
                    LocationId = $"{store}/{tag}{d / 1000}/{d % 1000}",
                    Sku = $"7{d:D12}",
                    ObservedUnits = phase == DiscrepancyPhase.End ? 12 : phase == DiscrepancyPhase.Update ? 1 : 2,
                    ExpectedUnits = 12,
                    EmptyFraction = phase == DiscrepancyPhase.End ? 0.0 : 0.6,
                    StartedAt = start,
                    EndedAt = phase == DiscrepancyPhase.End ? occurred : null,
                };
                bool opens = alerting && phase == DiscrepancyPhase.Start;
                alerts += opens ? 1 : 0;
                perStore[s].Add(new PlannedEvent(index++, topic, ContractParser.Serialize(e), e.EventId, e.DiscrepancyId, opens));
            }
        }
        return new EventPlan(perStore, index, alerts);
    }
}
