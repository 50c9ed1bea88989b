using EdgeInventory.Tests.Shared;
using Microsoft.ML.OnnxRuntime;

namespace EdgeInventory.Onnx.Tests;

/// <summary>Provider choice, CPU fallback and its reason, against the package's CPU build and the committed fixture models.</summary>
public sealed class ModelSessionTests
{
    private static readonly string StaticModel = RepoPaths.OnnxFixture("yolov8_static.onnx");

    [Fact]
    public void Cpu_session_is_the_packages_session_on_the_cpu()
    {
        using var model = ModelSession.Open(StaticModel);
        Assert.Equal(ExecutionProvider.Cpu, model.ExecutionProvider);
        Assert.Null(model.ProviderFallbackReason);
        Assert.Equal(StaticModel, model.Source);
        Assert.Equal(["images"], model.Session.InputNames);
        Assert.Equal("detect", model.Session.ModelMetadata.CustomMetadataMap["task"]);
        Assert.Equal(32f, RunOnce(model.Session)[0]);
    }

    [Fact]
    public void Missing_model_names_the_file()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ModelSession.Open("/nonexistent/model.onnx"));
        Assert.Equal("/nonexistent/model.onnx: no such model file", e.Message);
    }

    [Fact]
    public void Truncated_model_is_an_ort_error_naming_the_file_with_orts_code_and_message()
    {
        string path = RepoPaths.OnnxFixture("truncated.onnx");
        var e = Assert.Throws<OrtException>(() => ModelSession.Open(path));
        Assert.StartsWith($"{path}: Load model from {Path.GetFullPath(path)} failed:", e.Message, StringComparison.Ordinal);
        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.ErrorCode);
        Assert.IsType<OnnxRuntimeException>(e.InnerException);
    }

    [Fact]
    public void Session_options_are_validated_before_any_native_call()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSession.Open(StaticModel, new InferenceSessionOptions { IntraOpThreads = -1 }));
        Assert.Contains("IntraOpThreads", e.Message, StringComparison.Ordinal);
        using var model = ModelSession.Open(
            StaticModel,
            new InferenceSessionOptions { IntraOpThreads = 1, InterOpThreads = 1, OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL });
        Assert.Equal(32f, RunOnce(model.Session)[0]);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, "CUDA")]
    [InlineData(ExecutionProvider.TensorRT, "TensorRT")]
    public void Gpu_provider_that_cannot_load_is_refused_naming_provider_library_and_orts_reason(ExecutionProvider provider, string ortName)
    {
        // The package's CPU build has no GPU provider compiled in.
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            ModelSession.Open(StaticModel, new InferenceSessionOptions { Provider = provider }));
        Assert.StartsWith(
            $"the {provider} execution provider cannot be used with ONNX Runtime {OrtLibrary.Version} at {OrtLibrary.LoadedPath}: {ortName} execution provider is not enabled in this build",
            e.Message,
            StringComparison.Ordinal);
        Assert.EndsWith("(use a GPU build of ONNX Runtime, or allow the CPU fallback in the configuration)", e.Message, StringComparison.Ordinal);
        Assert.IsType<OnnxRuntimeException>(e.InnerException);
    }

    [Fact]
    public void Gpu_provider_falls_back_to_the_cpu_with_the_reason_only_when_configured()
    {
        using var model = ModelSession.Open(StaticModel, new InferenceSessionOptions { Provider = ExecutionProvider.Cuda, FallbackToCpu = true });
        Assert.Equal(ExecutionProvider.Cpu, model.ExecutionProvider);
        Assert.StartsWith("the Cuda execution provider cannot be used", model.ProviderFallbackReason, StringComparison.Ordinal);
        Assert.Equal(32f, RunOnce(model.Session)[0]);
    }

    [Fact]
    public void A_broken_model_on_a_gpu_provider_is_the_models_error_not_a_fallback()
    {
        string path = RepoPaths.OnnxFixture("truncated.onnx");
        var e = Assert.Throws<OrtException>(() =>
            ModelSession.Open(path, new InferenceSessionOptions { Provider = ExecutionProvider.Cuda, FallbackToCpu = true }));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.ErrorCode);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Row 0 of the fixture's [1, 7, 5] output (the boxes' cx) for a black image, through the package's IO binding.</summary>
    private static float[] RunOnce(InferenceSession session)
    {
        float[] input = new float[3 * 64 * 64];
        float[] output = new float[7 * 5];
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 64, 64]);
        using OrtValue outputValue = OrtValue.CreateTensorValueFromMemory(output, [1, 7, 5]);
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("images", inputValue);
        binding.BindOutput("output0", outputValue);
        using var runOptions = new RunOptions();
        session.RunWithBinding(runOptions, binding);
        return output[..5];
    }
}
