using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Rendering;

/// <summary>
/// Closes an eye as drawn rather than photographed. An anime character's or a cartoon's eye can be
/// far taller than a real one, and the face mesh fits a real eye into its upper part: closing the
/// mesh's lids would leave the lower half of the iris staring. Such an eye is told by how far the
/// not-skin below the mesh's lower margin goes on (<see cref="Find"/>, which also measures how far
/// it reaches above and past the corners); a blink paints the drawn eye, a rounded oval, over with the
/// skin beside it, and draws the closed lid as a drawing would: one dark arc.
/// </summary>
internal static class DrawnEyePainter
{
    /// <summary>An eye counts as drawn when it goes on this far below the mesh's lower margin, in eye widths (a real eye's lashes and waterline: under 0.2).</summary>
    private const float MinDepthBelowMargin = 0.4f;

    /// <summary>A drawn iris is darker than the skin it is drawn on: its run's mean luma is at most this share of the skin's (Sylvie's: 0.53–0.65; a photographed cool under-eye: 0.99).</summary>
    private const float MaxIrisLuma = 0.8f;

    /// <summary>How far past each of the mesh's corners the drawn eye may reach, in eye widths: at least the first, at most the second.</summary>
    private const float MinPastCorner = 0.1f, MaxPastCorner = 0.5f;

    /// <summary>How far above the mesh's upper margin the drawn eye (its upper outline) is taken to reach, in eye widths: at least the first, at most the second.</summary>
    private const float MinAboveMargin = 0.15f, MaxAboveMargin = 0.25f;

    /// <summary>A drawn eye: how far below the mesh's lower margin it goes on and past either corner (portrait pixels), and the skin's colour beside it.</summary>
    public readonly record struct DrawnEye(float Depth, float Above, float PastLeft, float PastRight, Vector3 Skin);

    /// <summary>
    /// The eye as drawn, or null for an eye drawn no deeper than a real one: in five central columns,
    /// the run of pixels unlike the skin below the mesh's lower margin before a tenth of the eye's
    /// width of skin-like ones (a highlight or a white is not the end of the eye); its median, the
    /// same runs above the upper margin and sideways from the corners, and the brightest skin seen.
    /// </summary>
    public static DrawnEye? Find(Frame source, ContourFrame restEye, ReadOnlySpan<float> upperA, ReadOnlySpan<float> upperB,
        ReadOnlySpan<float> lowerA, ReadOnlySpan<float> lowerB, SkinTone skin, Span<byte> sample)
    {
        var width = restEye.Width;
        var streak = Math.Max(2, 0.1f * width);
        Span<float> runs = stackalloc float[5];
        Span<(float Luma, Vector3 Color)> skinSeen = stackalloc (float, Vector3)[runs.Length + 2];
        var seen = 0;
        for (var c = 0; c < runs.Length; c++)
        {
            var a = (0.3f + 0.1f * c) * width;
            var margin = MouthPainter.Interpolate(lowerA, lowerB, a);
            runs[c] = Run(source, restEye, a, margin, 0, 1, 1.2f * width, streak, skin, sample);
            // The streak's last pixel: clear of the outline's anti-aliased edge.
            if (runs[c] < 1.2f * width) Consider(sample, skin, skinSeen, ref seen);
        }
        runs.Sort();
        var depth = runs[2];
        if (depth < MinDepthBelowMargin * width) return null;
        if (!LooksLikeADrawnIris(source, restEye, lowerA, lowerB, depth, skin, sample)) return null;
        // The fill: the brightest skin found below the eye and beside it (a drawn lid is the lit skin's
        // colour; just below the eye there may be a shadow line or a blush).
        foreach (var a in (ReadOnlySpan<float>)[-0.7f * width, 1.7f * width])
        {
            var p = restEye.Origin + a * restEye.Axis + MouthPainter.Interpolate(lowerA, lowerB, Math.Clamp(a, 0, width)) * restEye.Down;
            MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
            Consider(sample, skin, skinSeen, ref seen);
        }
        if (seen == 0) return null;
        var skinColor = Brightest(skinSeen[..seen]);
        // Upwards from the upper margin the same way (the mesh may sit in the drawn eye's middle).
        for (var c = 0; c < runs.Length; c++)
        {
            var a = (0.3f + 0.1f * c) * width;
            runs[c] = Run(source, restEye, a, MouthPainter.Interpolate(upperA, upperB, a), 0, -1, MaxAboveMargin * width, streak, skin, sample);
        }
        runs.Sort();
        var above = Math.Clamp(runs[2], MinAboveMargin * width, MaxAboveMargin * width);
        // Sideways from each corner, half way down the drawn eye.
        var middle = 0.5f * (depth - above);
        var pastLeft = Math.Clamp(Run(source, restEye, 0, middle, -1, 0, MaxPastCorner * width, streak, skin, sample), MinPastCorner * width, MaxPastCorner * width);
        var pastRight = Math.Clamp(Run(source, restEye, width, middle, 1, 0, MaxPastCorner * width, streak, skin, sample), MinPastCorner * width, MaxPastCorner * width);
        return new DrawnEye(depth, above, pastLeft, pastRight, skinColor);
    }

