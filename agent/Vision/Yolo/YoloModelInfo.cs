using System.Globalization;
using EdgeInventory.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeInventory.Vision.Yolo;

/// <summary>What the detector learned about a model from its inputs, outputs and metadata.</summary>
public sealed record YoloModelInfo
{
    public const float FallbackConfidence = 0.25f;

    /// <summary>The NMS IoU of a model without edgeinv_iou metadata: Ultralytics' predict default.</summary>
    public const float FallbackIoU = 0.7f;

    public required string Path { get; init; }

    public required IReadOnlyDictionary<int, string> Names { get; init; }

    public required int InputWidth { get; init; }

    public required int InputHeight { get; init; }

    /// <summary>The model's fixed batch size, or null when the batch dimension is dynamic.</summary>
    public required int? FixedBatch { get; init; }

    public required YoloOutputLayout Layout { get; init; }

    /// <summary>The default score threshold: metadata edgeinv_conf when present, else 0.25.</summary>
    public required float DefaultConfidence { get; init; }

    /// <summary>The default NMS IoU: metadata edgeinv_iou (the IoU its threshold was chosen with) when present, else 0.7.</summary>
    public float DefaultIoU { get; init; } = FallbackIoU;

    /// <summary>The model's version for the messages it produces: metadata version/date, or the file name.</summary>
    public required string Version { get; init; }

    public required string InputName { get; init; }

    /// <summary>The output's declared shape, -1 where the model leaves a dimension open.</summary>
    public required long[] OutputDimensions { get; init; }

    public int ClassCount => Names.Count;

    public string Label(int classId) => Names.TryGetValue(classId, out string? name) ? name : classId.ToString(CultureInfo.InvariantCulture);

    public required string OutputName { get; init; }

    /// <summary>
    /// Reads and checks a session: shapes from its inputs and outputs, names, imgsz and edgeinv_conf from
    /// the model's metadata; throws <see cref="ModelFormatException"/> naming the reason when it is not a YOLO detector.
    /// </summary>
    public static YoloModelInfo From(ModelSession model, YoloOutputLayout? layoutOverride = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        string path = model.Source;
        InferenceSession session = model.Session;
        var meta = new Metadata(session.ModelMetadata.CustomMetadataMap);
        if (meta["task"] is string task && task != "detect")
        {
            throw new ModelFormatException(path, $"the model's task is '{task}', not 'detect'");
        }

        if (session.InputNames.Count != 1)
        {
            throw new ModelFormatException(path, $"a detector has one image input; this model has {session.InputNames.Count}");
        }

        var input = new Node(session.InputNames[0], session.InputMetadata[session.InputNames[0]]);
        if (input.ElementType != TensorElementType.Float)
        {
            throw new ModelFormatException(path, $"input '{input.Name}' holds {input.Holds}; only float32 inputs are supported (export without half precision)");
        }

        if (input.Dimensions.Length != 4 || (input.Dimensions[1] != 3 && input.Dimensions[1] >= 0))
        {
            throw new ModelFormatException(path, $"input {input} is not an image batch [batch, 3, height, width]");
        }

        (int height, int width) = ReadInputSize(input, meta, path);
        IReadOnlyDictionary<int, string> names;
        try
        {
            names = meta["names"] is string literal ? PythonLiteral.ParseClassNames(literal) : new Dictionary<int, string>();
        }
        catch (FormatException e)
        {
            throw new ModelFormatException(path, "metadata 'names' is not readable: " + e.Message);
        }

        if (session.OutputNames.Count != 1)
        {
            throw new ModelFormatException(path, $"a detector has one output; this model has {session.OutputNames.Count} (segmentation and pose models are not read)");
        }

        var output = new Node(session.OutputNames[0], session.OutputMetadata[session.OutputNames[0]]);
        YoloOutputLayout layout = layoutOverride ?? DetectLayout(output, names.Count, meta, path);
        names = CompleteNames(names, output, layout, path);

        float conf = meta.Number(path, "edgeinv_conf", FallbackConfidence, static c => c is >= 0f and <= 1f, "a threshold between 0 and 1");
        float iou = meta.Number(path, "edgeinv_iou", FallbackIoU, static i => i is > 0f and <= 1f, "an IoU threshold above 0 and at most 1");

        string version = meta["version"] is string v && meta["date"] is string d ? $"{System.IO.Path.GetFileNameWithoutExtension(path)}@{v}/{d}"
            : meta["version"] is string v2 ? $"{System.IO.Path.GetFileNameWithoutExtension(path)}@{v2}"
            : System.IO.Path.GetFileName(path);

        return new YoloModelInfo
        {
            Path = path,
            Names = names,
            InputWidth = width,
            InputHeight = height,
            FixedBatch = input.Dimensions[0] > 0 ? (int)input.Dimensions[0] : null,
            Layout = layout,
            DefaultConfidence = conf,
            DefaultIoU = iou,
            Version = version,
            InputName = input.Name,
            OutputName = output.Name,
            OutputDimensions = output.Dimensions,
        };
    }

