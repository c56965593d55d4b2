using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Parla.Face.Models;

/// <summary>
/// A minimal Protocol Buffers encoder: varints, 32-bit floats, length-delimited strings, bytes and
/// nested messages. Nested messages are written into their own writer first, then copied with their
/// length prefix, which is simple and cheap at ONNX model sizes (a few MB).
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed32 = 5;
    private const int WireLengthDelimited = 2;

    private readonly ArrayBufferWriter<byte> _output = new();

    public ReadOnlySpan<byte> WrittenSpan => _output.WrittenSpan;

    public void Varint(int field, long value)
    {
        Tag(field, WireVarint);
        RawVarint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Tag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        RawVarint((ulong)value.Length);
        _output.Write(value);
    }

    public void Message(int field, ProtoWriter message) => Bytes(field, message.WrittenSpan);

    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Message(field, nested);
    }

    private void Tag(int field, int wireType) => RawVarint((ulong)((field << 3) | wireType));

    private void RawVarint(ulong value)
    {
        var span = _output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _output.Advance(n);
    }
}
