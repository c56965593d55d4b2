using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Parla.Media;

/// <summary>
/// RGBA → planar YUV 4:2:0 (BT.601, limited range), the layout H.264 encodes. Converting here
/// instead of in ffmpeg sends 1.5 bytes per pixel down the pipe instead of 4.
/// </summary>
public static class Yuv420Converter
{
    /// <summary>Bytes of one yuv420p picture of the given (even) size.</summary>
    public static int BufferLength(int width, int height) => width * height * 3 / 2;

    /// <summary>Converts <paramref name="source"/> into <paramref name="destination"/> (Y plane, then U, then V).</summary>
    public static void Convert(Frame source, Span<byte> destination, int degreeOfParallelism = 1)
    {
        int w = source.Width, h = source.Height;
        if ((w & 1) != 0 || (h & 1) != 0) throw new ArgumentException($"yuv420p needs even sides, got {w}x{h}.");
        if (destination.Length < BufferLength(w, h)) throw new ArgumentException("Destination too small.", nameof(destination));
        if (degreeOfParallelism <= 1)
        {
            ConvertRows(source, destination, 0, h / 2, 0, w);
            return;
        }
        unsafe
        {
            fixed (byte* dst = destination)
            {
                var address = (nint)dst;
                var length = destination.Length;
                var chunks = degreeOfParallelism * 2;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, c =>
                {
                    var from = h / 2 * c / chunks;
                    var to = h / 2 * (c + 1) / chunks;
                    ConvertRows(source, new Span<byte>((void*)address, length), from, to, 0, w);
                });
            }
        }
    }

    /// <summary>
    /// Converts only <paramref name="region"/> (grown to even coordinates) of <paramref name="source"/>; the
    /// rest of <paramref name="destination"/> keeps what it holds. For frames that differ from the previous
    /// one only inside a known region.
    /// </summary>
    public static void Convert(Frame source, Span<byte> destination, PixelRect region)
    {
        int w = source.Width, h = source.Height;
        if ((w & 1) != 0 || (h & 1) != 0) throw new ArgumentException($"yuv420p needs even sides, got {w}x{h}.");
        if (destination.Length < BufferLength(w, h)) throw new ArgumentException("Destination too small.", nameof(destination));
        var r = region.AlignEven().ClampTo(w, h);
        if (r.IsEmpty) return;
        ConvertRows(source, destination, r.Y / 2, r.Bottom / 2, r.X, r.Right);
    }

    /// <summary>
    /// Converts the row pairs [<paramref name="fromPair"/>, <paramref name="toPair"/>), columns
    /// [<paramref name="fromX"/>, <paramref name="toX"/>) (even); with <paramref name="vectorized"/>
    /// false, two pixels at a time only (the reference the vector path is tested against).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ConvertRows(Frame source, Span<byte> destination, int fromPair, int toPair, int fromX, int toX, bool vectorized = true)
    {
        int w = source.Width, h = source.Height;
        var yPlane = destination[..(w * h)];
        var uPlane = destination.Slice(w * h, w * h / 4);
        var vPlane = destination.Slice(w * h * 5 / 4, w * h / 4);
        for (var pair = fromPair; pair < toPair; pair++)
        {
            var row0 = source.GetRowSpan(2 * pair);
            var row1 = source.GetRowSpan(2 * pair + 1);
            var y0 = yPlane.Slice(2 * pair * w, w);
            var y1 = yPlane.Slice((2 * pair + 1) * w, w);
            var u = uPlane.Slice(pair * (w / 2), w / 2);
            var v = vPlane.Slice(pair * (w / 2), w / 2);
            var x = fromX;
            if (vectorized && Vector256.IsHardwareAccelerated)
            {
                for (; x + Lanes <= toX; x += Lanes)
                    ConvertEight(row0, row1, y0, y1, u, v, x);
            }

            for (; x < toX; x += 2)
            {
                var i = x * 4;
                int r00 = row0[i], g00 = row0[i + 1], b00 = row0[i + 2];
                int r01 = row0[i + 4], g01 = row0[i + 5], b01 = row0[i + 6];
                int r10 = row1[i], g10 = row1[i + 1], b10 = row1[i + 2];
                int r11 = row1[i + 4], g11 = row1[i + 5], b11 = row1[i + 6];
                y0[x] = Luma(r00, g00, b00);
                y0[x + 1] = Luma(r01, g01, b01);
                y1[x] = Luma(r10, g10, b10);
                y1[x + 1] = Luma(r11, g11, b11);
                // Chroma of the 2×2 block's mean colour (sums of 4, hence the extra >> 2 folded into >> 10).
                int r = r00 + r01 + r10 + r11, g = g00 + g01 + g10 + g11, b = b00 + b01 + b10 + b11;
                u[x >> 1] = (byte)(((-38 * r - 74 * g + 112 * b + 512) >> 10) + 128);
                v[x >> 1] = (byte)(((112 * r - 94 * g - 18 * b + 512) >> 10) + 128);
            }
        }
    }

    private const int Lanes = 8;

    /// <summary>
    /// Eight columns of a row pair at once: the same integer arithmetic as the scalar loop, lane by
    /// lane, so the bytes are identical (tested). Chroma takes each horizontal pair's sums from
    /// neighbouring lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ConvertEight(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> y0, Span<byte> y1, Span<byte> u, Span<byte> v, int x)
    {
        var top = Vector256.LoadUnsafe(ref Unsafe.As<byte, int>(ref Unsafe.AsRef(in row0[x * 4])));
        var bottom = Vector256.LoadUnsafe(ref Unsafe.As<byte, int>(ref Unsafe.AsRef(in row1[x * 4])));
        var channel = Vector256.Create(0xFF);
        Vector256<int> r0 = top & channel, g0 = Vector256.ShiftRightLogical(top, 8) & channel, b0 = Vector256.ShiftRightLogical(top, 16) & channel;
        Vector256<int> r1 = bottom & channel, g1 = Vector256.ShiftRightLogical(bottom, 8) & channel, b1 = Vector256.ShiftRightLogical(bottom, 16) & channel;
        // Both rows' lumas narrowed together to bytes: the top row's eight, then the bottom row's.
        var lumas = Vector256.Narrow(LumaOf(r0, g0, b0), LumaOf(r1, g1, b1));
        var lumaBytes = Vector256.Narrow(lumas, lumas).AsUInt64();
        // (Each write goes through a slice of its length: the bounds are checked once for the whole.)
        Unsafe.WriteUnaligned(ref y0.Slice(x, Lanes)[0], lumaBytes.GetElement(0));
        Unsafe.WriteUnaligned(ref y1.Slice(x, Lanes)[0], lumaBytes.GetElement(1));

        // Sums of each 2×2 block: the rows added, then each even lane with its odd neighbour.
        var r = PairSums(r0 + r1);
        var g = PairSums(g0 + g1);
        var b = PairSums(b0 + b1);
        var half = Vector256.Create(512);
        var offset = Vector256.Create(128);
        var cb = Vector256.ShiftRightArithmetic((Vector256.Create(-38) * r) - (Vector256.Create(74) * g) + (Vector256.Create(112) * b) + half, 10) + offset;
        var cr = Vector256.ShiftRightArithmetic((Vector256.Create(112) * r) - (Vector256.Create(94) * g) - (Vector256.Create(18) * b) + half, 10) + offset;
        // The even lanes (the 64-bit elements' low halves) of both, narrowed in order to bytes: four of
        // U, then four of V. Narrowing truncates, as the scalar loop's casts do.
        var evens = Vector256.Narrow(cb.AsInt64(), cr.AsInt64());
        var shorts = Vector256.Narrow(evens, evens);
        var chroma = Vector256.Narrow(shorts, shorts).AsUInt32();
        Unsafe.WriteUnaligned(ref u.Slice(x >> 1, Lanes / 2)[0], chroma.GetElement(0));
        Unsafe.WriteUnaligned(ref v.Slice(x >> 1, Lanes / 2)[0], chroma.GetElement(1));
    }

    private static Vector256<int> LumaOf(Vector256<int> r, Vector256<int> g, Vector256<int> b) =>
        Vector256.ShiftRightArithmetic((Vector256.Create(66) * r) + (Vector256.Create(129) * g) + (Vector256.Create(25) * b) + Vector256.Create(128), 8) + Vector256.Create(16);

    /// <summary>Each even lane plus the odd lane after it, in the even lane (odd lanes: don't care).</summary>
    private static Vector256<int> PairSums(Vector256<int> values) =>
        values + Vector256.ShiftRightLogical(values.AsInt64(), 32).AsInt32();


    // BT.601 limited range in 8-bit fixed point: Y = 16 + (66 R + 129 G + 25 B) / 256.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Luma(int r, int g, int b) => (byte)(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
}
