namespace EdgeInventory.Imaging;

/// <summary>One detected object: a box in pixels of the image as displayed, its score and class id.</summary>
public readonly record struct Detection(float X1, float Y1, float X2, float Y2, float Score, int ClassId)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => Math.Max(0f, X2 - X1) * Math.Max(0f, Y2 - Y1);

    /// <summary>Intersection over union with another box.</summary>
    public float IoU(in Detection other) => Boxes.IoU(X1, Y1, X2, Y2, other.X1, other.Y1, other.X2, other.Y2);
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
