using System.Buffers.Binary;
using System.Globalization;

namespace Parla.Face.Models;

/// <summary>
/// Translates a float TFLite graph (the MediaPipe face models) into an ONNX opset-13 graph.
/// </summary>
/// <remarks>
/// Layout: TFLite computes in NHWC, ONNX convolutions in NCHW. The ONNX graph keeps TFLite's NHWC
/// input (so callers fill the tensor the way MediaPipe does) and transposes it once; every rank-4
/// activation inside the graph is NCHW. Weights are permuted when they become initializers (conv
/// OHWI→OIHW, depthwise 1HWC→(C,1,H,W) with group = C). A RESHAPE of a rank-4 tensor first
/// transposes back to NHWC, so the flattening order is TFLite's; rank-4 graph outputs are
/// transposed back to NHWC too, so outputs have TFLite's shapes.
/// fp16 constants behind DEQUANTIZE are folded into float32 initializers; SAME padding becomes
/// explicit pads with the odd pixel at the end, as TensorFlow places it.
/// </remarks>
internal sealed class TfliteToOnnxConverter
{
    /// <summary>Bump when the emitted graph changes, so cached conversions are rebuilt.</summary>
    public const int Version = 1;

    private static readonly int[] ToNchw = [0, 3, 1, 2];
    private static readonly int[] ToNhwc = [0, 2, 3, 1];

    private readonly TfliteModel _model;
    private readonly OnnxGraph _graph;
    private readonly IReadOnlyDictionary<string, string> _rename;
    private readonly Dictionary<int, float[]> _floatConstants = [];
    private readonly Dictionary<int, string> _values = [];
    private readonly HashSet<int> _nchw = [];
    private readonly HashSet<int> _graphOutputs;
    private int _unique;

    private TfliteToOnnxConverter(TfliteModel model, IReadOnlyDictionary<string, string> rename, string graphName)
    {
        _model = model;
        _rename = rename;
        _graphOutputs = [.. model.Outputs];
        _graph = new OnnxGraph
        {
            Name = graphName,
            DocString = "Converted from TFLite by Parla; input NHWC float32, outputs in TFLite's shapes.",
        };
    }

