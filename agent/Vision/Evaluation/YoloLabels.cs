using System.Globalization;

namespace EdgeInventory.Vision.Evaluation;

/// <summary>Reads YOLO text labels: one object per line, <c>class cx cy w h</c> normalised to the image.</summary>
public static class YoloLabels
{
    /// <summary>Reads a label file into pixel boxes of an image of the given size; a missing file means no objects.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names the file and line.</exception>
    public static List<GroundTruthBox> Read(string path, int imageWidth, int imageHeight)
    {
        var boxes = new List<GroundTruthBox>();
        if (!File.Exists(path))
        {
            return boxes;
        }

        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts.Length < 5
                || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int cls) || cls < 0
                || !TryParse(parts[1], out float cx) || !TryParse(parts[2], out float cy)
                || !TryParse(parts[3], out float w) || !TryParse(parts[4], out float h) || w < 0 || h < 0)
            {
                throw new FormatException($"{path}:{lineNo}: expected 'class cx cy w h' with normalised values, got '{line.Trim()}'");
            }

            boxes.Add(new GroundTruthBox(cls, (cx - (w / 2)) * imageWidth, (cy - (h / 2)) * imageHeight, (cx + (w / 2)) * imageWidth, (cy + (h / 2)) * imageHeight));
        }

        return boxes;
    }

    private static bool TryParse(string s, out float v) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && float.IsFinite(v);
}
