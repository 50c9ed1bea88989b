using EdgeInventory.Tests.Shared;

namespace EdgeInventory.Onnx.Tests;

/// <summary>The binding against the real libonnxruntime.so.1 and the committed fixture models.</summary>
public sealed class InferenceSessionTests
{
    [Fact]
    public void Loads_the_pinned_library_version()
    {
        Assert.Equal(OrtLibrary.BundledVersion, OrtLibrary.Version);
        Assert.Contains("CPUExecutionProvider", OrtLibrary.AvailableProviders());
    }

    [Fact]
    public void Reads_names_shapes_types_and_metadata()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        TensorInfo input = Assert.Single(session.Inputs);
        Assert.Equal("images", input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(new long[] { 1, 3, 64, 64 }, input.Dimensions);
        TensorInfo output = Assert.Single(session.Outputs);
        Assert.Equal("output0", output.Name);
        Assert.Equal(new long[] { 1, 7, 5 }, output.Dimensions);
        Assert.Equal("edgeinv-fixtures", session.Metadata.ProducerName);
        Assert.Equal("detect", session.Metadata["task"]);
        Assert.Equal("[64, 64]", session.Metadata["imgsz"]);
        Assert.StartsWith("{0: 'cola, 330ml'", session.Metadata["names"], StringComparison.Ordinal);
        Assert.Null(session.Metadata["no-such-key"]);
        Assert.Equal(ExecutionProvider.Cpu, session.ExecutionProvider);
    }

    [Fact]
    public void Dynamic_dimensions_are_minus_one_with_their_symbolic_names()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_dynamic.onnx"));
        TensorInfo input = session.Inputs[0];
        Assert.Equal(new long[] { -1, 3, -1, -1 }, input.Dimensions);
        Assert.Equal(new[] { "batch", string.Empty, "height", "width" }, input.SymbolicDimensions);
        Assert.True(input.IsDynamic(0));
        Assert.False(input.IsDynamic(1));
        Assert.Equal(-1, session.Outputs[0].Dimensions[0]);
    }

    [Fact]
    public void Runs_into_caller_owned_outputs_and_reuses_them()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        using OrtTensor<float> input = OrtTensor.Create<float>([1, 3, 64, 64]);
        using OrtTensor<float> output = OrtTensor.Create<float>([1, 7, 5]);
        for (int run = 0; run < 3; run++)
        {
            output.Span.Fill(float.NaN);
            session.Run([input], [output]);
            // row 0 is cx of each box, row 4 the class-0 score (see make_detector_fixtures.py)
            Assert.Equal(new float[] { 32, 33, 32, 10, 62 }, output.Span[..5].ToArray());
            Assert.Equal(0.9f, output.Span[4 * 5], 5);
        }
    }

    [Fact]
    public void Batch_of_two_gives_each_image_its_own_output()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_dynamic.onnx"));
        using OrtTensor<float> input = OrtTensor.Create<float>([2, 3, 32, 32]);
        input.Span[..(3 * 32 * 32)].Clear();
        input.Span[(3 * 32 * 32)..].Fill(1f);
        using OrtTensor<float> output = OrtTensor.Create<float>([2, 5, 2]);
        session.Run([input], [output]);
        Assert.Equal(32f, output.Span[0], 4);        // image 0: mean 0
        Assert.Equal(42f, output.Span[5 * 2], 4);    // image 1: mean 1 moves cx by 10
    }

    [Fact]
    public void Ort_allocated_outputs_report_their_shape()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolo26_end2end.onnx"));
        using OrtTensor<float> input = OrtTensor.Create<float>([1, 3, 64, 64]);
        OrtValue[] outputs = session.Run([input]);
        try
        {
            (TensorElementType type, long[] shape) = outputs[0].GetTypeAndShape();
            Assert.Equal(TensorElementType.Float, type);
            Assert.Equal(new long[] { 1, 300, 6 }, shape);
            Assert.Equal(0.9f, outputs[0].GetTensorData<float>()[4], 5);
            Assert.Throws<InvalidOperationException>(() => outputs[0].GetTensorData<int>().Length);
        }
        finally
        {
            foreach (OrtValue v in outputs)
            {
                v.Dispose();
            }
        }
    }

    [Fact]
    public void Wrong_input_shape_is_an_error_with_ort_message()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        using OrtTensor<float> input = OrtTensor.Create<float>([1, 3, 32, 32]);
        using OrtTensor<float> output = OrtTensor.Create<float>([1, 7, 5]);
        var e = Assert.Throws<OrtException>(() => session.Run([input], [output]));
        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_number_of_inputs_is_refused_before_ort()
    {
        using var session = InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"));
        using OrtTensor<float> output = OrtTensor.Create<float>([1, 7, 5]);
        Assert.Throws<ArgumentException>(() => session.Run([], [output]));
    }

    [Fact]
    public void Missing_model_names_the_file()
    {
        var e = Assert.Throws<FileNotFoundException>(() => InferenceSession.Open("/nonexistent/model.onnx"));
        Assert.Contains("/nonexistent/model.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_model_is_an_ort_error_naming_the_file()
    {
        string path = RepoPaths.OnnxFixture("truncated.onnx");
        var e = Assert.Throws<OrtException>(() => InferenceSession.Open(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"), new InferenceSessionOptions { IntraOpThreads = -1 }));
        using var session = InferenceSession.Open(
            RepoPaths.OnnxFixture("yolov8_static.onnx"),
            new InferenceSessionOptions { IntraOpThreads = 1, InterOpThreads = 1, OptimizationLevel = GraphOptimizationLevel.DisableAll });
        Assert.Single(session.Outputs);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda)]
    [InlineData(ExecutionProvider.TensorRT)]
    public void Gpu_provider_that_cannot_load_fails_clearly(ExecutionProvider provider)
    {
        // The npm build of ONNX Runtime is CPU-only, so a GPU provider cannot load here.
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            InferenceSession.Open(RepoPaths.OnnxFixture("yolov8_static.onnx"), new InferenceSessionOptions { Provider = provider }));
        Assert.Contains(provider.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("CPU fallback", e.Message, StringComparison.Ordinal);
        Assert.IsType<OrtException>(e.InnerException);
    }

    [Fact]
    public void Gpu_provider_falls_back_to_cpu_only_when_configured()
    {
        using var session = InferenceSession.Open(
            RepoPaths.OnnxFixture("yolov8_static.onnx"),
            new InferenceSessionOptions { Provider = ExecutionProvider.Cuda, FallbackToCpu = true });
        Assert.Equal(ExecutionProvider.Cpu, session.ExecutionProvider);
        Assert.Contains("Cuda", session.ProviderFallbackReason, StringComparison.Ordinal);
        using OrtTensor<float> input = OrtTensor.Create<float>([1, 3, 64, 64]);
        using OrtTensor<float> output = OrtTensor.Create<float>([1, 7, 5]);
        session.Run([input], [output]);
        Assert.Equal(32f, output.Span[0]);
    }
}