    /// <summary>
    /// Whether what lies below the mesh's lower margin, down to <paramref name="depth"/> in the five central
    /// columns, is a drawn iris: on average darker than the skin (at most <see cref="MaxIrisLuma"/> of its
    /// luma) and more colourful than it. In a photograph the same run can be a cool-toned under-eye as
    /// light as the face (a downcast eye the mesh sits above), or a black liner: both greyer than skin,
    /// and a drawn eye's oval painted there is a flat disc on a real face.
    /// </summary>
    private static bool LooksLikeADrawnIris(Frame source, ContourFrame restEye, ReadOnlySpan<float> lowerA, ReadOnlySpan<float> lowerB,
        float depth, SkinTone skin, Span<byte> sample)
    {
        var width = restEye.Width;
        float luma = 0, chroma = 0;
        var count = 0;
        for (var c = 0; c < 5; c++)
        {
            var a = (0.3f + 0.1f * c) * width;
            var margin = MouthPainter.Interpolate(lowerA, lowerB, a);
            for (var t = 0f; t < depth; t += 1)
            {
                var p = restEye.Origin + (a * restEye.Axis) + ((margin + t) * restEye.Down);
                MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
                luma += SkinTone.Luma601(sample[0], sample[1], sample[2]);
                chroma += SkinTone.ChromaOf(sample[0], sample[1], sample[2]);
                count++;
            }
        }
        return count > 0 && luma / count <= MaxIrisLuma * skin.Luma && chroma / count > skin.Chroma;
    }

    /// <summary>
    /// How far from (a, b) along (da, db), in the eye frame, pixels unlike the skin go on before a streak
    /// of skin-like ones (<paramref name="limit"/> if they do not end); the last pixel read stays in <paramref name="sample"/>.
    /// </summary>
    private static float Run(Frame source, ContourFrame frame, float a, float b, float da, float db, float limit, float streak, SkinTone skin, Span<byte> sample)
    {
        float run = 0, skinLike = 0;
        for (var t = 0f; t < limit; t += 1)
        {
            var p = frame.Origin + ((a + (t * da)) * frame.Axis) + ((b + (t * db)) * frame.Down);
            MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
            if (!skin.Resembles(sample[0], sample[1], sample[2]))
            {
                skinLike = 0;
                run = t + 1;
            }
            else if (++skinLike >= streak)
            {
                return run;
            }
        }
        return limit;
    }

    private static void Consider(ReadOnlySpan<byte> pixel, SkinTone skin, Span<(float Luma, Vector3 Color)> seen, ref int count)
    {
        if (skin.Resembles(pixel[0], pixel[1], pixel[2]))
            seen[count++] = (SkinTone.Luma601(pixel[0], pixel[1], pixel[2]), new Vector3(pixel[0], pixel[1], pixel[2]));
    }

    private static Vector3 Brightest(Span<(float Luma, Vector3 Color)> seen)
    {
        var best = seen[0];
        foreach (var s in seen[1..]) if (s.Luma > best.Luma) best = s;
        return best.Color;
    }

