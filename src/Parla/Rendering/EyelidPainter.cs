using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Rendering;

/// <summary>
/// Paints closing eyelids. The warp alone squeezes the eye and stretches the lash line into a dark
/// band, which reads as a squint; a real blink covers the eye with lid skin. So once an eye is
/// mostly closed, the area the lid has swept over is painted with skin taken from the portrait's
/// own lid (above the lashes, column by column, so its texture and lighting belong to the face)
/// and a thin lash line is drawn along the closed lid margin.
/// </summary>
internal static class EyelidPainter
{
    private const int MaxChain = 32;

    public static void Paint(FaceRig rig, ReadOnlySpan<Vector2> positions, Frame source, Frame destination, float blinkImageLeft, float blinkImageRight)
    {
        var r = rig.Regions;
        PaintEye(rig, positions, r.ImageLeftEyeUpper, r.ImageLeftEyeLower, source, destination, blinkImageLeft);
        PaintEye(rig, positions, r.ImageRightEyeUpper, r.ImageRightEyeLower, source, destination, blinkImageRight);
    }

    private static void PaintEye(FaceRig rig, ReadOnlySpan<Vector2> positions, int[] upper, int[] lower, Frame source, Frame destination, float amount)
    {
        // Skin fades in over the second half of the closure: a half-closed lid is still the warped one.
        var skinAlpha = FaceRig.SmoothStep(0.35f, 0.85f, amount);
        if (skinAlpha <= 0 || upper.Length < 3 || upper.Length > MaxChain) return;
        var rest = rig.Positions;
        var n = upper.Length;

        // The eye's frame from its deformed corners (the head may have rolled).
        var eye = new ContourFrame(positions[upper[0]], positions[upper[^1]]);
        var c0 = eye.Origin;
        var width = eye.Width;
        if (width < 3) return;
        var ax = eye.Axis;
        var down = eye.Down;
        var restC0 = rest[upper[0]];
        var restAxis = rest[upper[^1]] - restC0;
        var restWidth = restAxis.Length();
        if (restWidth < 3) return;
        restAxis /= restWidth;
        var restDown = new Vector2(-restAxis.Y, restAxis.X);

        // Top of the painted area: the open lid margin raised by the lashes' thickness; bottom: the
        // deformed (closing) margin. Both as b(a) chains in the deformed eye frame.
        var lashes = 0.12f * width; // part of the way to the crease: a closing lid unfolds it
        Span<float> ta = stackalloc float[n], tb = stackalloc float[n], ba = stackalloc float[n], bb = stackalloc float[n];
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        for (var i = 0; i < n; i++)
        {
            var top = rest[upper[i]] - c0 - lashes * down;
            var bottom = positions[upper[i]] - c0;
            ta[i] = Vector2.Dot(top, ax); tb[i] = Vector2.Dot(top, down);
            ba[i] = Vector2.Dot(bottom, ax); bb[i] = Vector2.Dot(bottom, down);
            var pt = top + c0;
            var pb = bottom + c0;
            minX = Math.Min(minX, Math.Min(pt.X, pb.X)); maxX = Math.Max(maxX, Math.Max(pt.X, pb.X));
            minY = Math.Min(minY, Math.Min(pt.Y, pb.Y)); maxY = Math.Max(maxY, Math.Max(pt.Y, pb.Y));
        }
        // The lower margin too: the lash line sits where the lids meet.
        for (var i = 0; i < lower.Length; i++)
        {
            var p = positions[lower[i]];
            maxY = Math.Max(maxY, p.Y + 2); minY = Math.Min(minY, p.Y - 2);
        }

        // The open upper margin in the portrait's own eye frame, for sampling its lid.
        Span<float> rta = stackalloc float[n], rtb = stackalloc float[n];
        for (var i = 0; i < n; i++)
        {
            var p = rest[upper[i]] - restC0;
            rta[i] = Vector2.Dot(p, restAxis); rtb[i] = Vector2.Dot(p, restDown);
        }
        Span<byte> sample = stackalloc byte[4];
        Span<int> lum = stackalloc int[5];
        Span<int> rgb = stackalloc int[15];
        var lid = LidColor(rig, source, restC0, restAxis, restDown, restWidth, sample, lum, rgb);
        var lashAlpha = FaceRig.SmoothStep(0.5f, 0.95f, amount);
        var lashWidth = Math.Max(1.2f, 0.06f * width);
        var feather = Math.Max(1f, 0.15f * width);
        var x0 = Math.Max(0, (int)MathF.Floor(minX) - 2);
        var x1 = Math.Min(destination.Width, (int)MathF.Ceiling(maxX) + 2);
        var y0 = Math.Max(0, (int)MathF.Floor(minY) - 2);
        var y1 = Math.Min(destination.Height, (int)MathF.Ceiling(maxY) + 2);
        for (var y = y0; y < y1; y++)
        {
            var row = destination.GetRowSpan(y);
            for (var x = x0; x < x1; x++)
            {
                var (a, b) = eye.OfPixel(x, y);
                if (a <= 0 || a >= width) continue;
                var top = MouthPainter.Interpolate(ta, tb, a);
                var bottom = MouthPainter.Interpolate(ba, bb, a);
                var s = 2 * a / width - 1; // -1 .. 1 across the eye
                // Lid skin between the raised open margin and the closing margin, anti-aliased over a pixel.
                // Feathered into the open lid above over a tenth of the eye's width, one pixel at the margin.
                var coverage = Math.Min(FaceRig.SmoothStep(0, feather, b - top), Math.Clamp(bottom - b + 0.5f, 0, 1))
                    * (1 - FaceRig.SmoothStep(0.75f, 1f, MathF.Abs(s)));
                // Lash line: a dark band on the closing margin, thinning towards the corners.
                var lashHalf = 0.5f * lashWidth * (1 - 0.7f * s * s);
                var lash = Math.Clamp(lashHalf - MathF.Abs(b - bottom) + 0.5f, 0, 1) * lashAlpha;
                if (coverage <= 0 && lash <= 0) continue;

                var o = x * 4;
                float cr = row[o], cg = row[o + 1], cb = row[o + 2];
                if (coverage > 0)
                {
                    // A lid is a curved surface: a little darker near its margin.
                    var t = Math.Clamp((b - top) / Math.Max(1f, bottom - top), 0, 1);
                    var shade = 0.97f - 0.10f * t * t;
                    var k = coverage * skinAlpha;
                    // The lid's own skin continued downwards: mirror the band above the painted area at
                    // 0.6 scale, so the texture meets the open lid without a seam; a quarter of the
                    // mean lid colour evens out lashes and crease lines caught in the band.
                    var ra = a / width * restWidth;
                    var up = Math.Min(0.45f * restWidth, lashes + 0.6f * Math.Max(0, b - top));
                    var src = restC0 + ra * restAxis + (MouthPainter.Interpolate(rta, rtb, ra) - up) * restDown;
                    MeshWarp.SampleRow(source, sample, src.X, src.Y, 0, 0);
                    float lr = 0.75f * sample[0] + 0.25f * lid.X, lg = 0.75f * sample[1] + 0.25f * lid.Y, lb = 0.75f * sample[2] + 0.25f * lid.Z;
                    cr += k * (lr * shade - cr); cg += k * (lg * shade - cg); cb += k * (lb * shade - cb);
                }
                if (lash > 0)
                {
                    cr += lash * (cr * 0.28f - cr); cg += lash * (cg * 0.25f - cg); cb += lash * (cb * 0.25f - cb);
                }
                row[o] = (byte)Math.Clamp(cr + 0.5f, 0, 255);
                row[o + 1] = (byte)Math.Clamp(cg + 0.5f, 0, 255);
                row[o + 2] = (byte)Math.Clamp(cb + 0.5f, 0, 255);
            }
        }
    }

