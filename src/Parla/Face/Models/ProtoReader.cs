using System.Buffers.Binary;

namespace Parla.Face.Models;

/// <summary>
/// A minimal Protocol Buffers decoder: walks the fields of one message (varint, 64-bit, length-
/// delimited and 32-bit wire types) and reads repeated floats and integers whether the writer packed
/// them or not. Every length is checked against the buffer, so a truncated or corrupt file raises
/// <see cref="ModelException"/> rather than reading garbage.
/// </summary>
internal ref struct ProtoReader
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _source;
    private int _position;
    private ulong _varint;
    private ReadOnlySpan<byte> _payload;

    /// <param name="data">The encoded message.</param>
    /// <param name="source">Names the file in error messages.</param>
    public ProtoReader(ReadOnlySpan<byte> data, string source)
    {
        _data = data;
        _source = source;
        _position = 0;
    }

    /// <summary>The field number of the field <see cref="Next"/> moved to.</summary>
    public int Field { get; private set; }

    /// <summary>Its wire type.</summary>
    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (_position >= _data.Length) return false;
        var key = ReadVarint();
        Field = checked((int)(key >> 3));
        WireType = (int)(key & 7);
        if (Field == 0) throw Corrupt("field number 0");
        switch (WireType)
        {
            case WireVarint:
                _varint = ReadVarint();
                break;
            case WireFixed64:
                _payload = Take(8);
                break;
            case WireLengthDelimited:
                _payload = Take(checked((int)ReadVarint()));
                break;
            case WireFixed32:
                _payload = Take(4);
                break;
            default:
                throw Corrupt($"wire type {WireType} (groups are not supported)");
        }
        return true;
    }

    /// <summary>The current field's bytes (a length-delimited field: string, bytes, nested message, packed values).</summary>
    public readonly ReadOnlySpan<byte> Bytes => WireType == WireLengthDelimited ? _payload : throw Corrupt($"field {Field} is not length-delimited");

    /// <summary>The current varint field's value.</summary>
    public readonly ulong Varint => WireType == WireVarint ? _varint : throw Corrupt($"field {Field} is not a varint");

    /// <summary>Appends the current field's float(s) to <paramref name="values"/>: one fixed32, or a packed run.</summary>
    public readonly void AddFloats(List<float> values)
    {
        if (WireType == WireFixed32)
        {
            values.Add(BinaryPrimitives.ReadSingleLittleEndian(_payload));
            return;
        }
        var packed = Bytes;
        if (packed.Length % 4 != 0) throw Corrupt($"packed floats of field {Field} are {packed.Length} bytes, not a multiple of 4");
        for (var i = 0; i < packed.Length; i += 4) values.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[i..]));
    }

    /// <summary>Appends the current field's unsigned integer(s) to <paramref name="values"/>: one varint, or a packed run.</summary>
    public readonly void AddUInt32s(List<uint> values)
    {
        if (WireType == WireVarint)
        {
            values.Add(checked((uint)_varint));
            return;
        }
        var inner = new ProtoReader(Bytes, _source);
        while (inner._position < inner._data.Length) values.Add(checked((uint)inner.ReadVarint()));
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Corrupt("a varint runs past the end");
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Corrupt("a varint is longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _data.Length - _position) throw Corrupt($"field {Field} claims {length} bytes, {_data.Length - _position} are left");
        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    private readonly ModelException Corrupt(string what) => new($"{_source}: not a valid protobuf message ({what}).");
}
