namespace EdgeInventory.Vision.Yolo;

/// <summary>The output tensor layouts of Ultralytics detection exports.</summary>
public enum YoloOutputLayout
{
    /// <summary>YOLOv5: [B, N, 5 + nc] — cx, cy, w, h, objectness, class scores; needs NMS.</summary>
    V5,

    /// <summary>YOLOv8 / YOLO11: [B, 4 + nc, N] — cx, cy, w, h, class scores; needs NMS.</summary>
    V8,

    /// <summary>End-to-end YOLOv10 / YOLO26: [B, K, 6] — x1, y1, x2, y2, score, class; NMS already done.</summary>
    EndToEnd,
}
