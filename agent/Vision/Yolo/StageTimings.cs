using System.Diagnostics;

namespace EdgeInventory.Vision.Yolo;

/// <summary>Milliseconds spent in each detector stage for one call (a batch counts once).</summary>
public struct StageTimings
{
    public double PreprocessMs { get; set; }

    public double InferenceMs { get; set; }

    public double PostprocessMs { get; set; }

    public readonly double TotalMs => PreprocessMs + InferenceMs + PostprocessMs;

    internal static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