    /// <summary>
    /// Converts <paramref name="model"/>. Graph inputs and outputs are named after TFLite's tensors
    /// unless <paramref name="rename"/> maps a TFLite name to another; a name in the map that the
    /// model lacks is an error, so a changed model cannot silently break callers.
    /// </summary>
    public static OnnxGraph Convert(TfliteModel model, IReadOnlyDictionary<string, string> rename, string graphName)
    {
        var known = model.Inputs.Concat(model.Outputs).Select(t => model.Tensors[t].Name).ToHashSet();
        var missing = rename.Keys.Where(k => !known.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new ModelException($"The TFLite model has no input or output named {string.Join(", ", missing)}; it is not the expected model.");
        var converter = new TfliteToOnnxConverter(model, rename, graphName);
        converter.Run();
        return converter._graph;
    }

    private void Run()
    {
        foreach (var input in _model.Inputs) AddGraphInput(input);
        var unsupported = _model.Operators
            .Where(op => !IsSupported(op))
            .Select(op => op.BuiltinCode < 0 ? $"custom '{op.CustomCode}'" : Enum.IsDefined((TfliteBuiltin)op.BuiltinCode) ? ((TfliteBuiltin)op.BuiltinCode).ToString() : $"builtin {op.BuiltinCode}")
            .Distinct()
            .ToList();
        if (unsupported.Count > 0)
            throw new ModelException($"The TFLite model uses operators the importer does not support: {string.Join(", ", unsupported)}.");
        foreach (var op in _model.Operators) Emit(op);
        foreach (var output in _model.Outputs) AddGraphOutput(output);
    }

    private static bool IsSupported(TfliteOperator op) => op.BuiltinCode switch
    {
        (int)TfliteBuiltin.Add or (int)TfliteBuiltin.Mul or (int)TfliteBuiltin.Concatenation or (int)TfliteBuiltin.Conv2D
            or (int)TfliteBuiltin.DepthwiseConv2D or (int)TfliteBuiltin.Dequantize or (int)TfliteBuiltin.MaxPool2D
            or (int)TfliteBuiltin.AveragePool2D or (int)TfliteBuiltin.Relu or (int)TfliteBuiltin.Relu6
            or (int)TfliteBuiltin.Logistic or (int)TfliteBuiltin.Reshape or (int)TfliteBuiltin.Pad or (int)TfliteBuiltin.Prelu => true,
        _ => false,
    };

    private void Emit(TfliteOperator op)
    {
        switch ((TfliteBuiltin)op.BuiltinCode)
        {
            case TfliteBuiltin.Dequantize: FoldDequantize(op); break;
            case TfliteBuiltin.Conv2D: EmitConv(op, depthwise: false); break;
            case TfliteBuiltin.DepthwiseConv2D: EmitConv(op, depthwise: true); break;
            case TfliteBuiltin.MaxPool2D: EmitPool(op, "MaxPool"); break;
            case TfliteBuiltin.AveragePool2D: EmitPool(op, "AveragePool"); break;
            // AddOptions / MulOptions: fused_activation_function 0.
            case TfliteBuiltin.Add: EmitBinary(op, "Add", (TfliteActivation)op.Options.GetByte(0)); break;
            case TfliteBuiltin.Mul: EmitBinary(op, "Mul", (TfliteActivation)op.Options.GetByte(0)); break;
            case TfliteBuiltin.Prelu: EmitBinary(op, "PRelu", TfliteActivation.None); break;
            case TfliteBuiltin.Relu: EmitUnary(op, "Relu"); break;
            case TfliteBuiltin.Relu6: EmitActivationOnly(op, TfliteActivation.Relu6); break;
            case TfliteBuiltin.Logistic: EmitUnary(op, "Sigmoid"); break;
            case TfliteBuiltin.Pad: EmitPad(op); break;
            case TfliteBuiltin.Reshape: EmitReshape(op); break;
            case TfliteBuiltin.Concatenation: EmitConcat(op); break;
            default: throw new ModelException($"Unsupported TFLite operator {op.BuiltinCode}.");
        }
    }

    private void AddGraphInput(int tensor)
    {
        var t = _model.Tensors[tensor];
        if (t.Type != TfliteTensorType.Float32) throw new ModelException($"Model input {t.Name} is {t.Type}; only float32 inputs are supported.");
        var name = ExternalName(t.Name);
        _graph.Inputs.Add(new OnnxValueInfo(name, OnnxDataType.Float, ToLongs(t.Shape)));
        if (t.Shape.Length == 4)
        {
            var nchw = Fresh(name + "/nchw");
            _graph.Add("Transpose", [name], nchw, ("perm", ToLongs(ToNchw)));
            Define(tensor, nchw, nchw: true);
        }
        else
        {
            Define(tensor, name, nchw: false);
        }
    }

    private void AddGraphOutput(int tensor)
    {
        var t = _model.Tensors[tensor];
        var name = ExternalName(t.Name);
        var value = Value(tensor);
        if (_nchw.Contains(tensor)) _graph.Add("Transpose", [value], name, ("perm", ToLongs(ToNhwc)));
        else if (value != name) _graph.Add("Identity", [value], name);
        _graph.Outputs.Add(new OnnxValueInfo(name, OnnxDataType.Float, ToLongs(t.Shape)));
    }

    private string ExternalName(string tfliteName) => _rename.TryGetValue(tfliteName, out var renamed) ? renamed : tfliteName;

    private void FoldDequantize(TfliteOperator op)
    {
        var input = _model.Tensors[op.Inputs[0]];
        var data = _model.GetData(op.Inputs[0]).Span;
        if (input.Type != TfliteTensorType.Float16 || data.IsEmpty)
            throw new ModelException($"DEQUANTIZE of {input.Name} ({input.Type}) is not supported: only fp16 constants are.");
        var count = ElementCount(input.Shape);
        if (data.Length != count * 2) throw new ModelException($"Constant {input.Name} has {data.Length} bytes, expected {count * 2}.");
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]);
        _floatConstants[op.Outputs[0]] = values;
    }

    private void EmitConv(TfliteOperator op, bool depthwise)
    {
        var x = op.Inputs[0];
        var wTensor = _model.Tensors[op.Inputs[1]];
        var w = FloatConstant(op.Inputs[1]);
        var o = op.Options;
        // Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3, dilation_w 4, dilation_h 5.
        // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, activation 4, dilation_w 5, dilation_h 6.
        var padding = (TflitePadding)o.GetByte(0);
        int strideW = o.GetInt32(1, 1), strideH = o.GetInt32(2, 1);
        var activation = (TfliteActivation)o.GetByte(depthwise ? 4 : 3);
        int dilationW = o.GetInt32(depthwise ? 5 : 4, 1), dilationH = o.GetInt32(depthwise ? 6 : 5, 1);

        var ws = wTensor.Shape; // conv: [O, H, W, I]; depthwise: [1, H, W, C*M]
        if (ws.Length != 4) throw new ModelException($"Filter {wTensor.Name} has rank {ws.Length}, expected 4.");
        int kh = ws[1], kw = ws[2];
        var inShape = _model.Tensors[x].Shape;
        long group = 1;
        float[] oihw;
        long[] dims;
        if (depthwise)
        {
            var channelsOut = ws[3];
            group = inShape[3];
            oihw = Permute(w, ws, [3, 0, 1, 2]); // (C*M, 1, H, W)
            dims = [channelsOut, 1, kh, kw];
        }
        else
        {
            oihw = Permute(w, ws, [0, 3, 1, 2]);
            dims = [ws[0], ws[3], kh, kw];
        }
        var weight = Initializer(wTensor.Name, dims, oihw);
        List<string> inputs = [Value(x), weight];
        if (op.Inputs.Length > 2 && op.Inputs[2] >= 0)
        {
            var b = FloatConstant(op.Inputs[2]);
            inputs.Add(Initializer(_model.Tensors[op.Inputs[2]].Name, [b.Length], b));
        }
        var (top, bottom) = Pads(padding, inShape[1], kh, strideH, dilationH);
        var (left, right) = Pads(padding, inShape[2], kw, strideW, dilationW);
        EmitWithActivation(op.Outputs[0], activation, "Conv", [.. inputs],
            ("kernel_shape", new long[] { kh, kw }),
            ("strides", new long[] { strideH, strideW }),
            ("dilations", new long[] { dilationH, dilationW }),
            ("pads", new long[] { top, left, bottom, right }),
            ("group", group));
    }

    private void EmitPool(TfliteOperator op, string onnxOp)
    {
        var o = op.Options;
        // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, activation 5.
        var padding = (TflitePadding)o.GetByte(0);
        int strideW = o.GetInt32(1, 1), strideH = o.GetInt32(2, 1), kw = o.GetInt32(3, 1), kh = o.GetInt32(4, 1);
        var inShape = _model.Tensors[op.Inputs[0]].Shape;
        var (top, bottom) = Pads(padding, inShape[1], kh, strideH, 1);
        var (left, right) = Pads(padding, inShape[2], kw, strideW, 1);
        List<OnnxAttribute> attributes =
        [
            ("kernel_shape", new long[] { kh, kw }),
            ("strides", new long[] { strideH, strideW }),
            ("pads", new long[] { top, left, bottom, right }),
        ];
        // TFLite's average pool divides by the number of real (unpadded) pixels, ONNX's count_include_pad = 0.
        if (onnxOp == "AveragePool") attributes.Add(("count_include_pad", 0L));
        EmitWithActivation(op.Outputs[0], (TfliteActivation)o.GetByte(5), onnxOp, [Value(op.Inputs[0])], [.. attributes]);
    }

    private void EmitBinary(TfliteOperator op, string onnxOp, TfliteActivation activation)
    {
        var output = op.Outputs[0];
        var rank4 = _model.Tensors[output].Shape.Length == 4;
        var inputs = op.Inputs.Select(i => Operand(i, rank4)).ToArray();
        EmitWithActivation(output, activation, onnxOp, inputs);
    }

    private void EmitUnary(TfliteOperator op, string onnxOp) =>
        EmitWithActivation(op.Outputs[0], TfliteActivation.None, onnxOp, [Value(op.Inputs[0])]);

    private void EmitActivationOnly(TfliteOperator op, TfliteActivation activation)
    {
        var output = op.Outputs[0];
        var name = Fresh(_model.Tensors[output].Name);
        AppendActivation(activation, Value(op.Inputs[0]), name);
        Define(output, name, _nchw.Contains(op.Inputs[0]));
    }

    private void EmitPad(TfliteOperator op)
    {
        var x = op.Inputs[0];
        var paddings = IntConstant(op.Inputs[1]); // [rank, 2]: (before, after) per NHWC axis
        var rank = _model.Tensors[x].Shape.Length;
        if (paddings.Length != 2 * rank) throw new ModelException($"PAD {_model.Tensors[op.Outputs[0]].Name} has {paddings.Length} paddings for rank {rank}.");
        var pads = new long[2 * rank];
        var axes = _nchw.Contains(x) ? ToNchw : Enumerable.Range(0, rank).ToArray();
        // ONNX pads: all begins in ONNX axis order, then all ends; ONNX axis a holds TFLite axis axes[a].
        for (var a = 0; a < rank; a++)
        {
            pads[a] = paddings[2 * axes[a]];
            pads[rank + a] = paddings[2 * axes[a] + 1];
        }
        var padsName = Int64Initializer(_model.Tensors[op.Inputs[1]].Name, pads);
        EmitWithActivation(op.Outputs[0], TfliteActivation.None, "Pad", [Value(x), padsName]); // mode defaults to constant 0
    }

    private void EmitReshape(TfliteOperator op)
    {
        var x = op.Inputs[0];
        var output = op.Outputs[0];
        var source = Value(x);
        if (_nchw.Contains(x))
        {
            // Flatten in TFLite's element order.
            var nhwc = Fresh(_model.Tensors[x].Name + "/nhwc");
            _graph.Add("Transpose", [source], nhwc, ("perm", ToLongs(ToNhwc)));
            source = nhwc;
        }
        var shape = _model.Tensors[output].Shape;
        if (shape.Length == 0 || shape.Any(d => d < 0)) shape = op.Options.GetInt32Vector(0); // ReshapeOptions.new_shape
        var shapeName = Int64Initializer(_model.Tensors[output].Name + "/shape", ToLongs(shape));
        var name = Fresh(_model.Tensors[output].Name);
        _graph.Add("Reshape", [source, shapeName], name);
        if (shape.Length == 4)
        {
            var nchw = Fresh(name + "/nchw");
            _graph.Add("Transpose", [name], nchw, ("perm", ToLongs(ToNchw)));
            Define(output, nchw, nchw: true);
        }
        else
        {
            Define(output, name, nchw: false);
        }
    }

    private void EmitConcat(TfliteOperator op)
    {
        var output = op.Outputs[0];
        var rank = _model.Tensors[output].Shape.Length;
        // ConcatenationOptions: axis 0, activation 1.
        var axis = op.Options.GetInt32(0);
        if (axis < 0) axis += rank;
        var rank4 = rank == 4;
        if (rank4) axis = Array.IndexOf(ToNchw, axis); // where the NHWC axis sits in NCHW
        var inputs = op.Inputs.Select(i => Operand(i, rank4)).ToArray();
        EmitWithActivation(output, (TfliteActivation)op.Options.GetByte(1), "Concat", inputs, ("axis", (long)axis));
    }

    // Emits the op, then its fused activation; the last node's output is the TFLite tensor's value.
    private void EmitWithActivation(int output, TfliteActivation activation, string onnxOp, string[] inputs, params OnnxAttribute[] attributes)
    {
        var tensorName = _model.Tensors[output].Name;
        var rank4 = _model.Tensors[output].Shape.Length == 4;
        var name = Fresh(tensorName);
        if (activation == TfliteActivation.None)
        {
            _graph.Add(onnxOp, inputs, name, attributes);
        }
        else
        {
            var raw = Fresh(tensorName + "/linear");
            _graph.Add(onnxOp, inputs, raw, attributes);
            AppendActivation(activation, raw, name);
        }
        Define(output, name, rank4);
    }

    private void AppendActivation(TfliteActivation activation, string input, string output)
    {
        switch (activation)
        {
            case TfliteActivation.Relu: _graph.Add("Relu", [input], output); break;
            case TfliteActivation.Tanh: _graph.Add("Tanh", [input], output); break;
            case TfliteActivation.Relu6:
                _graph.Add("Clip", [input, ScalarInitializer(0f), ScalarInitializer(6f)], output); break;
            case TfliteActivation.ReluN1To1:
                _graph.Add("Clip", [input, ScalarInitializer(-1f), ScalarInitializer(1f)], output); break;
            default: throw new ModelException($"Unsupported fused activation {activation}.");
        }
    }

    // An operand of an element-wise op or concat: an activation, or a constant reshaped to broadcast
    // against NCHW the way it broadcast against NHWC.
    private string Operand(int tensor, bool rank4)
    {
        if (_values.TryGetValue(tensor, out var value)) return value;
        var t = _model.Tensors[tensor];
        var data = FloatConstant(tensor);
        if (!rank4) return Initializer(t.Name, ToLongs(t.Shape), data);
        if (t.Shape.Length > 4) throw new ModelException($"Constant {t.Name} has rank {t.Shape.Length}.");
        // Right-align the shape (numpy broadcasting), then move channels from last to second.
        var nhwc = Enumerable.Repeat(1, 4 - t.Shape.Length).Concat(t.Shape).ToArray();
        var permuted = Permute(data, nhwc, ToNchw);
        return Initializer(t.Name, [nhwc[0], nhwc[3], nhwc[1], nhwc[2]], permuted);
    }

    private string Value(int tensor)
    {
        if (_values.TryGetValue(tensor, out var value)) return value;
        throw new ModelException($"Tensor {_model.Tensors[tensor].Name} is used before it is computed or is an unsupported constant.");
    }

    private void Define(int tensor, string name, bool nchw)
    {
        _values[tensor] = name;
        if (nchw) _nchw.Add(tensor);
    }

    private float[] FloatConstant(int tensor)
    {
        if (_floatConstants.TryGetValue(tensor, out var values)) return values;
        var t = _model.Tensors[tensor];
        var data = _model.GetData(tensor).Span;
        if (t.Type != TfliteTensorType.Float32 || data.IsEmpty)
            throw new ModelException($"Tensor {t.Name} should be a float constant but is {(data.IsEmpty ? "computed" : t.Type.ToString())}.");
        values = new float[ElementCount(t.Shape)];
        if (data.Length != values.Length * 4) throw new ModelException($"Constant {t.Name} has {data.Length} bytes, expected {values.Length * 4}.");
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
        _floatConstants[tensor] = values;
        return values;
    }

    private int[] IntConstant(int tensor)
    {
        var t = _model.Tensors[tensor];
        var data = _model.GetData(tensor).Span;
        if (t.Type != TfliteTensorType.Int32 || data.IsEmpty) throw new ModelException($"Tensor {t.Name} should be an int32 constant.");
        var values = new int[data.Length / 4];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
        return values;
    }

    private string Initializer(string baseName, long[] dims, float[] values)
    {
        var name = Fresh(baseName);
        _graph.Initializers.Add(OnnxTensor.FromFloats(name, dims, values));
        return name;
    }

    private string Int64Initializer(string baseName, long[] values)
    {
        var name = Fresh(baseName);
        _graph.Initializers.Add(OnnxTensor.FromInt64s(name, [values.Length], values));
        return name;
    }

    private string ScalarInitializer(float value)
    {
        var name = Fresh("const_" + value.ToString(CultureInfo.InvariantCulture));
        _graph.Initializers.Add(OnnxTensor.FromFloats(name, [], [value]));
        return name;
    }

    // Names must be unique across values and initializers; TFLite's own names almost always are.
    private string Fresh(string baseName) => $"{baseName}#{_unique++}";

    /// <summary>TensorFlow's SAME padding: output = ceil(in / stride), any odd pad pixel goes at the end.</summary>
    internal static (int Begin, int End) Pads(TflitePadding padding, int size, int kernel, int stride, int dilation)
    {
        if (padding == TflitePadding.Valid) return (0, 0);
        var effective = (kernel - 1) * dilation + 1;
        var output = (size + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + effective - size, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>Permutes a dense row-major tensor: output axis a is input axis <paramref name="perm"/>[a].</summary>
    internal static float[] Permute(float[] data, int[] shape, int[] perm)
    {
        var rank = shape.Length;
        var outShape = perm.Select(p => shape[p]).ToArray();
        var inStrides = new int[rank];
        for (int a = rank - 1, s = 1; a >= 0; s *= shape[a], a--) inStrides[a] = s;
        var result = new float[data.Length];
        var index = new int[rank];
        for (var i = 0; i < result.Length; i++)
        {
            var source = 0;
            for (var a = 0; a < rank; a++) source += index[a] * inStrides[perm[a]];
            result[i] = data[source];
            for (var a = rank - 1; a >= 0; a--)
            {
                if (++index[a] < outShape[a]) break;
                index[a] = 0;
            }
        }
        return result;
    }

    private static int ElementCount(int[] shape) => shape.Aggregate(1, (a, d) => checked(a * d));

    private static long[] ToLongs(int[] values) => values.Select(v => (long)v).ToArray();
}
