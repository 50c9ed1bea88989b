namespace EdgeInventory.Onnx;

/// <summary>A model input or output: name, element type and shape (-1 for a dynamic dimension).</summary>
public sealed record TensorInfo(string Name, TensorElementType ElementType, long[] Dimensions, string[] SymbolicDimensions)
{
    public bool IsDynamic(int axis) => Dimensions[axis] < 0;

    public override string ToString() =>
        $"{Name} {ElementType} [{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString() : SymbolicDimensions[i].Length > 0 ? SymbolicDimensions[i] : "?"))}]";
}

/// <summary>The model's metadata, including the custom key/value map (Ultralytics writes names, imgsz, stride, task there).</summary>
public sealed record ModelMetadata(string ProducerName, string GraphName, string Description, long Version, IReadOnlyDictionary<string, string> Custom)
{
    public string? this[string key] => Custom.TryGetValue(key, out string? value) ? value : null;
}