    /// <summary>
    /// Paints the drawn eye closed by <paramref name="amount"/>: the oval covered with the skin as the
    /// lid comes down (over the second half of the closure, as the mesh's lids close in the first),
    /// the closed lid's arc drawn through its lower part as it shuts.
    /// </summary>
    public static void Paint(Frame destination, ContourFrame eye, ContourFrame restEye, ReadOnlySpan<float> upperA, ReadOnlySpan<float> upperB,
        ReadOnlySpan<float> lowerA, ReadOnlySpan<float> lowerB, DrawnEye drawn, float amount)
    {
        var skinAlpha = FaceRig.SmoothStep(0.35f, 0.85f, amount);
        if (skinAlpha <= 0) return;
        var width = eye.Width;
        var scale = restEye.Width / width; // portrait pixels per frame pixel
        var (left, right) = (-drawn.PastLeft / scale, width + (drawn.PastRight / scale));
        var (centre, halfWidth) = (0.5f * (left + right), 0.5f * (right - left));
        var lashAlpha = FaceRig.SmoothStep(0.5f, 0.95f, amount);
        var lashHalf = Math.Max(0.8f, 0.04f * width);
        var feather = Math.Max(1, 0.05f * width); // the oval's edge, soft over a twentieth of the eye's width
        var lowest = float.MinValue;
        for (var i = 0; i < lowerB.Length; i++) lowest = Math.Max(lowest, lowerB[i]);
        var highest = float.MaxValue;
        for (var i = 0; i < upperB.Length; i++) highest = Math.Min(highest, upperB[i]);
        var bounds = new PointBounds();
        foreach (var (a, b) in new[] { (left, (highest - drawn.Above) / scale), (right, (highest - drawn.Above) / scale),
                     (left, (lowest + drawn.Depth) / scale), (right, (lowest + drawn.Depth) / scale) })
        {
            bounds.Add(eye.Origin + (a * eye.Axis) + (b * eye.Down));
        }
        var box = bounds.ToPixelRect().Inflate(2).ClampTo(destination.Width, destination.Height);
        for (var y = box.Y; y < box.Bottom; y++)
        {
            var row = destination.GetRowSpan(y);
            for (var x = box.X; x < box.Right; x++)
            {
                var (a, b) = eye.OfPixel(x, y);
                var u = (a - centre) / halfWidth;
                if (MathF.Abs(u) >= 1) continue;
                // The oval: between the upper outline and the drawn eye's bottom, narrowing to the ends.
                var ra = Math.Clamp(a * scale, 0, restEye.Width);
                var top = (MouthPainter.Interpolate(upperA, upperB, ra) - drawn.Above) / scale;
                var bottom = (MouthPainter.Interpolate(lowerA, lowerB, ra) + drawn.Depth) / scale;
                var u2 = u * u;
                var round = MathF.Sqrt(MathF.Sqrt(1 - (u2 * u2))); // a superellipse: drawn eyes are fuller than ellipses
                var middle = 0.5f * (top + bottom);
                var half = 0.5f * (bottom - top) * round;
                var cover = Math.Clamp((half - MathF.Abs(b - middle) + 0.5f) / feather, 0, 1) * skinAlpha;
                // The closed lid: an arc through the oval's lower part, thinning to the ends.
                var arc = middle + (0.35f * half);
                var line = Math.Clamp((lashHalf * MathF.Sqrt(round)) - MathF.Abs(b - arc) + 0.5f, 0, 1) * lashAlpha * FaceRig.SmoothStep(0.2f, 0.5f, round); // ending inside the oval's ends
                if (cover <= 0 && line <= 0) continue;
                var o = x * 4;
                float cr = row[o], cg = row[o + 1], cb = row[o + 2];
                cr += cover * (drawn.Skin.X - cr); cg += cover * (drawn.Skin.Y - cg); cb += cover * (drawn.Skin.Z - cb);
                cr += line * ((cr * 0.25f) - cr); cg += line * ((cg * 0.22f) - cg); cb += line * ((cb * 0.25f) - cb);
                row[o] = (byte)Math.Clamp(cr + 0.5f, 0, 255);
                row[o + 1] = (byte)Math.Clamp(cg + 0.5f, 0, 255);
                row[o + 2] = (byte)Math.Clamp(cb + 0.5f, 0, 255);
            }
        }
    }
}
