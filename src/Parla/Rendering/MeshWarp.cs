using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Parla.Media;

namespace Parla.Rendering;

/// <summary>
/// Piecewise-affine image warp: each destination triangle is filled by mapping its pixel centres
/// back into the source triangle and sampling bilinearly.
/// </summary>
/// <remarks>
/// Coverage follows the usual half-open convention so that triangles sharing an edge leave neither
/// a seam nor a double-painted pixel: a pixel belongs to a triangle when its centre
/// (x + 0.5, y + 0.5) lies in [left edge, right edge) on rows whose centre lies in [top, bottom).
/// An edge's crossing with a row is always computed from its lower-numbered vertex to its
/// higher-numbered one, so both triangles that share it get the bit-identical crossing.
/// The per-pixel kernels of the frame loop (here, the deformer, the colour conversion, the
/// watermark) are compiled optimised at their first call: they are hot from the first frame, and
/// while the phone decoder keeps both cores busy the tiered JIT took seconds to promote them (a
/// profile of a 60-s English run found 40 % of the sampler's time in its unoptimised and
/// instrumented versions).
/// </remarks>
internal static class MeshWarp
{
    /// <summary>One triangle's edges prepared for scanning, with the source map.</summary>
    internal readonly struct Triangle
    {
        private readonly Edge _e0, _e1, _e2;
        public readonly int RowStart, RowEnd; // rows [RowStart, RowEnd)
        // Inverse affine map: source = (M00 x + M01 y + Tx, M10 x + M11 y + Ty) for destination (x, y).
        public readonly float M00, M01, Tx, M10, M11, Ty;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Triangle(int i0, int i1, int i2, ReadOnlySpan<Vector2> destination, ReadOnlySpan<Vector2> source, int height)
        {
            Vector2 d0 = destination[i0], d1 = destination[i1], d2 = destination[i2];
            _e0 = new Edge(i0, i1, destination);
            _e1 = new Edge(i1, i2, destination);
            _e2 = new Edge(i2, i0, destination);
            var top = Math.Min(d0.Y, Math.Min(d1.Y, d2.Y));
            var bottom = Math.Max(d0.Y, Math.Max(d1.Y, d2.Y));
            RowStart = Math.Max(0, (int)Math.Ceiling(top - 0.5));
            RowEnd = Math.Min(height, (int)Math.Ceiling(bottom - 0.5));

            // M = S · D⁻¹ with D, S the edge-vector matrices of destination and source (doubles: thin
            // triangles make D nearly singular).
            Vector2 s0 = source[i0], s1 = source[i1], s2 = source[i2];
            double dx1 = d1.X - d0.X, dy1 = d1.Y - d0.Y, dx2 = d2.X - d0.X, dy2 = d2.Y - d0.Y;
            var det = dx1 * dy2 - dx2 * dy1;
            if (Math.Abs(det) < 1e-12)
            {
                RowEnd = RowStart; // degenerate: covers no pixel centre
                M00 = M11 = 1;
                return;
            }
            double sx1 = s1.X - s0.X, sy1 = s1.Y - s0.Y, sx2 = s2.X - s0.X, sy2 = s2.Y - s0.Y;
            double i00 = dy2 / det, i01 = -dx2 / det, i10 = -dy1 / det, i11 = dx1 / det;
            double m00 = sx1 * i00 + sx2 * i10, m01 = sx1 * i01 + sx2 * i11;
            double m10 = sy1 * i00 + sy2 * i10, m11 = sy1 * i01 + sy2 * i11;
            M00 = (float)m00; M01 = (float)m01; M10 = (float)m10; M11 = (float)m11;
            Tx = (float)(s0.X - m00 * d0.X - m01 * d0.Y);
            Ty = (float)(s0.Y - m10 * d0.X - m11 * d0.Y);
        }

        /// <summary>The pixel columns [x0, x1) covered on row <paramref name="y"/>, clipped to [0, width).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Span(int y, int width, out int x0, out int x1)
        {
            var yc = y + 0.5;
            double xa = 0, xb = 0;
            var found = 0;
            Crossing(_e0, yc, ref xa, ref xb, ref found);
            Crossing(_e1, yc, ref xa, ref xb, ref found);
            Crossing(_e2, yc, ref xa, ref xb, ref found);
            if (found != 2)
            {
                x0 = x1 = 0;
                return false;
            }
            if (xa > xb) (xa, xb) = (xb, xa);
            x0 = Math.Max(0, (int)Math.Ceiling(xa - 0.5));
            x1 = Math.Min(width, (int)Math.Ceiling(xb - 0.5));
            return x1 > x0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Crossing(in Edge e, double yc, ref double xa, ref double xb, ref int found)
        {
            if (yc < e.YMin || yc >= e.YMax) return;
            var x = e.X0 + (yc - e.Y0) * e.Slope;
            if (found == 0) xa = x; else xb = x;
            found++;
        }
    }

    /// <summary>An edge in canonical direction (lower vertex index first).</summary>
    private readonly struct Edge
    {
        public readonly double X0, Y0, Slope, YMin, YMax;

        public Edge(int i, int j, ReadOnlySpan<Vector2> p)
        {
            if (i > j) (i, j) = (j, i);
            X0 = p[i].X;
            Y0 = p[i].Y;
            double x1 = p[j].X, y1 = p[j].Y;
            YMin = Math.Min(Y0, y1);
            YMax = Math.Max(Y0, y1);
            Slope = y1 != Y0 ? (x1 - X0) / (y1 - Y0) : 0; // horizontal edges never cross a row: YMin == YMax
        }
    }

    /// <summary>Fills the destination triangle <paramref name="t"/> with bilinear samples of <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(in Triangle t, Frame source, Frame destination)
    {
        Debug.Assert(source.Width == destination.Width && source.Height == destination.Height);
        var width = destination.Width;
        for (var y = t.RowStart; y < t.RowEnd; y++)
        {
            if (!t.Span(y, width, out var x0, out var x1)) continue;
            var yc = y + 0.5f;
            // Source coordinates at the first pixel centre, then stepped along the row.
            var sx = t.M00 * (x0 + 0.5f) + t.M01 * yc + t.Tx;
            var sy = t.M10 * (x0 + 0.5f) + t.M11 * yc + t.Ty;
            SampleRow(source, destination.GetRowSpan(y).Slice(x0 * 4, (x1 - x0) * 4), sx, sy, t.M00, t.M10);
        }
    }

    /// <summary>
    /// Writes bilinear samples of <paramref name="source"/> along a line starting at source point
    /// (<paramref name="sx"/>, <paramref name="sy"/>) (pixel-centre coordinates, centres at +0.5) with
    /// step (<paramref name="dx"/>, <paramref name="dy"/>) per output pixel.
    /// </summary>
    /// <remarks>
    /// Positions are snapped to 1/256 pixel and weights are 8-bit fixed point, so a sample at an
    /// exact pixel centre returns that pixel unchanged (an identity map reproduces the source).
    /// </remarks>
    public static void SampleRow(Frame source, Span<byte> output, float sx, float sy, float dx, float dy) =>
        SampleRow(source, output, sx, sy, dx, dy, vectorized: true);

    /// <summary>As above; with <paramref name="vectorized"/> false, one pixel at a time only (the reference the vector path is tested against).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SampleRow(Frame source, Span<byte> output, float sx, float sy, float dx, float dy, bool vectorized)
    {
        var stride = source.Stride;
        var maxX = (source.Width - 1) * 256;
        var maxY = (source.Height - 1) * 256;
        var lastColumn = source.Width - 1;
        var lastRow = source.Height - 1;
        var count = output.Length / 4;
        // Indices below are clamped to the source, so reads stay inside its buffer without bounds checks.
        ref var src = ref MemoryMarshal.GetArrayDataReference(source.Buffer);
        ref var dst = ref MemoryMarshal.GetReference(output);
        // Fixed-point positions relative to the pixel grid (centre of pixel 0 at 0).
        float fx = sx * 256 - 128, fy = sy * 256 - 128, fdx = dx * 256, fdy = dy * 256;
        if (vectorized && Avx2.IsSupported && count >= MinVectorPixels && source.Width >= 2)
        {
            SampleRowAvx2(ref src, stride, ref dst, count, fx, fy, fdx, fdy, maxX, maxY, lastColumn, lastRow);
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var ix = Math.Clamp((int)MathF.Floor(fx + i * fdx + 0.5f), 0, maxX);
            var iy = Math.Clamp((int)MathF.Floor(fy + i * fdy + 0.5f), 0, maxY);
            int x0 = ix >> 8, y0 = iy >> 8;
            int wx = ix & 255, wy = iy & 255;
            var x1 = Math.Min(x0 + 1, lastColumn);
            var y1 = Math.Min(y0 + 1, lastRow);
            var p00 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, y0 * stride + x0 * 4));
            var p01 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, y0 * stride + x1 * 4));
            var p10 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, y1 * stride + x0 * 4));
            var p11 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, y1 * stride + x1 * 4));
            // Weights in 1/256 that sum to exactly 256, so a flat area stays flat and a pixel centre
            // (wx = wy = 0) returns its pixel unchanged.
            var w00 = (uint)(((256 - wx) * (256 - wy) + 128) >> 8);
            var w01 = (uint)((wx * (256 - wy) + 128) >> 8);
            var w10 = (uint)(((256 - wx) * wy + 128) >> 8);
            var w11 = 256 - w00 - w01 - w10;
            // Two channels per 32-bit lane pair (R and B, then G and A): each weighted sum is at most
            // 255 × 256 and fits its 16 bits, so the lanes never carry into each other.
            const uint Mask = 0x00FF00FF;
            var rb = ((p00 & Mask) * w00 + (p01 & Mask) * w01 + (p10 & Mask) * w10 + (p11 & Mask) * w11 + 0x00800080) >> 8;
            var ga = ((p00 >> 8) & Mask) * w00 + ((p01 >> 8) & Mask) * w01 + ((p10 >> 8) & Mask) * w10 + ((p11 >> 8) & Mask) * w11 + 0x00800080;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i * 4), (rb & Mask) | (ga & ~Mask));
        }
    }

    private const int Lanes = 8;

    /// <summary>
    /// Rows shorter than this are sampled one pixel at a time; longer ones wholly by the vector path,
    /// the last block of eight part-filled (a masked store). A face mesh's triangles are small (rows
    /// of a few pixels at 512²), so most pixels used to fall in the scalar tails: the moving region at
    /// 512² took 641–674 µs, now 557 µs (1080p 2,038–2,100 → 1,806 µs; from 1 or 6 pixels up, 577
    /// and 568 µs).
    /// </summary>
    private const int MinVectorPixels = 3;

    /// <summary>
    /// <see cref="SampleRow(Frame, Span{byte}, float, float, float, float)"/> eight pixels at a time (AVX2 gathers), all
    /// <paramref name="count"/> of them. The same arithmetic in the same order
    /// as the scalar loop, so every pixel is bit-identical to it (tested). Positions are clamped as
    /// floats before the conversion to integers, which equals clamping the integers for any finite
    /// position and keeps far-off ones at the edge.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SampleRowAvx2(ref byte src, int stride, ref byte dst, int count, float fx, float fy, float fdx, float fdy,
        int maxX, int maxY, int lastColumn, int lastRow)
    {
        var lane = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
        var vfx = Vector256.Create(fx);
        var vfy = Vector256.Create(fy);
        var vdx = Vector256.Create(fdx);
        var vdy = Vector256.Create(fdy);
        var half = Vector256.Create(0.5f);
        var maxXf = Vector256.Create((float)maxX);
        var maxYf = Vector256.Create((float)maxY);
        // The left pixel of a horizontal pair is at most the one before the last column: the pair is read
        // as one 64-bit element, and its right pixel must lie in the row (see below).
        var lastPairX = Vector256.Create(lastColumn - 1);
        var lastY = Vector256.Create(lastRow);
        var firstHalves = Vector256.Create(0, 1, 4, 5, 0, 0, 0, 0);
        var secondHalves = Vector256.Create(2, 3, 6, 7, 0, 0, 0, 0);
        var rowInts = Vector256.Create(stride / 4);
        var one = Vector256.Create(1);
        var full = Vector256.Create(256);
        var low = Vector256.Create(255);
        var roundWeight = Vector256.Create(128);
        var mask = Vector256.Create(0x00FF00FF);
        var roundChannels = Vector256.Create(0x00800080);
        // The gathers take an address: the source is pinned for the row.
        fixed (byte* bytes = &src)
        fixed (byte* output = &dst)
        {
            var pixels = (int*)bytes;
            for (var i = 0; i < count; i += Lanes)
            {
                var at = Vector256.Create((float)i) + lane;
                var px = Vector256.Floor(vfx + (at * vdx) + half);
                var py = Vector256.Floor(vfy + (at * vdy) + half);
                // Max first with the position as its first operand: a NaN position becomes 0, as in the scalar loop.
                var ix = Vector256.ConvertToInt32(Vector256.Min(Avx.Max(px, Vector256<float>.Zero), maxXf));
                var iy = Vector256.ConvertToInt32(Vector256.Min(Avx.Max(py, Vector256<float>.Zero), maxYf));
                // On the last column (x = maxX, whose x weight is 0) the pair starts one pixel earlier
                // with an x weight of 256: the same two pixels get the same weights as the scalar loop's
                // (0 on the pixel past the row there), so the sums are bit-identical.
                var x0 = Vector256.Min(Vector256.ShiftRightArithmetic(ix, 8), lastPairX);
                var y0 = Vector256.ShiftRightArithmetic(iy, 8);
                var wx = ix - (x0 << 8);
                var wy = iy & low;
                var y1 = Vector256.Min(y0 + one, lastY);
                var (p00, p01) = GatherPairs(pixels, (y0 * rowInts) + x0, firstHalves, secondHalves);
                var (p10, p11) = GatherPairs(pixels, (y1 * rowInts) + x0, firstHalves, secondHalves);
                var w00 = Vector256.ShiftRightArithmetic(((full - wx) * (full - wy)) + roundWeight, 8);
                var w01 = Vector256.ShiftRightArithmetic((wx * (full - wy)) + roundWeight, 8);
                var w10 = Vector256.ShiftRightArithmetic(((full - wx) * wy) + roundWeight, 8);
                var w11 = full - w00 - w01 - w10;
                var rb = Vector256.ShiftRightLogical(((p00 & mask) * w00) + ((p01 & mask) * w01) + ((p10 & mask) * w10) + ((p11 & mask) * w11) + roundChannels, 8);
                var ga = (Vector256.ShiftRightLogical(p00, 8) & mask) * w00 + (Vector256.ShiftRightLogical(p01, 8) & mask) * w01
                    + (Vector256.ShiftRightLogical(p10, 8) & mask) * w10 + (Vector256.ShiftRightLogical(p11, 8) & mask) * w11 + roundChannels;
                var result = (rb & mask) | (ga & ~mask);
                if (i + Lanes <= count)
                {
                    result.StoreUnsafe(ref Unsafe.As<byte, int>(ref Unsafe.Add(ref dst, i * 4)));
                }
                else
                {
                    // The row's last pixels: lanes past its end sampled clamped positions, and are not written.
                    var left = Vector256.LessThan(lane, Vector256.Create((float)(count - i))).AsInt32();
                    Avx2.MaskStore((int*)(output + (i * 4)), left, result);
                }
            }
        }
    }

    /// <summary>
    /// The pixels at <paramref name="left"/> and the ones right of them, for eight lanes: two gathers of
    /// four 64-bit pairs (eight elements) where two 32-bit gathers took sixteen. Lanes 0, 1, 4, 5 and
    /// 2, 3, 6, 7 are gathered apart so that one shuffle per side puts them back in lane order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector256<int> Left, Vector256<int> Right) GatherPairs(int* pixels, Vector256<int> left,
        Vector256<int> firstHalves, Vector256<int> secondHalves)
    {
        var a = Avx2.GatherVector256((long*)pixels, Avx2.PermuteVar8x32(left, firstHalves).GetLower(), 4).AsSingle();
        var b = Avx2.GatherVector256((long*)pixels, Avx2.PermuteVar8x32(left, secondHalves).GetLower(), 4).AsSingle();
        return (Avx.Shuffle(a, b, 0b10_00_10_00).AsInt32(), Avx.Shuffle(a, b, 0b11_01_11_01).AsInt32());
    }
}
