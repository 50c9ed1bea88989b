using BenchmarkDotNet.Attributes;
using EdgeInventory.Counting;
using EdgeInventory.Imaging;
using EdgeInventory.Reconciliation;
using EdgeInventory.Tools;

namespace EdgeInventory.AgentBench;

/// <summary>
/// The per-frame work after detection: zone assignment, coverage, smoothing and reconciliation of 6 zones; with the
/// frame's pixels read (ShelfTexture, the agent's default since issue 13) and without.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class AgentCountingPathBenchmarks
{

    private readonly List<Detection> _boxes = [];
    private ZoneDefinition[] _zones = [];
    private ZoneCounter _counter = null!;
    private ZoneSmoother _smoother = null!;
    private StockReconciler _reconciler = null!;
    private ZoneObservation[] _obs = [];
    private bool[] _changed = [];
    private ZonePipeline _pipeline = null!;
    private readonly ZoneFrameResult _result = new();
    private readonly BgrImage _frame = new(1280, 720);
    private DateTimeOffset _now = new(2025, 6, 12, 9, 0, 0, TimeSpan.Zero);

    [GlobalSetup]
    public void Setup()
    {
        _zones = [.. Enumerable.Range(0, 6).Select(i => new ZoneDefinition
        {
            Id = $"z{i}",
            LocationId = $"s042/A1/B1/S{i}",
            Sku = $"sku{i}",
            Polygon = ZonePolygon.Rectangle(0, i / 6.0, 1, (i + 1) / 6.0),
            PlannedFacings = 33,
            MinFacings = 10,
        })];
        // 200 boxes: 6 rows of 33 products, 1280x720 frame.
        for (int r = 0; r < 6; r++)
        {
            for (int c = 0; c < 33; c++)
            {
                _boxes.Add(new Detection((c * 38) + 2, (r * 120) + 10, (c * 38) + 36, (r * 120) + 110, 0.8f, 0));
            }
        }

        _counter = new ZoneCounter(_zones);
        _smoother = new ZoneSmoother(_zones);
        _reconciler = new StockReconciler(new ReconcilerSettings(), "s042", "edge-01");
        _obs = new ZoneObservation[_zones.Length];
        _changed = new bool[_zones.Length];
        _pipeline = new ZonePipeline("cam", _zones, new CountingSettings(), new SmoothingSettings(), new StockReconciler(new ReconcilerSettings(), "s042", "edge-01"), "m");
        // Packaging-like print over the whole frame: every strip is read to the end (no early exit on bare shelf).
        Span<byte> px = _frame.Pixels;
        for (int i = 0; i < px.Length; i++)
        {
            px[i] = (byte)((((i / 3) % 1280 / 3) + ((i / 3 / 1280) / 5)) % 3 == 0 ? 40 : 210);
        }
    }

    [Benchmark]
    public void CountAndSmooth()
    {
        _counter.Observe(_boxes, 1280, 720, _obs);
        _smoother.Update(_obs, _now, _changed);
        _now += TimeSpan.FromSeconds(5);
    }

    /// <summary>The same with the frame's pixels read for each zone's bare share (<see cref="ShelfTexture"/>).</summary>
    [Benchmark]
    public int CountSmoothReconcileWithPixels()
    {
        _pipeline.Process(_boxes, 1280, 720, _now, null, _result, _frame);
        _now += TimeSpan.FromSeconds(5);
        return _result.Events.Count;
    }

    /// <summary>The agent's <see cref="ZonePipeline"/>: count, smooth, reconcile.</summary>
    [Benchmark]
    public int CountSmoothReconcile()
    {
        _pipeline.Process(_boxes, 1280, 720, _now, null, _result);
        _now += TimeSpan.FromSeconds(5);
        return _result.Events.Count;
    }
}
