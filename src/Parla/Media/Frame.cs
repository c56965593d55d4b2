using System.Buffers;
using System.Runtime.CompilerServices;

namespace Parla.Media;

/// <summary>
/// An 8-bit RGBA image (R, G, B, A bytes per pixel, rows packed without padding). Small frames rent
/// their memory from the shared array pool; large ones (video frames, portraits) get an array of
/// exactly their size, because the pool rounds up to a power of two (a 1080p frame would take 16 MB
/// instead of 8.3) and video frame buffers live for the whole run anyway. The frame owns its buffer:
/// spans from <see cref="Pixels"/> or <see cref="GetRowSpan"/> stay valid until <see cref="Dispose"/>.
/// </summary>
public sealed class Frame : IDisposable
{
    public const int BytesPerPixel = 4;
    private const int LargestPooledBytes = 1 << 20;
    private byte[]? _buffer;

    public Frame(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        var length = checked(width * height * BytesPerPixel);
        _buffer = length <= LargestPooledBytes ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * BytesPerPixel;
    public int Length => Width * Height * BytesPerPixel;

    /// <summary>All pixels, row after row.</summary>
    public Span<byte> Pixels => Buffer.AsSpan(0, Length);

    /// <summary>The pixels of row <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetRowSpan(int y) => Buffer.AsSpan(y * Stride, Stride);

    /// <summary>The underlying array (longer than <see cref="Length"/>); for hot loops that index directly.</summary>
    public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(Frame));

    public Frame Clone()
    {
        var copy = new Frame(Width, Height);
        Pixels.CopyTo(copy.Pixels);
        return copy;
    }

    public void CopyTo(Frame destination)
    {
        if (destination.Width != Width || destination.Height != Height)
            throw new ArgumentException($"Frame sizes differ: {Width}x{Height} vs {destination.Width}x{destination.Height}.");
        Pixels.CopyTo(destination.Pixels);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && Length <= LargestPooledBytes) ArrayPool<byte>.Shared.Return(buffer);
    }
}