    /// <summary>
    /// The closed lid's colour: the portrait's lid skin above the lashes (at seven places across the
    /// eye, each the median by brightness of five samples up the lid, so lashes, crease shadow and
    /// highlights do not count), averaged, then mixed with a fifth of the cheek skin: a lid in
    /// shadow in the portrait is lit once it covers the eye.
    /// </summary>
    private static Vector3 LidColor(FaceRig rig, Frame source, Vector2 c0, Vector2 axis, Vector2 down, float width,
        Span<byte> sample, Span<int> lum, Span<int> rgb)
    {
        var sum = Vector3.Zero;
        const int columns = 7;
        for (var c = 0; c < columns; c++)
        {
            var foot = c0 + (0.2f + 0.6f * c / (columns - 1)) * width * axis;
            for (var k = 0; k < 5; k++)
            {
                var src = foot - (0.12f + 0.05f * k) * width * down;
                MeshWarp.SampleRow(source, sample, src.X, src.Y, 0, 0);
                rgb[3 * k] = sample[0]; rgb[3 * k + 1] = sample[1]; rgb[3 * k + 2] = sample[2];
                lum[k] = 2 * sample[0] + 5 * sample[1] + sample[2];
            }
            var m = MedianIndex(lum);
            sum += new Vector3(rgb[3 * m], rgb[3 * m + 1], rgb[3 * m + 2]);
        }
        var skin = rig.SkinColor;
        return 0.8f * (sum / columns) + 0.2f * new Vector3(skin.R, skin.G, skin.B);
    }

    /// <summary>Index of the median of five values.</summary>
    private static int MedianIndex(ReadOnlySpan<int> v)
    {
        for (var i = 0; i < v.Length; i++)
        {
            int below = 0, equal = 0;
            for (var j = 0; j < v.Length; j++)
            {
                if (v[j] < v[i]) below++;
                else if (v[j] == v[i]) equal++;
            }
            if (below <= v.Length / 2 && below + equal > v.Length / 2) return i;
        }
        return 0;
    }
}
