using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Rendering;

/// <summary>
/// Paints what the portrait does not show when the mouth opens: the dark cavity inside the
/// deformed inner-lip contour (darkest in its middle, a hint of tongue low down), a band of
/// upper teeth under the upper lip once the mouth is open enough, and lower teeth on the lower
/// lip (so they move with the jaw) once it is wide open. The edge is anti-aliased over
/// about one pixel.
/// </summary>
internal static class MouthPainter
{
    private const int MaxChain = 32;

    /// <summary>
    /// How much of the painted teeth this portrait's mouth gets (0..1), once for the portrait: all for
    /// lips photographed closed, and for lips photographed apart with no teeth between them (a dark
    /// line, or lip the mesh counts as gap: kept to the gap's size alone, a wide-open jaw showed a flat
    /// black hole on such faces); none where the portrait shows its own teeth.
    /// </summary>
    public static float PaintedTeeth(FaceRig rig, Frame source)
    {
        var r = rig.Regions;
        var n = r.InnerLipUpper.Length;
        if (n < 3 || n != r.InnerLipLower.Length || n > MaxChain) return 0;
        Span<float> rua = stackalloc float[n], rub = stackalloc float[n], rla = stackalloc float[n], rlb = stackalloc float[n];
        if (!RestMouth(rig, rua, rub, rla, rlb, out var left, out var axis, out var down, out var width)) return 0;
        var rest = rig.Positions;
        var restGap = Vector2.Dot(rest[r.InnerLipLower[n / 2]] - rest[r.InnerLipUpper[n / 2]], rig.Frame.Down);
        Span<byte> sample = stackalloc byte[4];
        return Math.Max(1 - FaceRig.SmoothStep(0.03f * width, 0.08f * width, restGap),
            1 - FaceRig.SmoothStep(0.15f, 0.35f, OwnTeethShare(source, left, axis, down, width, rua, rub, rla, rlb, new SkinTone(rig.SkinColor), sample)));
    }

    /// <summary>
    /// The portrait's inner-lip contours in the rest mouth's own frame (from its image-left corner along
    /// the corners' line, and down from it), and that frame; false for a mouth under two pixels wide.
    /// </summary>
    private static bool RestMouth(FaceRig rig, Span<float> ua, Span<float> ub, Span<float> la, Span<float> lb,
        out Vector2 left, out Vector2 axis, out Vector2 down, out float width)
    {
        var r = rig.Regions;
        var rest = rig.Positions;
        left = rest[r.InnerLipUpper[0]];
        axis = rest[r.InnerLipUpper[^1]] - left;
        width = axis.Length();
        down = default;
        if (width < 2) return false;
        axis /= width;
        down = new Vector2(-axis.Y, axis.X);
        for (var i = 0; i < ua.Length; i++)
        {
            var pu = rest[r.InnerLipUpper[i]] - left;
            var pl = rest[r.InnerLipLower[i]] - left;
            ua[i] = Vector2.Dot(pu, axis); ub[i] = Vector2.Dot(pu, down);
            la[i] = Vector2.Dot(pl, axis); lb[i] = Vector2.Dot(pl, down);
        }
        return true;
    }

