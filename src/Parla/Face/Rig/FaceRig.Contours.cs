using System.Numerics;
using Parla.Media;

namespace Parla.Face.Rig;

// The landmark contours set right before the mesh is made from them: lids and lips kept apart, lips
// drawn as a line given some thickness, lips moved off the teeth a smile shows. Only the mesh moves,
// never the picture: at rest every frame is still the portrait.
public sealed partial record FaceRig
{
    /// <summary>Keeps the inner points of a contour pair (lips, lids) at least <paramref name="minGap"/> apart along the face's down, moving the lower ones.</summary>
    private static void KeepGap(List<Vector2> p, FaceFrame frame, ContourPair pair, float minGap)
    {
        if (pair.Upper.Length != pair.Lower.Length) return;
        for (var i = 1; i < pair.Upper.Length - 1; i++)
        {
            var gap = Vector2.Dot(p[pair.Lower[i]] - p[pair.Upper[i]], frame.Down);
            if (gap < minGap) p[pair.Lower[i]] += (minGap - gap) * frame.Down;
        }
    }

    /// <summary>
    /// Gives lips drawn as a single line (an illustration) some thickness in the mesh: the points of
    /// the upper lip within <paramref name="thickness"/> of the inner upper contour are spread upwards
    /// (the band three thicknesses deep is squeezed into the upper two, keeping their order), the
    /// lower lip's downwards, tapering to nothing at the corners. Photographed lips are thicker than
    /// this and are left alone. Without it the jaw's pull, which must change from nothing to full
    /// across the inner contour, would change across triangles a pixel tall and fold them; only the
    /// mesh moves, not the picture, so the portrait at rest is unchanged.
    /// </summary>
    private static void KeepLipsThick(List<Vector2> p, int landmarkCount, FaceFrame frame, FaceTopology topology, float thickness)
    {
        var inner = topology.InnerLips;
        var n = Math.Min(inner.Upper.Length, inner.Lower.Length);
        if (n < 3 || thickness <= 0) return;
        var ux = new float[n];
        var uy = new float[n];
        var lx = new float[n];
        var ly = new float[n];
        for (var i = 0; i < n; i++)
        {
            var u = frame.ToFace(p[inner.Upper[i]]);
            var l = frame.ToFace(p[inner.Lower[i]]);
            (ux[i], uy[i], lx[i], ly[i]) = (u.X, u.Y, l.X, l.Y);
        }
        var left = ux[0];
        var right = ux[^1];
        if (right - left < 1) return;
        var centre = (left + right) / 2;
        var half = (right - left) / 2;
        var onContour = new HashSet<int>(inner.Upper.Concat(inner.Lower));
        for (var v = 0; v < landmarkCount; v++)
        {
            if (onContour.Contains(v)) continue;
            var f = frame.ToFace(p[v]);
            if (f.X <= left || f.X >= right) continue;
            var across = (f.X - centre) / half;
            var need = thickness * (1 - across * across);
            if (need < 0.05f) continue;
            var up = InterpolateClamped(ux, uy, f.X);
            var down = InterpolateClamped(lx, ly, f.X);
            var mid = (up + down) / 2;
            float target;
            if (f.Y < mid)
            {
                if (f.Y <= up - 3 * need) continue;
                // [up − 3 need, up] → [up − 3 need, up − need]; anything between the contour and the middle to its top.
                target = f.Y >= up ? up - need : up - 3 * need + ((f.Y - (up - 3 * need)) * 2 / 3);
            }
            else
            {
                if (f.Y >= down + 3 * need) continue;
                target = f.Y <= down ? down + need : down + 3 * need - ((down + 3 * need - f.Y) * 2 / 3);
            }
            p[v] += (target - f.Y) * frame.Down;
        }
    }

