using System.Runtime.InteropServices;

namespace Parla.Face.Models;

/// <summary>ONNX <c>TensorProto.DataType</c> values the importer writes.</summary>
internal enum OnnxDataType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
}

/// <summary>A constant tensor (an initializer), stored little-endian in <see cref="RawData"/>.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, OnnxDataType DataType, byte[] RawData)
{
    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values) =>
        new(name, dims, OnnxDataType.Float, MemoryMarshal.AsBytes(values).ToArray());

    public static OnnxTensor FromInt64s(string name, long[] dims, ReadOnlySpan<long> values) =>
        new(name, dims, OnnxDataType.Int64, MemoryMarshal.AsBytes(values).ToArray());
}

/// <summary>A node attribute: exactly one of the value properties is set.</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static implicit operator OnnxAttribute((string Name, long Value) a) => new(a.Name, Int: a.Value);
    public static implicit operator OnnxAttribute((string Name, float Value) a) => new(a.Name, Float: a.Value);
    public static implicit operator OnnxAttribute((string Name, long[] Value) a) => new(a.Name, Ints: a.Value);
}

internal sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

internal sealed record OnnxValueInfo(string Name, OnnxDataType DataType, long[] Shape);

/// <summary>An ONNX graph under construction, and its serialisation to a <c>ModelProto</c>.</summary>
internal sealed class OnnxGraph
{
    /// <summary>Opset 13 (ONNX 1.8): every operator the importer emits exists there with the semantics used.</summary>
    public const int OpsetVersion = 13;

    /// <summary>IR version 7 is the one that goes with opset 13.</summary>
    private const int IrVersion = 7;

    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];
    public string Name { get; init; } = "graph";
    public string DocString { get; init; } = "";

    public void Add(string opType, string[] inputs, string output, params OnnxAttribute[] attributes) =>
        Nodes.Add(new OnnxNode(opType, $"{opType}_{Nodes.Count}", inputs, [output], attributes));

    /// <summary>Writes the graph as an ONNX <c>ModelProto</c> (field numbers from onnx/onnx.proto).</summary>
    public byte[] ToModelProto(string producerName, string producerVersion)
    {
        var model = new ProtoWriter();
        model.Varint(1, IrVersion);                  // ir_version
        model.String(2, producerName);               // producer_name
        model.String(3, producerVersion);            // producer_version
        model.Message(7, WriteGraph);                // graph
        model.Message(8, opset =>                    // opset_import (default domain)
        {
            opset.String(1, "");
            opset.Varint(2, OpsetVersion);
        });
        return model.WrittenSpan.ToArray();
    }

    private void WriteGraph(ProtoWriter graph)
    {
        foreach (var node in Nodes) graph.Message(1, n => WriteNode(n, node));
        graph.String(2, Name);
        foreach (var tensor in Initializers) graph.Message(5, t => WriteTensor(t, tensor));
        if (DocString.Length > 0) graph.String(10, DocString);
        foreach (var input in Inputs) graph.Message(11, v => WriteValueInfo(v, input));
        foreach (var output in Outputs) graph.Message(12, v => WriteValueInfo(v, output));
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        foreach (var input in node.Inputs) w.String(1, input);
        foreach (var output in node.Outputs) w.String(2, output);
        w.String(3, node.Name);
        w.String(4, node.OpType);
        foreach (var attribute in node.Attributes) w.Message(5, a => WriteAttribute(a, attribute));
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute attribute)
    {
        // AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
        w.String(1, attribute.Name);
        if (attribute.Float is { } f)
        {
            w.Float(2, f);
            w.Varint(20, 1);
        }
        else if (attribute.Int is { } i)
        {
            w.Varint(3, i);
            w.Varint(20, 2);
        }
        else if (attribute.Ints is { } ints)
        {
            foreach (var v in ints) w.Varint(8, v);
            w.Varint(20, 7);
        }
        else
        {
            throw new InvalidOperationException($"Attribute {attribute.Name} has no value.");
        }
    }

    private static void WriteTensor(ProtoWriter w, OnnxTensor tensor)
    {
        // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
        foreach (var d in tensor.Dims) w.Varint(1, d);
        w.Varint(2, (int)tensor.DataType);
        w.String(8, tensor.Name);
        w.Bytes(9, tensor.RawData);
    }

    private static void WriteValueInfo(ProtoWriter w, OnnxValueInfo info)
    {
        // ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1.
        w.String(1, info.Name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, (int)info.DataType);
            tensor.Message(2, shape =>
            {
                foreach (var d in info.Shape) shape.Message(1, dim => dim.Varint(1, d));
            });
        }));
    }
}