    /// <summary>
    /// Paints the mouth for deformed <paramref name="positions"/>, with <paramref name="paintedTeeth"/>
    /// of the painted teeth (<see cref="PaintedTeeth"/>); does nothing when the lips have not parted
    /// beyond the portrait's own gap.
    /// </summary>
    public static void Paint(FaceRig rig, ReadOnlySpan<Vector2> positions, Frame source, Frame destination, float paintedTeeth)
    {
        var r = rig.Regions;
        var upperIdx = r.InnerLipUpper;
        var lowerIdx = r.InnerLipLower;
        var n = upperIdx.Length;
        if (n < 3 || n != lowerIdx.Length || n > MaxChain) return;

        // The deformed mouth's own frame, from its corners: the head may have rolled.
        var left = positions[upperIdx[0]];
        var rightCorner = positions[upperIdx[^1]];
        var axis = rightCorner - left;
        var width = axis.Length();
        if (width < 2) return;
        var ax = axis / width;
        var down = new Vector2(-ax.Y, ax.X);

        var mid = n / 2;
        var restDown = rig.Frame.Down;
        var rest = rig.Positions;
        var restGap = Vector2.Dot(rest[lowerIdx[mid]] - rest[upperIdx[mid]], restDown);
        var gap = Vector2.Dot(positions[lowerIdx[mid]] - positions[upperIdx[mid]], down);
        var opened = gap - restGap;
        // Below half a pixel of extra opening the stretched lips still look like lips.
        var cavityAlpha = FaceRig.SmoothStep(0.5f, 2.5f, opened);
        // Lips photographed apart and pressed together (silence, p, b, m) would still show a thread of
        // the teeth squeezed between them, which reads as a mouth ajar: the closing lips meet in a
        // seam of shadowed lip colour instead.
        var seamAlpha = restGap > 1.5f ? FaceRig.SmoothStep(0.4f, 0.9f, 1 - (gap / restGap)) : 0;
        if (cavityAlpha <= 0 && seamAlpha <= 0) return;
        var teethAlpha = FaceRig.SmoothStep(0.04f * width, 0.12f * width, gap);
        // A portrait with parted lips shows its own teeth: those stay attached to their lip (upper
        // teeth to the upper lip, lower teeth to the lower) instead of being stretched; the painted
        // teeth are for the mouths that show none (paintedTeeth).
        Span<float> rua = stackalloc float[n], rub = stackalloc float[n], rla = stackalloc float[n], rlb = stackalloc float[n];
        if (!RestMouth(rig, rua, rub, rla, rlb, out var restLeft, out var restAxis, out var restDownM, out var restWidth)) return;
        Span<byte> sample = stackalloc byte[4];

        Span<float> ua = stackalloc float[n], ub = stackalloc float[n], la = stackalloc float[n], lb = stackalloc float[n];
        var bounds = new PointBounds();
        for (var i = 0; i < n; i++)
        {
            var pu = positions[upperIdx[i]];
            var pl = positions[lowerIdx[i]];
            ua[i] = Vector2.Dot(pu - left, ax); ub[i] = Vector2.Dot(pu - left, down);
            la[i] = Vector2.Dot(pl - left, ax); lb[i] = Vector2.Dot(pl - left, down);
            bounds.Add(pu);
            bounds.Add(pl);
        }

        var interior = rig.MouthInteriorColor;
        var lip = rig.LipColor;
        var teeth = rig.TeethColor;
        var box = bounds.ToPixelRect().Inflate(1).ClampTo(destination.Width, destination.Height);
        var (x0, x1, y0, y1) = (box.X, box.Right, box.Y, box.Bottom);
        var teethDepth = 0.10f * width; // visible height of the upper incisors when the mouth is wide open
        // The lower incisors show only once the jaw has dropped well: the lower lip hides them before.
        var lowerTeethDepth = 0.06f * width;
        var lowerTeethAlpha = FaceRig.SmoothStep(0.12f * width, 0.25f * width, gap);
        for (var y = y0; y < y1; y++)
        {
            var row = destination.GetRowSpan(y);
            for (var x = x0; x < x1; x++)
            {
                var d = new Vector2(x + 0.5f, y + 0.5f) - left;
                var a = Vector2.Dot(d, ax);
                var b = Vector2.Dot(d, down);
                if (a <= 0 || a >= width) continue;
                var bu = Interpolate(ua, ub, a);
                var bl = Interpolate(la, lb, a);
                var h = bl - bu;
                if (h <= 0) continue;
                // Coverage from the vertical distance to the nearer lip, one pixel of ramp.
                var coverage = Math.Clamp(Math.Min(b - bu, bl - b) + 0.5f, 0, 1);
                if (coverage <= 0) continue;

                if (cavityAlpha <= 0)
                {
                    var seam = coverage * seamAlpha;
                    var so = x * 4;
                    row[so] = (byte)(row[so] + seam * (lip.R * 0.55f - row[so]) + 0.5f);
                    row[so + 1] = (byte)(row[so + 1] + seam * (lip.G * 0.45f - row[so + 1]) + 0.5f);
                    row[so + 2] = (byte)(row[so + 2] + seam * (lip.B * 0.45f - row[so + 2]) + 0.5f);
                    continue;
                }

                var s = 2 * a / width - 1;          // -1 left corner .. 1 right corner
                var t = Math.Clamp((b - bu) / h, 0, 1); // 0 at the upper lip .. 1 at the lower
                // Darker towards the middle and the back of the mouth; lighter where lips are near.
                var r2 = Math.Min(1, s * s + 0.8f * (2 * t - 1) * (2 * t - 1));
                var shade = 0.45f + 0.55f * r2;
                float cr = interior.R * shade, cg = interior.G * shade, cb = interior.B * shade;
                // A hint of tongue: the lower part of a wide-open mouth takes a darkened lip tone.
                var tongue = 0.45f * teethAlpha * FaceRig.SmoothStep(0.6f, 1f, t) * (1 - s * s);
                cr += tongue * (lip.R * 0.55f - cr); cg += tongue * (lip.G * 0.45f - cg); cb += tongue * (lip.B * 0.45f - cb);

                // The portrait's own mouth content, each half riding on its lip.
                var ra = a / width * restWidth;
                var rbu = Interpolate(rua, rub, ra);
                var rbl = Interpolate(rla, rlb, ra);
                var half = (rbl - rbu) / 2;
                float du = b - bu, dl = bl - b;
                if (half > 0.25f && Math.Min(du, dl) < half + 0.5f)
                {
                    var fromUpper = du <= dl;
                    var srcB = fromUpper ? rbu + du : rbl - dl;
                    var src = restLeft + ra * restAxis + srcB * restDownM;
                    MeshWarp.SampleRow(source, sample, src.X, src.Y, 0, 0);
                    var own = Math.Clamp(half - (fromUpper ? du : dl) + 0.5f, 0, 1);
                    cr += own * (sample[0] - cr); cg += own * (sample[1] - cg); cb += own * (sample[2] - cb);
                }

                if (lowerTeethAlpha * paintedTeeth > 0)
                {
                    // Lower teeth: a lower, narrower band standing on the lower lip, so they ride with
                    // the jaw; in the mouth's shadow, lit at their edges.
                    var band = Math.Min(lowerTeethDepth, 0.3f * h) * (1 - 1.2f * s * s);
                    var depthIn = bl - b;
                    var inBand = Math.Clamp(band - depthIn + 0.5f, 0, 1) * FaceRig.SmoothStep(0.45f, 0.75f, 1 - MathF.Abs(s));
                    if (inBand > 0)
                    {
                        var lit = (0.5f + 0.35f * (1 - s * s)) * (0.7f + 0.3f * FaceRig.SmoothStep(0.4f * band, band + 0.5f, depthIn));
                        var tooth = s * 3.5f;
                        var seam = MathF.Abs(tooth - MathF.Round(tooth));
                        lit *= 0.8f + 0.2f * FaceRig.SmoothStep(0.03f, 0.12f, seam);
                        var ta = lowerTeethAlpha * paintedTeeth * inBand;
                        cr += ta * (teeth.R * lit - cr); cg += ta * (teeth.G * lit - cg); cb += ta * (teeth.B * lit - cb);
                    }
                }

                if (teethAlpha * paintedTeeth > 0)
                {
                    // Upper teeth: a band hanging from the upper lip, shorter and shadowed towards the corners.
                    var band = Math.Min(teethDepth, 0.45f * h) * (1 - 0.6f * s * s);
                    var depthIn = b - bu;
                    var inBand = Math.Clamp(band - depthIn + 0.5f, 0, 1) * FaceRig.SmoothStep(0.15f, 0.45f, 1 - MathF.Abs(s));
                    if (inBand > 0)
                    {
                        // Lit in the middle, shadowed under the lip and towards the corners.
                        var lit = (0.5f + 0.4f * (1 - s * s)) * (0.75f + 0.25f * FaceRig.SmoothStep(0, 0.35f * band + 0.5f, depthIn));
                        // Faint seams between teeth (about eight across the mouth), so the band does not read as a strip.
                        var tooth = s * 4.2f;
                        var seam = MathF.Abs(tooth - MathF.Round(tooth));
                        lit *= 0.82f + 0.18f * FaceRig.SmoothStep(0.03f, 0.12f, seam);
                        var ta = teethAlpha * paintedTeeth * inBand;
                        cr += ta * (teeth.R * lit - cr); cg += ta * (teeth.G * lit - cg); cb += ta * (teeth.B * lit - cb);
                    }
                }

                var alpha = coverage * cavityAlpha;
                var o = x * 4;
                row[o] = (byte)(row[o] + alpha * (cr - row[o]) + 0.5f);
                row[o + 1] = (byte)(row[o + 1] + alpha * (cg - row[o + 1]) + 0.5f);
                row[o + 2] = (byte)(row[o + 2] + alpha * (cb - row[o + 2]) + 0.5f);
            }
        }
    }

