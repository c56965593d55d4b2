using Microsoft.ML.OnnxRuntime;

namespace Parla.Face;

/// <summary>The name and fixed shape of a model input or output.</summary>
internal readonly record struct TensorSpec(string Name, long[] Shape)
{
    public int ElementCount => checked((int)Shape.Aggregate(1L, (a, d) => a * d));
}

/// <summary>
/// One ONNX Runtime session with fixed-shape float tensors bound once to managed arrays: callers
/// fill <see cref="Input"/>, call <see cref="Run"/>, read <see cref="Outputs"/>. The arrays stay
/// pinned for the session's lifetime, so a run allocates nothing. Not thread-safe; the owner
/// serialises calls. Every native failure surfaces as <see cref="ModelException"/>.
/// </summary>
internal sealed class OnnxModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly List<OrtValue> _inputValues = [];
    private readonly List<OrtValue> _outputValues = [];
    private readonly string _path;

    public OnnxModelSession(string path, int intraOpThreads, TensorSpec input, IReadOnlyList<TensorSpec> outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        _path = path;
        if (!File.Exists(path)) throw new ModelException($"Model file {path} does not exist.");
        OnnxTelemetry.Off();
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            _session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException($"ONNX Runtime cannot load {path}: {e.Message}", e);
        }

        _runOptions = new RunOptions();
        try
        {
            CheckSignature(_session.InputMetadata, [input], "input");
            CheckSignature(_session.OutputMetadata, outputs, "output");
            _inputNames = [input.Name];
            _outputNames = outputs.Select(o => o.Name).ToArray();
            Input = new float[input.ElementCount];
            Outputs = outputs.Select(o => new float[o.ElementCount]).ToArray();
            // Shape × element count is checked above; ORT pins the arrays until the values are disposed.
            _inputValues.Add(OrtValue.CreateTensorValueFromMemory(Input, input.Shape));
            for (var i = 0; i < outputs.Count; i++)
                _outputValues.Add(OrtValue.CreateTensorValueFromMemory(Outputs[i], outputs[i].Shape));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The input tensor's data, laid out as its <see cref="TensorSpec.Shape"/> says.</summary>
    public float[] Input { get; }

    /// <summary>The output tensors' data, in the order of the specs given to the constructor.</summary>
    public float[][] Outputs { get; }

    public void Run()
    {
        try
        {
            _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException($"Running {Path.GetFileName(_path)} failed: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var value in _inputValues) value.Dispose();
        foreach (var value in _outputValues) value.Dispose();
        _inputValues.Clear();
        _outputValues.Clear();
        _runOptions?.Dispose();
        _session?.Dispose();
    }

    private void CheckSignature(IReadOnlyDictionary<string, NodeMetadata> metadata, IReadOnlyList<TensorSpec> expected, string kind)
    {
        foreach (var spec in expected)
        {
            if (!metadata.TryGetValue(spec.Name, out var node))
                throw new ModelException($"{_path}: the model has no {kind} named {spec.Name} (it has {string.Join(", ", metadata.Keys)}); the cached model may be stale, delete it to rebuild.");
            var dims = node.Dimensions;
            // -1 marks a free dimension, which the fixed shape fills.
            if (dims.Length != spec.Shape.Length || dims.Where((d, i) => d >= 0 && d != spec.Shape[i]).Any())
                throw new ModelException($"{_path}: {kind} {spec.Name} has shape [{string.Join(",", dims)}], expected [{string.Join(",", spec.Shape)}].");
            if (node.ElementType != typeof(float))
                throw new ModelException($"{_path}: {kind} {spec.Name} is {node.ElementType.Name}, expected float.");
        }
    }
}

/// <summary>
/// ONNX Runtime's telemetry, turned off before its environment is made. Since version 1.29 its Linux
/// and macOS builds record usage events (a device id kept in a file, the OS, the processor, the memory,
/// whether it runs in a container) under ~/.cache/Microsoft/DeveloperTools/.onnxruntime and send them to
/// Microsoft when they can. Parla sends nothing anywhere: the runtime reads ORT_DISABLE_TELEMETRY once,
/// when its environment is created (its API's switch comes after that, too late for the first event), so
/// the variable is set in the process's own environment first, unless the user set it.
/// </summary>
internal static partial class OnnxTelemetry
{
    private static readonly Lazy<bool> Done = new(() =>
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try
            {
                // The runtime reads the C environment (getenv), which Environment.SetEnvironmentVariable does not change.
                _ = SetEnv("ORT_DISABLE_TELEMETRY", "1", overwrite: 0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }

        OrtEnv.Instance().DisableTelemetryEvents();
        return true;
    });

    /// <summary>Turns it off, once, before the first session.</summary>
    public static void Off() => _ = Done.Value;

    [System.Runtime.InteropServices.LibraryImport(NativeLibraries.LibC, EntryPoint = "setenv", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