    /// <summary>
    /// On a portrait smiling with its teeth shown, FaceMesh often puts the inner lip contours a few
    /// pixels inside the teeth rather than at their edge: the teeth beyond a contour then belong to the
    /// lip, and lips pressed shut (silence, m, b, p) still showed a band of them beside the seam. Where
    /// the middle of the gap is teeth (lighter and greyer than the lips), each lip's contour is moved out
    /// to where the teeth end (at most three quarters of the lip's depth), and the lip's points beyond
    /// it are squeezed into the rest of the lip, their order kept. Only the mesh moves, not the picture.
    /// Gives how much wider the gap between the lips' middles became (<see cref="TeethInLipGapPixels"/>).
    /// </summary>
    private static float LipsOffTheTeeth(List<Vector2> p, int landmarkCount, FaceFrame frame, FaceTopology topology, Frame image)
    {
        var inner = topology.InnerLips;
        var outer = topology.OuterLips;
        var n = inner.Upper.Length;
        if (n < 5 || n != inner.Lower.Length) return 0;
        // The lips' colour from their outer parts, away from any teeth the inner contours cut into.
        var lowerLip = Vector2.Lerp(p[inner.Lower[n / 2]], p[outer.Lower[outer.Lower.Length / 2]], 0.7f);
        var upperLip = Vector2.Lerp(p[inner.Upper[n / 2]], p[outer.Upper[outer.Upper.Length / 2]], 0.7f);
        var lip = Average(image, [lowerLip, upperLip], 0.02f * frame.EyeDistancePixels);
        var upperShift = new float[n];
        var lowerShift = new float[n];
        var teethThere = new bool[n];
        var found = 0;
        for (var i = 1; i < n - 1; i++)
        {
            var top = p[inner.Upper[i]];
            var bottom = p[inner.Lower[i]];
            var gap = Vector2.Dot(bottom - top, frame.Down);
            var middle = (top + bottom) / 2;
            if (gap < 2 || !LooksLikeTeeth(ColourAt(image, middle), lip)) continue;
            found++;
            teethThere[i] = true;
            upperShift[i] = TeethBeyond(image, middle, -frame.Down, gap / 2, LipDepth(p, outer.Upper, frame, top), lip);
            lowerShift[i] = TeethBeyond(image, middle, frame.Down, gap / 2, LipDepth(p, outer.Lower, frame, bottom), lip);
        }
        if (found < 3) return 0;
        // Teeth edges are scalloped and the gap between two teeth is dark: unsmoothed, the shut lips
        // met in a wavy seam.
        SmoothAlongMouth(upperShift, teethThere);
        SmoothAlongMouth(lowerShift, teethThere);
        var before = Vector2.Dot(p[inner.Lower[n / 2]] - p[inner.Upper[n / 2]], frame.Down);
        SqueezeLip(p, landmarkCount, frame, inner.Upper, outer.Upper, inner.Lower, upperShift, -1);
        SqueezeLip(p, landmarkCount, frame, inner.Lower, outer.Lower, inner.Upper, lowerShift, 1);
        return Math.Max(0, Vector2.Dot(p[inner.Lower[n / 2]] - p[inner.Upper[n / 2]], frame.Down) - before);
    }

    /// <summary>Smooths per-pair shifts along the mouth: an unmeasured pair between two measured ones takes their mean, then a median of three and a mean of three (the corners stay 0).</summary>
    private static void SmoothAlongMouth(float[] shift, bool[] measured)
    {
        var n = shift.Length;
        for (var i = 1; i < n - 1; i++)
            if (!measured[i] && measured[i - 1] && measured[i + 1]) shift[i] = (shift[i - 1] + shift[i + 1]) / 2;
        var median = new float[n];
        for (var i = 1; i < n - 1; i++)
        {
            float a = shift[i - 1], b = shift[i], c = shift[i + 1];
            median[i] = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        }
        for (var i = 1; i < n - 1; i++) shift[i] = (median[i - 1] + median[i] + median[i + 1]) / 3;
    }

    /// <summary>Teeth beside these lips: lighter (by 15 levels of luma) and greyer than the lips' colour.</summary>
    private static bool LooksLikeTeeth(RigColor c, RigColor lip) => c.Luma >= lip.Luma + 15 && c.Chroma < lip.Chroma;