    private static (int Height, int Width) ReadInputSize(Node input, Metadata meta, string path)
    {
        if (input.Dimensions[2] > 0 && input.Dimensions[3] > 0)
        {
            return ((int)input.Dimensions[2], (int)input.Dimensions[3]);
        }

        if (meta["imgsz"] is not string imgsz)
        {
            throw new ModelFormatException(path, $"input {input} has a dynamic size and the model has no 'imgsz' metadata to choose one");
        }

        try
        {
            return PythonLiteral.ParseImageSize(imgsz);
        }
        catch (FormatException e)
        {
            throw new ModelFormatException(path, "metadata 'imgsz': " + e.Message);
        }
    }

    /// <summary>
    /// Tells the layouts apart by shape. [B, 4+nc, N] (v8) and [B, N, 5+nc] (v5) are told by which
    /// axis matches the class count; [B, K, 6] is end-to-end unless it is a one-class v5 output, which
    /// has the same shape: the 'end2end' metadata decides, else the row count (a v5 head has thousands
    /// of anchors, an end-to-end head a few hundred detections).
    /// </summary>
    private static YoloOutputLayout DetectLayout(Node output, int nc, Metadata meta, string path)
    {
        long[] d = output.Dimensions;
        if (d.Length != 3)
        {
            throw new ModelFormatException(path, $"output {output} is not a YOLO detection layout ([B, 4+nc, N], [B, N, 5+nc] or [B, K, 6])");
        }

        long rows = d[1], cols = d[2];
        bool metaEndToEnd = string.Equals(meta["end2end"], "True", StringComparison.OrdinalIgnoreCase);
        if (nc > 0 && rows == 4 + nc && cols != 6)
        {
            return YoloOutputLayout.V8;
        }

        if (cols == 6 && (metaEndToEnd || nc != 1 || (rows > 0 && rows <= 1000)))
        {
            return YoloOutputLayout.EndToEnd;
        }

        if (nc > 0 && cols == 5 + nc)
        {
            return YoloOutputLayout.V5;
        }

        if (nc == 0 && rows > 4 && (cols < 0 || cols > rows))
        {
            return YoloOutputLayout.V8; // no names: trust the usual v8 orientation (few rows, many anchors)
        }

        throw new ModelFormatException(path, $"output {output} does not match a YOLO layout for {nc} classes ([B, {4 + nc}, N], [B, N, {5 + nc}] or [B, K, 6])");
    }

    /// <summary>Without a names entry, classes are numbered from the output's width.</summary>
    private static IReadOnlyDictionary<int, string> CompleteNames(IReadOnlyDictionary<int, string> names, Node output, YoloOutputLayout layout, string path)
    {
        if (names.Count > 0)
        {
            return names;
        }

        long count = layout switch
        {
            YoloOutputLayout.V8 => output.Dimensions[1] - 4,
            YoloOutputLayout.V5 => output.Dimensions[2] - 5,
            _ => 0,
        };
        if (count <= 0 && layout != YoloOutputLayout.EndToEnd)
        {
            throw new ModelFormatException(path, $"output {output} has no class scores");
        }

        var numbered = new Dictionary<int, string>();
        for (int i = 0; i < count; i++)
        {
            numbered[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return numbered;
    }
}

/// <summary>A model input or output as the messages name it: "output0 Float [1, 84, anchors]".</summary>
internal sealed class Node(string name, NodeMetadata metadata)
{
    public string Name { get; } = name;

    /// <summary>The element type; null for an input or output that is not a tensor (a sequence or map).</summary>
    public TensorElementType? ElementType { get; } = metadata.IsTensor ? metadata.ElementDataType : null;

    /// <summary>What it holds, as messages say it: the element type of a tensor, else the kind of value.</summary>
    public string Holds => ElementType?.ToString() ?? metadata.OnnxValueType.ToString();

    /// <summary>The shape, -1 for a dynamic dimension.</summary>
    public long[] Dimensions { get; } = metadata.IsTensor ? [.. metadata.Dimensions.Select(d => (long)d)] : [];

    public override string ToString() =>
        $"{Name} {Holds} [{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : Symbol(i)))}]";

    private string Symbol(int axis) => axis < metadata.SymbolicDimensions.Length && metadata.SymbolicDimensions[axis].Length > 0 ? metadata.SymbolicDimensions[axis] : "?";
}

/// <summary>The model's custom metadata (Ultralytics writes names, imgsz, stride, task there; the trainer adds edgeinv_conf and edgeinv_iou).</summary>
internal sealed class Metadata(IReadOnlyDictionary<string, string> custom)
{
    public string? this[string key] => custom.TryGetValue(key, out string? value) ? value : null;

    /// <summary>The number under <paramref name="key"/> (invariant culture), <paramref name="fallback"/> when absent; a value that does not parse or is not <paramref name="valid"/> refuses the model, saying it should be <paramref name="expected"/>.</summary>
    public float Number(string path, string key, float fallback, Func<float, bool> valid, string expected)
    {
        if (this[key] is not string text)
        {
            return fallback;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && valid(value)
            ? value
            : throw new ModelFormatException(path, $"metadata '{key}' = '{text}' is not {expected}");
    }
}

/// <summary>A model that is not a YOLO detector this project can read; the message names the file and the reason.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string path, string reason)
        : base($"{path}: {reason}")
    {
    }

    public ModelFormatException()
    {
    }

    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
