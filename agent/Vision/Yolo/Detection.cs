namespace EdgeInventory.Vision.Yolo;

/// <summary>One detected object: a box in pixels of the image as displayed, its score and class id.</summary>
public readonly record struct Detection(float X1, float Y1, float X2, float Y2, float Score, int ClassId)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => Math.Max(0f, X2 - X1) * Math.Max(0f, Y2 - Y1);

    /// <summary>Intersection over union with another box.</summary>
    public float IoU(in Detection other) => Boxes.IoU(X1, Y1, X2, Y2, other.X1, other.Y1, other.X2, other.Y2);
}

/// <summary>How detections are filtered. Null members take the model's defaults.</summary>
public sealed record DetectionSettings
{
    /// <summary>Minimum score; the model's edgeinv_conf metadata, else 0.25.</summary>
    public float? Confidence { get; init; }

    /// <summary>IoU above which a lower-scoring box of the same class is suppressed (default 0.7, as Ultralytics predicts).</summary>
    public float? IoU { get; init; }

    /// <summary>
    /// Most detections kept per image. Dense shelves carry 150–500 products per photo, so the
    /// default of 1,000 does not cut them.
    /// </summary>
    public int? MaxDetections { get; init; }

    public void Validate()
    {
        if (Confidence is < 0f or > 1f || (Confidence is float c && float.IsNaN(c)))
        {
            throw new ArgumentException($"confidence must be between 0 and 1, not {Confidence}");
        }

        if (IoU is <= 0f or > 1f || (IoU is float i && float.IsNaN(i)))
        {
            throw new ArgumentException($"IoU threshold must be above 0 and at most 1, not {IoU}");
        }

        if (MaxDetections is <= 0)
        {
            throw new ArgumentException($"max detections must be positive, not {MaxDetections}");
        }
    }
}

internal static class Boxes
{
    public static float IoU(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2)
    {
        float iw = MathF.Min(ax2, bx2) - MathF.Max(ax1, bx1);
        float ih = MathF.Min(ay2, by2) - MathF.Max(ay1, by1);
        if (iw <= 0f || ih <= 0f)
        {
            return 0f;
        }

        float inter = iw * ih;
        float union = ((ax2 - ax1) * (ay2 - ay1)) + ((bx2 - bx1) * (by2 - by1)) - inter;
        return union <= 0f ? 0f : inter / union;
    }
}
