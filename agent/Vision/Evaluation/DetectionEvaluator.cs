using EdgeInventory.Imaging;

namespace EdgeInventory.Vision.Evaluation;

/// <summary>A labelled object: class and box in image pixels.</summary>
public readonly record struct GroundTruthBox(int ClassId, float X1, float Y1, float X2, float Y2);

/// <summary>Accuracy figures of a detector over a labelled image set.</summary>
public sealed record EvaluationResult
{
    public int Images { get; init; }

    public int Instances { get; init; }

    /// <summary>COCO-style AP at IoU 0.5 (101-point interpolation), mean over classes with labels.</summary>
    public double AP50 { get; init; }

    /// <summary>COCO-style AP averaged over IoU 0.50, 0.55, ..., 0.95.</summary>
    public double AP50To95 { get; init; }

    /// <summary>Precision at the operating threshold (IoU 0.5 matching).</summary>
    public double Precision { get; init; }

    /// <summary>Recall at the operating threshold (IoU 0.5 matching).</summary>
    public double Recall { get; init; }

    /// <summary>Mean absolute error of the per-image object count at the operating threshold.</summary>
    public double CountMae { get; init; }

    public double CountRmse { get; init; }

    /// <summary>Mean of (counted − labelled): negative when the detector undercounts.</summary>
    public double CountMeanError { get; init; }

    public float OperatingConfidence { get; init; }
}

/// <summary>
/// Collects detections (made at a low threshold, e.g. 0.001, with no per-image cap below 1,000) and
/// labels image by image, then computes COCO-style AP and the counting figures at an operating
/// threshold. Matching follows COCO: detections in descending score order take the unmatched label of
/// the same class with the highest IoU at or above the threshold.
/// </summary>
public sealed class DetectionEvaluator
{
    private static readonly double[] IoUThresholds = [0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95];

    private readonly List<(GroundTruthBox[] Truth, Detection[] Detections)> _images = [];

    public void Add(IEnumerable<GroundTruthBox> truth, IEnumerable<Detection> detections)
    {
        _images.Add((truth.ToArray(), detections.OrderByDescending(d => d.Score).ToArray()));
    }

    public EvaluationResult Compute(float operatingConfidence)
    {
        int instances = _images.Sum(i => i.Truth.Length);
        int[] classes = _images.SelectMany(i => i.Truth.Select(t => t.ClassId)).Distinct().Order().ToArray();
        double[] apPerThreshold = new double[IoUThresholds.Length];
        for (int t = 0; t < IoUThresholds.Length; t++)
        {
            apPerThreshold[t] = classes.Length == 0 ? 0 : classes.Average(c => AveragePrecision(c, IoUThresholds[t]));
        }

        // The operating point: detections above the threshold, matched at IoU 0.5.
        int tp = 0, fp = 0;
        double absSum = 0, sqSum = 0, signedSum = 0;
        foreach ((GroundTruthBox[] truth, Detection[] detections) in _images)
        {
            Detection[] kept = detections.Where(d => d.Score > operatingConfidence).ToArray();
            bool[] matched = Match(truth, kept, 0.5, classId: null);
            int hits = matched.Count(m => m);
            tp += hits;
            fp += kept.Length - hits;
            double error = kept.Length - truth.Length;
            absSum += Math.Abs(error);
            sqSum += error * error;
            signedSum += error;
        }

        int n = Math.Max(1, _images.Count);
        return new EvaluationResult
        {
            Images = _images.Count,
            Instances = instances,
            AP50 = apPerThreshold[0],
            AP50To95 = apPerThreshold.Average(),
            Precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp),
            Recall = instances == 0 ? 0 : (double)tp / instances,
            CountMae = absSum / n,
            CountRmse = Math.Sqrt(sqSum / n),
            CountMeanError = signedSum / n,
            OperatingConfidence = operatingConfidence,
        };
    }

    /// <summary>COCO 101-point interpolated AP of one class at one IoU threshold.</summary>
    internal double AveragePrecision(int classId, double iouThreshold)
    {
        var scored = new List<(float Score, bool Hit)>();
        int positives = 0;
        foreach ((GroundTruthBox[] truth, Detection[] detections) in _images)
        {
            positives += truth.Count(t => t.ClassId == classId);
            Detection[] ofClass = detections.Where(d => d.ClassId == classId).ToArray();
            bool[] hits = Match(truth, ofClass, iouThreshold, classId);
            for (int i = 0; i < ofClass.Length; i++)
            {
                scored.Add((ofClass[i].Score, hits[i]));
            }
        }

        if (positives == 0)
        {
            return 0;
        }

        // Stable sort by descending score across images (COCO uses a stable mergesort).
        var ordered = scored.Select((s, i) => (s.Score, s.Hit, i)).OrderByDescending(s => s.Score).ThenBy(s => s.i).ToArray();
        double[] precision = new double[ordered.Length];
        double[] recall = new double[ordered.Length];
        int tp = 0, fp = 0;
        for (int i = 0; i < ordered.Length; i++)
        {
            if (ordered[i].Hit)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            precision[i] = (double)tp / (tp + fp);
            recall[i] = (double)tp / positives;
        }

        // Precision envelope: at each recall, the best precision at that recall or beyond.
        for (int i = precision.Length - 2; i >= 0; i--)
        {
            precision[i] = Math.Max(precision[i], precision[i + 1]);
        }

        double sum = 0;
        for (int r = 0; r <= 100; r++)
        {
            double level = r / 100.0;
            int idx = Array.FindIndex(recall, v => v >= level - 1e-12);
            sum += idx >= 0 ? precision[idx] : 0;
        }

        return sum / 101.0;
    }

    /// <summary>Marks which detections (already in descending score order) match a label.</summary>
    private static bool[] Match(GroundTruthBox[] truth, Detection[] detections, double iouThreshold, int? classId)
    {
        bool[] taken = new bool[truth.Length];
        bool[] hit = new bool[detections.Length];
        for (int d = 0; d < detections.Length; d++)
        {
            Detection det = detections[d];
            int best = -1;
            double bestIoU = iouThreshold;
            for (int g = 0; g < truth.Length; g++)
            {
                GroundTruthBox t = truth[g];
                if (taken[g] || t.ClassId != det.ClassId || (classId is int c && t.ClassId != c))
                {
                    continue;
                }

                double iou = Boxes.IoU(det.X1, det.Y1, det.X2, det.Y2, t.X1, t.Y1, t.X2, t.Y2);
                if (iou >= bestIoU)
                {
                    bestIoU = iou;
                    best = g;
                }
            }

            if (best >= 0)
            {
                taken[best] = true;
                hit[d] = true;
            }
        }

        return hit;
    }
}
