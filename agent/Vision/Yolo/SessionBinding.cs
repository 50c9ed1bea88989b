using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Vision.Yolo;

/// <summary>
/// The tensors of one batch size over pinned arrays the detector owns, and the package's IO binding
/// that hands them to every run (RunWithBinding): nothing is allocated per run.
/// </summary>
internal sealed class SessionBinding : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _outputName;

    public SessionBinding(InferenceSession session, YoloModelInfo model, int batch)
    {
        _session = session;
        _outputName = model.OutputName;
        Input = new PinnedTensor([batch, 3, model.InputHeight, model.InputWidth]);
        IoBinding = session.CreateIoBinding();
        IoBinding.BindInput(model.InputName, Input.Value);
        long[] declared = model.OutputDimensions;
        if (declared.Length == 3 && declared[1] > 0 && declared[2] > 0)
        {
            BindOutput([batch, declared[1], declared[2]]);
        }
    }

    public PinnedTensor Input { get; }

    /// <summary>The output; null until the first run when the model leaves its shape open.</summary>
    public PinnedTensor? Output { get; private set; }

    public OrtIoBinding IoBinding { get; }

    public void Run(RunOptions runOptions)
    {
        if (Output is not null)
        {
            _session.RunWithBinding(runOptions, IoBinding);
            return;
        }

        // First run with an output shape the model leaves open: let ORT allocate once to learn it,
        // then bind a reusable tensor of that shape.
        IoBinding.BindOutputToDevice(_outputName, OrtMemoryInfo.DefaultInstance);
        _session.RunWithBinding(runOptions, IoBinding);
        using IDisposableReadOnlyCollection<OrtValue> learned = IoBinding.GetOutputValues();
        BindOutput(learned[0].GetTensorTypeAndShape().Shape);
        learned[0].GetTensorDataAsSpan<float>().CopyTo(Output!.Span);
    }

    public void Dispose()
    {
        IoBinding.Dispose();
        Input.Dispose();
        Output?.Dispose();
    }

    private void BindOutput(long[] shape)
    {
        Output = new PinnedTensor(shape);
        IoBinding.BindOutput(_outputName, Output.Value);
    }
}

/// <summary>A float tensor over a pinned array this process owns, read and written in place by ONNX Runtime.</summary>
internal sealed class PinnedTensor : IDisposable
{
    private readonly float[] _data;
    private readonly long[] _shape;

    public PinnedTensor(long[] shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            count = checked(count * d);
        }

        _shape = shape;
        _data = GC.AllocateArray<float>(checked((int)count), pinned: true);
        Value = OrtValue.CreateTensorValueFromMemory(_data, shape);
    }

    public OrtValue Value { get; }

    public Span<float> Span => _data;

    public ReadOnlySpan<long> Shape => _shape;

    public void Dispose() => Value.Dispose();
}

/// <summary>
/// The package's bare run on a detector's session: RunWithBinding over tensors of the detector's shapes,
/// bound once, with no image work around it. Benchmarks time the detector's overhead against it.
/// </summary>
public sealed class BareRun : IDisposable
{
    private readonly SessionBinding _binding;
    private readonly RunOptions _runOptions = new();

    public BareRun(YoloDetector detector, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(detector);
        _binding = new SessionBinding(detector.Session, detector.Model, detector.Model.FixedBatch ?? batch);
        _binding.Input.Span.Fill(LetterboxGeometry.PadValue / 255f); // grey, as the letterbox pads
        _binding.Run(_runOptions); // learns an open output shape before any timed run
    }

    public void Run() => _binding.Run(_runOptions);

    public void Dispose()
    {
        _binding.Dispose();
        _runOptions.Dispose();
    }
}
