namespace Parla.Face.Models;

/// <summary>TFLite tensor element types (schema.fbs <c>TensorType</c>); only the ones the importer meets are named.</summary>
internal enum TfliteTensorType : byte
{
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
    UInt8 = 3,
    Int64 = 4,
    Int8 = 9,
}

/// <summary>TFLite builtin operator codes (schema.fbs <c>BuiltinOperator</c>) used by the face models.</summary>
internal enum TfliteBuiltin
{
    Add = 0,
    AveragePool2D = 1,
    Concatenation = 2,
    Conv2D = 3,
    DepthwiseConv2D = 4,
    Dequantize = 6,
    FullyConnected = 9,
    Logistic = 14,
    MaxPool2D = 17,
    Mul = 18,
    Relu = 19,
    Relu6 = 21,
    Reshape = 22,
    Pad = 34,
    Prelu = 54,
}

/// <summary>schema.fbs <c>ActivationFunctionType</c>.</summary>
internal enum TfliteActivation : byte
{
    None = 0,
    Relu = 1,
    ReluN1To1 = 2,
    Relu6 = 3,
    Tanh = 4,
}

/// <summary>schema.fbs <c>Padding</c>.</summary>
internal enum TflitePadding : byte
{
    Same = 0,
    Valid = 1,
}

internal sealed record TfliteTensor(string Name, int[] Shape, TfliteTensorType Type, int Buffer);

/// <summary>One operator: its builtin code (or -1 with <see cref="CustomCode"/> for custom ops) and raw options table.</summary>
internal sealed record TfliteOperator(int BuiltinCode, string? CustomCode, int[] Inputs, int[] Outputs, FlatBufferTable Options);

/// <summary>
/// The parts of a TFLite model (schema.fbs, FlatBuffers) the importer needs: the first subgraph's
/// tensors, operators, inputs and outputs, and the constant buffers. Field numbers below are the
/// declaration order of each table in tensorflow/lite/schema/schema.fbs.
/// </summary>
internal sealed class TfliteModel
{
    private readonly byte[] _file;
    private readonly FlatBufferTable[] _buffers;

    private TfliteModel(byte[] file)
    {
        _file = file;
        // "TFL3" file identifier sits right after the root offset.
        if (file.Length < 8 || file[4] != (byte)'T' || file[5] != (byte)'F' || file[6] != (byte)'L' || file[7] != (byte)'3')
            throw new ModelException("The model file is not a TFLite model (no TFL3 identifier).");
        var model = FlatBufferTable.Root(file);
        // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
        var codes = model.GetTableVector(1);
        var subgraphs = model.GetTableVector(2);
        _buffers = model.GetTableVector(4);
        if (subgraphs.Length == 0) throw new ModelException("The TFLite model has no subgraph.");

        // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
        var graph = subgraphs[0];
        Tensors = graph.GetTableVector(0).Select(ReadTensor).ToArray();
        Inputs = graph.GetInt32Vector(1);
        Outputs = graph.GetInt32Vector(2);
        Operators = graph.GetTableVector(3).Select(op => ReadOperator(op, codes)).ToArray();
    }

    public IReadOnlyList<TfliteTensor> Tensors { get; }
    public IReadOnlyList<int> Inputs { get; }
    public IReadOnlyList<int> Outputs { get; }
    public IReadOnlyList<TfliteOperator> Operators { get; }

    public static TfliteModel Read(byte[] file) => new(file);

    /// <summary>The constant data of a tensor, empty when the tensor is not a constant.</summary>
    public ReadOnlyMemory<byte> GetData(int tensor)
    {
        var index = Tensors[tensor].Buffer;
        if (index <= 0 || index >= _buffers.Length) return ReadOnlyMemory<byte>.Empty; // buffer 0 is the empty sentinel
        var buffer = _buffers[index];
        // Buffer: data 0, offset 1, size 2 (offset/size are used by models over 2 GB that keep data after the FlatBuffer).
        var data = buffer.GetByteVector(0);
        if (!data.IsEmpty) return data;
        var offset = buffer.GetUInt64(1);
        var size = buffer.GetUInt64(2);
        if (offset <= 1 || size == 0) return ReadOnlyMemory<byte>.Empty;
        if (offset + size > (ulong)_file.Length) throw new ModelException("The model file is corrupt: a buffer lies outside the file.");
        return _file.AsMemory((int)offset, (int)size);
    }

    private static TfliteTensor ReadTensor(FlatBufferTable t) =>
        // Tensor: shape 0, type 1, buffer 2, name 3.
        new(t.GetString(3) ?? "", t.GetInt32Vector(0), (TfliteTensorType)t.GetByte(1), (int)t.GetUInt32(2));

    private static TfliteOperator ReadOperator(FlatBufferTable op, FlatBufferTable[] codes)
    {
        // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
        var index = (int)op.GetUInt32(0);
        if (index >= codes.Length) throw new ModelException($"The model file is corrupt: operator code {index} does not exist.");
        // OperatorCode: deprecated_builtin_code 0 (int8), custom_code 1, version 2, builtin_code 3 (int32).
        // Writers fill either field; codes above 127 only fit the new one, so the larger of the two is right.
        var code = codes[index];
        var builtin = Math.Max(code.GetByte(0), code.GetInt32(3));
        var custom = code.GetString(1);
        const int customOp = 32;
        return new TfliteOperator(builtin == customOp ? -1 : builtin, custom, op.GetInt32Vector(1), op.GetInt32Vector(2), op.GetTable(4));
    }
}