    /// <summary>
    /// How far past the contour (<paramref name="toContour"/> from the gap's middle along <paramref name="outward"/>)
    /// the teeth go on (a pixel that is not teeth let through), and half a pixel for the edge; at most three quarters of the lip's depth.
    /// </summary>
    private static float TeethBeyond(Frame image, Vector2 middle, Vector2 outward, float toContour, float lipDepth, RigColor lip)
    {
        var limit = toContour + 0.75f * lipDepth;
        var end = 0f;
        for (var k = 0.5f; k <= limit; k += 0.5f)
        {
            if (LooksLikeTeeth(ColourAt(image, middle + k * outward), lip)) end = k;
            else if (k - end > 1) break;
        }
        return end > toContour ? Math.Min(end + 0.5f, limit) - toContour : 0;
    }

    /// <summary>The lip's depth at an inner contour point: to the outer contour, straight along the face's down.</summary>
    private static float LipDepth(List<Vector2> p, int[] outer, FaceFrame frame, Vector2 at)
    {
        var face = frame.ToFace(at);
        var (xs, ys, _) = ChainAcross(p, frame, outer, 1);
        return MathF.Abs(InterpolateClamped(xs, ys, face.X) - face.Y);
    }

    /// <summary>
    /// A contour in face coordinates from the face's left to its right, whichever way the topology lists
    /// it: its points' x, their y times <paramref name="sign"/>, and which of the contour's points each is.
    /// </summary>
    private static (float[] X, float[] Y, int[] Order) ChainAcross(List<Vector2> p, FaceFrame frame, int[] chain, int sign)
    {
        var order = Enumerable.Range(0, chain.Length).OrderBy(i => frame.ToFace(p[chain[i]]).X).ToArray();
        return (order.Select(i => frame.ToFace(p[chain[i]]).X).ToArray(), order.Select(i => sign * frame.ToFace(p[chain[i]]).Y).ToArray(), order);
    }

    /// <summary>
    /// Moves a lip's inner contour outwards by <paramref name="shift"/> (per contour point, corner to
    /// corner) and squeezes the lip's landmarks between it and the outer contour into what is left, in
    /// order; <paramref name="outward"/> is 1 for the lower lip, −1 for the upper.
    /// </summary>
    private static void SqueezeLip(List<Vector2> p, int landmarkCount, FaceFrame frame, int[] inner, int[] outer, int[] otherInner, float[] shift, int outward)
    {
        var (ix, iy, order) = ChainAcross(p, frame, inner, outward);
        var (ox, oy, _) = ChainAcross(p, frame, outer, outward);
        shift = order.Select(i => shift[i]).ToArray();
        if (ix[^1] - ix[0] < 4) return;
        var other = new HashSet<int>(otherInner);
        var away = outward * frame.Down;
        for (var v = 0; v < landmarkCount; v++)
        {
            if (other.Contains(v)) continue;
            var f = frame.ToFace(p[v]);
            if (f.X <= ix[0] || f.X >= ix[^1]) continue;
            var y = outward * f.Y;
            var from = InterpolateClamped(ix, iy, f.X);
            var to = InterpolateClamped(ox, oy, f.X);
            var by = Math.Min(InterpolateClamped(ix, shift, f.X), 0.75f * (to - from));
            if (by <= 0 || y < from - 0.5f || y > to) continue;
            // [from, to] → [from + by, to]: the inner contour to from + by, the outer contour where it is.
            var target = from + by + (Math.Max(y, from) - from) * (to - from - by) / (to - from);
            p[v] += (target - y) * away;
        }
    }

    private static RigColor ColourAt(Frame image, Vector2 at)
    {
        var x = Math.Clamp((int)at.X, 0, image.Width - 1);
        var y = Math.Clamp((int)at.Y, 0, image.Height - 1);
        var o = y * image.Stride + x * 4;
        var px = image.Buffer;
        return new RigColor(px[o], px[o + 1], px[o + 2]);
    }
}
