namespace EdgeInventory.Vision.Yolo;

/// <summary>How detections are filtered. Null members take the model's defaults.</summary>
public sealed record DetectionSettings
{
    /// <summary>Minimum score; the model's edgeinv_conf metadata, else 0.25.</summary>
    public float? Confidence { get; init; }

    /// <summary>IoU above which a lower-scoring box of the same class is suppressed; null takes the model's (edgeinv_iou metadata, else 0.7 as Ultralytics predicts).</summary>
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
