using BenchmarkDotNet.Attributes;
using EdgeInventory.Imaging;
using EdgeInventory.Tools;
using EdgeInventory.Vision.Yolo;

namespace EdgeInventory.Benchmarks;

/// <summary>
/// The per-frame vision path. Runs in process (no separate benchmark build: 2 cores are scarce) with
/// a short job; the memory diagnoser reports bytes allocated per call, which must be 0.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class VisionBenchmarks
{
    private const int Anchors = 8400;
    private const int InputSize = 640;

    private readonly LetterboxResizer _resizer = new();
    private readonly YoloPostprocessor _post = new();
    private readonly List<Detection> _results = new(1024);
    private BgrImage _photo = null!;
    private float[] _tensor = null!;
    private float[] _denseOutput = null!;
    private LetterboxGeometry _geometry;
    private YoloDetector _detector = null!;
    private BareRun _bareRun = null!;

    [GlobalSetup]
    public void Setup()
    {
        _photo = new BgrImage(1024, 768);
        new Random(1).NextBytes(_photo.Pixels);
        _tensor = new float[3 * InputSize * InputSize];
        _geometry = LetterboxGeometry.Compute(1024, 768, InputSize, InputSize);
        _denseOutput = DenseShelfOutput();

        string model = Environment.GetEnvironmentVariable("EDGEINV_BENCH_MODEL")
            ?? throw new InvalidOperationException("set EDGEINV_BENCH_MODEL to a YOLOv8 ONNX model (tools/edgeinv bench vision does)");
        _detector = YoloDetector.Open(model);
        _bareRun = new BareRun(_detector);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bareRun.Dispose();
        _detector.Dispose();
    }

    [Benchmark(Description = "letterbox 1024x768 -> 640x640")]
    public LetterboxGeometry Letterbox() => _resizer.Apply(_photo, _tensor, InputSize, InputSize);

    [Benchmark(Description = "postprocess dense shelf (500 objects, 2500 candidates)")]
    public int PostprocessDense()
    {
        _results.Clear();
        _post.Decode(_denseOutput, YoloOutputLayout.V8, 5, Anchors, _geometry, 0.25f, 0.7f, 1000, _results);
        return _results.Count;
    }

    [Benchmark(Description = "Detect (pre + Run + post)")]
    public int Detect()
    {
        _detector.Detect(_photo, _results);
        return _results.Count;
    }

    /// <summary>The package's own RunWithBinding on the same session, tensors bound once: what Detect adds to is this.</summary>
    [Benchmark(Baseline = true, Description = "bare RunWithBinding")]
    public void BareRunWithBinding() => _bareRun.Run();

    /// <summary>
    /// A [5, 8400] single-class output as a trained model gives on a dense shelf: 500 products on a
    /// 25×20 grid, each seen by 5 anchors with slightly shifted boxes and falling scores.
    /// </summary>
    private static float[] DenseShelfOutput()
    {
        float[] output = new float[5 * Anchors];
        var rng = new Random(2);
        int anchor = 0;
        for (int row = 0; row < 20; row++)
        {
            for (int col = 0; col < 25; col++)
            {
                float cx = 12 + (col * 25.6f), cy = 96 + (row * 22.4f);
                for (int k = 0; k < 5; k++, anchor++)
                {
                    output[anchor] = cx + (float)(rng.NextDouble() - 0.5);
                    output[Anchors + anchor] = cy + (float)(rng.NextDouble() - 0.5);
                    output[(2 * Anchors) + anchor] = 22f;
                    output[(3 * Anchors) + anchor] = 19f;
                    output[(4 * Anchors) + anchor] = 0.9f - (k * 0.12f);
                }
            }
        }

        for (; anchor < Anchors; anchor++)
        {
            output[(4 * Anchors) + anchor] = (float)(rng.NextDouble() * 0.05); // background
        }

        return output;
    }
}