    /// <summary>
    /// The share of the portrait's own gap between the lips (its middle 60 %, a pixel in from each lip)
    /// that looks like teeth: at least 0.75 of the skin's luma and at most 0.85 of its chroma (teeth in
    /// warm light: 0.03–0.82 of it; lips and skin 0.9–1.2, and the gap's shadow is dark).
    /// </summary>
    private static float OwnTeethShare(Frame source, Vector2 left, Vector2 axis, Vector2 down, float width,
        ReadOnlySpan<float> ua, ReadOnlySpan<float> ub, ReadOnlySpan<float> la, ReadOnlySpan<float> lb, SkinTone skin, Span<byte> sample)
    {
        int teeth = 0, count = 0;
        for (var c = 0; c < 9; c++)
        {
            var a = (0.2f + 0.075f * c) * width;
            float top = Interpolate(ua, ub, a) + 1, bottom = Interpolate(la, lb, a) - 1;
            for (var k = 0; k < 5 && bottom > top; k++)
            {
                var p = left + a * axis + (top + (k + 0.5f) / 5 * (bottom - top)) * down;
                MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
                count++;
                if (SkinTone.Luma601(sample[0], sample[1], sample[2]) >= 0.75f * skin.Luma
                    && SkinTone.ChromaOf(sample[0], sample[1], sample[2]) <= 0.85f * skin.Chroma) teeth++;
            }
        }
        return count == 0 ? 0 : (float)teeth / count;
    }

    /// <summary>The chain's b at abscissa a, linearly between its points (a chain runs left to right).</summary>
    internal static float Interpolate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float x)
    {
        if (x <= a[0]) return b[0];
        for (var i = 1; i < a.Length; i++)
        {
            if (x > a[i]) continue;
            var span = a[i] - a[i - 1];
            return span > 1e-6f ? b[i - 1] + (x - a[i - 1]) / span * (b[i] - b[i - 1]) : b[i];
        }
        return b[^1];
    }
}
