using System.Buffers.Binary;
using System.Text;

namespace Parla.Face.Models;

/// <summary>
/// A read-only view of one FlatBuffers table: just enough of the format (root offset, vtables, scalar
/// fields, strings, vectors of scalars and of tables) to read a TFLite model. Every offset is checked
/// against the buffer, so a truncated or corrupt file raises <see cref="ModelException"/> rather than
/// reading garbage.
/// </summary>
internal readonly struct FlatBufferTable
{
    private readonly byte[] _buffer;
    private readonly int _position;
    private readonly int _vtable;
    private readonly int _vtableSize;

    private FlatBufferTable(byte[] buffer, int position)
    {
        _buffer = buffer;
        _position = position;
        Check(position, 4);
        // A table starts with a signed offset back to its vtable: vtable = table - soffset.
        _vtable = checked(position - BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(position)));
        Check(_vtable, 4);
        _vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(_vtable));
        Check(_vtable, _vtableSize);
    }

    /// <summary>The root table of a FlatBuffers file (the first four bytes are its offset).</summary>
    public static FlatBufferTable Root(byte[] buffer)
    {
        if (buffer.Length < 8) throw new ModelException("The model file is too short to be a FlatBuffers file.");
        return new FlatBufferTable(buffer, (int)ReadUOffset(buffer, 0));
    }

    public bool IsNull => _buffer is null;

    public bool Has(int field) => FieldOffset(field) != 0;

    public int GetInt32(int field, int defaultValue = 0)
    {
        var o = FieldOffset(field);
        if (o == 0) return defaultValue;
        Check(_position + o, 4);
        return BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_position + o));
    }

    public uint GetUInt32(int field, uint defaultValue = 0) => unchecked((uint)GetInt32(field, unchecked((int)defaultValue)));

    public ulong GetUInt64(int field, ulong defaultValue = 0)
    {
        var o = FieldOffset(field);
        if (o == 0) return defaultValue;
        Check(_position + o, 8);
        return BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position + o));
    }

    public byte GetByte(int field, byte defaultValue = 0)
    {
        var o = FieldOffset(field);
        if (o == 0) return defaultValue;
        Check(_position + o, 1);
        return _buffer[_position + o];
    }

    public bool GetBool(int field) => GetByte(field) != 0;

    /// <summary>A sub-table, or a table whose <see cref="IsNull"/> is true when the field is absent.</summary>
    public FlatBufferTable GetTable(int field)
    {
        var target = Indirect(field);
        return target < 0 ? default : new FlatBufferTable(_buffer, target);
    }

    public string? GetString(int field)
    {
        var (start, length) = Vector(field, 1);
        return start < 0 ? null : Encoding.UTF8.GetString(_buffer, start, length);
    }

    public int[] GetInt32Vector(int field)
    {
        var (start, length) = Vector(field, 4);
        if (start < 0) return [];
        var values = new int[length];
        for (var i = 0; i < length; i++)
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(start + 4 * i));
        return values;
    }

    /// <summary>A vector of bytes as a slice of the underlying buffer (no copy).</summary>
    public ReadOnlyMemory<byte> GetByteVector(int field)
    {
        var (start, length) = Vector(field, 1);
        return start < 0 ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(start, length);
    }

    public FlatBufferTable[] GetTableVector(int field)
    {
        var (start, length) = Vector(field, 4);
        if (start < 0) return [];
        var tables = new FlatBufferTable[length];
        for (var i = 0; i < length; i++)
        {
            var element = start + 4 * i;
            tables[i] = new FlatBufferTable(_buffer, checked(element + (int)ReadUOffset(_buffer, element)));
        }
        return tables;
    }

    private int FieldOffset(int field)
    {
        var entry = 4 + 2 * field;
        return entry + 2 <= _vtableSize ? BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(_vtable + entry)) : 0;
    }

    // Follows an offset field to its target; -1 when the field is absent.
    private int Indirect(int field)
    {
        var o = FieldOffset(field);
        if (o == 0) return -1;
        var at = _position + o;
        return checked(at + (int)ReadUOffset(_buffer, at));
    }

    // A vector is a uint32 element count followed by the elements.
    private (int Start, int Length) Vector(int field, int elementSize)
    {
        var at = Indirect(field);
        if (at < 0) return (-1, 0);
        Check(at, 4);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at));
        if (length > int.MaxValue / elementSize) throw Corrupt(at);
        Check(at + 4, (int)length * elementSize);
        return (at + 4, (int)length);
    }

    private static uint ReadUOffset(byte[] buffer, int at)
    {
        if (at < 0 || at + 4 > buffer.Length) throw Corrupt(at);
        var value = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at));
        if (value > int.MaxValue || at + (long)value >= buffer.Length) throw Corrupt(at);
        return value;
    }

    private void Check(int at, int length)
    {
        if (at < 0 || length < 0 || (long)at + length > _buffer.Length) throw Corrupt(at);
    }

    private static ModelException Corrupt(int at) =>
        new($"The model file is corrupt: an offset at byte {at} points outside the file.");
}
