using System.Buffers;
using System.Runtime.CompilerServices;

namespace Parla.Media;

/// <summary>
/// An 8-bit RGBA image (R, G, B, A bytes per pixel, rows packed without padding) whose memory is
/// rented from the shared array pool. The frame owns its buffer: spans from <see cref="Pixels"/> or
/// <see cref="GetRowSpan"/> stay valid until <see cref="Dispose"/>.
/// </summary>
public sealed class Frame : IDisposable
{
    public const int BytesPerPixel = 4;
    private byte[]? _buffer;

    public Frame(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _buffer = ArrayPool<byte>.Shared.Rent(checked(width * height * BytesPerPixel));
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
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
