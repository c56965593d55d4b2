using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Rendering;

/// <summary>
/// Paints closing eyelids. The warp alone squeezes the eye and stretches the lash line into a dark
/// band, which reads as a squint; a real blink slides the upper lid down over the eye as a sheet.
/// Where the portrait has lid skin to spare between lashes and brow, that is what is painted: the
/// portrait's own lid, lashes and all, slid down to just over the lower lid, the stretch taken up
/// near the crease (<see cref="PaintSlide"/>). Where it has not (glasses, a low brow), the area the
/// lid has swept over is covered with skin from above or below the eye, whichever is more like the
/// face's, and a thin lash line is drawn along the closed margin (<see cref="PaintCover"/>). An eye
/// drawn far taller than the mesh's (anime, cartoons) is closed by <see cref="DrawnEyePainter"/>.
/// </summary>
internal static class EyelidPainter
{
    private const int MaxChain = 32;

    /// <summary>The sliding lid reaches at most this far above its open margin, in eye widths.</summary>
    private const float MaxSlideReach = 0.35f;

    /// <summary>With less room than this below the brow, the lid is covered, not slid (the sheet's plain skin would be stretched into streaks).</summary>
    private const float MinSlideReach = 0.2f;

    /// <summary>
    /// With less room than this below something that is not skin (a glasses rim, its glint), the lid is
    /// covered: a rim's translucent lower edge can read as skin, and the sheet would drag it down.
    /// </summary>
    private const float MinSlideReachUnderObstacle = 0.25f;

    /// <summary>A lid slid as a sheet is lit: its mean luma at least this share of the skin's (the astronaut's lids: 0.88 and 0.97; lids under eyeshadow or in shadow in other photos: 0.68–0.84).</summary>
    private const float MinLitLidLuma = 0.85f;

    /// <summary>A lid slid as a sheet is plain skin: at least this share of its pixels of the skin's hue (eyeshadow: 0.44–0.67).</summary>
    private const float MinPlainLidSkinShare = 0.9f;

    /// <summary>How far past the warped closing margin the slid lid lies, in eye widths: over the lower lid's margin.</summary>
    private const float SlideOverlap = 0.2f;

    /// <summary>How far past each corner the slid sheet's drop tapers off, in eye widths.</summary>
    private const float SlideCornerTaper = 0.2f;

    /// <summary>How the portrait's two eyes close (<see cref="Plan"/>): image-left, image-right.</summary>
    public readonly record struct Closings(EyeClosing ImageLeft, EyeClosing ImageRight);

    /// <summary>How one eye closes, which depends only on the portrait and its rig.</summary>
    public enum EyeClosingKind { None, Drawn, Slide, Cover }

    /// <summary>
    /// One eye's way of closing: none (too small, or behind dark glasses: a lid painted there drew its
    /// lash line on the lens), as a drawing closes it (<see cref="DrawnEyePainter"/>), its lid slid down
    /// as a sheet reaching <paramref name="SlideReach"/> portrait pixels above the margin, or covered
    /// with <paramref name="CoverColor"/> sampled from above or below the eye; with the eye's frame in
    /// the portrait and its open margins in that frame (<see cref="ContourFrame.Project"/>), which every
    /// painting of the eye samples from.
    /// </summary>
    public readonly record struct EyeClosing(EyeClosingKind Kind, ContourFrame RestEye, float[] UpperA, float[] UpperB, float[] LowerA, float[] LowerB,
        DrawnEyePainter.DrawnEye Drawn = default, float SlideReach = 0, bool CoverFromBelow = false, Vector3 CoverColor = default);

    /// <summary>
    /// Decides, once for the portrait, how each eye closes: the portrait's lids, brows, glasses and
    /// colours do not change from frame to frame, only how far the lids have come down.
    /// </summary>
    public static Closings Plan(FaceRig rig, Frame source)
    {
        var r = rig.Regions;
        return new Closings(
            PlanEye(rig, r.ImageLeftEyeUpper, r.ImageLeftEyeLower, r.ImageLeftBrow, source),
            PlanEye(rig, r.ImageRightEyeUpper, r.ImageRightEyeLower, r.ImageRightBrow, source));
    }

    public static void Paint(FaceRig rig, in Closings closings, ReadOnlySpan<Vector2> positions, Frame source, Frame destination, float blinkImageLeft, float blinkImageRight)
    {
        var r = rig.Regions;
        PaintEye(rig, closings.ImageLeft, positions, r.ImageLeftEyeUpper, r.ImageLeftEyeLower, source, destination, blinkImageLeft);
        PaintEye(rig, closings.ImageRight, positions, r.ImageRightEyeUpper, r.ImageRightEyeLower, source, destination, blinkImageRight);
    }

    private static EyeClosing PlanEye(FaceRig rig, int[] upper, int[] lower, int[] brow, Frame source)
    {
        var none = new EyeClosing(EyeClosingKind.None, default, [], [], [], []);
        if (upper.Length < 3 || upper.Length > MaxChain || lower.Length > MaxChain) return none;
        var rest = rig.Positions;
        var restEye = new ContourFrame(rest[upper[0]], rest[upper[^1]]);
        if (restEye.Width < 3) return none;
        Span<byte> sample = stackalloc byte[4];
        float[] rta = new float[upper.Length], rtb = new float[upper.Length], rla = new float[lower.Length], rlb = new float[lower.Length];
        restEye.Project(rest, upper, rta, rtb);
        restEye.Project(rest, lower, rla, rlb);
        var eye = new EyeClosing(EyeClosingKind.None, restEye, rta, rtb, rla, rlb);
        if (HiddenBehindGlasses(rig, source, restEye, rta, rtb, rla, rlb, sample)) return eye;
        // An eye drawn far taller than a real one is closed as a drawing closes it.
        if (DrawnEyePainter.Find(source, restEye, rta, rtb, rla, rlb, new SkinTone(rig.SkinColor), sample) is { } drawn)
            return eye with { Kind = EyeClosingKind.Drawn, Drawn = drawn };
        var reach = SlideReach(rest, brow, source, restEye, rta, rtb, rig.SkinColor, sample);
        if (reach > 0) return eye with { Kind = EyeClosingKind.Slide, SlideReach = reach };
        // Covered: with the skin of whichever side of the eye looks more like the face's own (under a
        // glasses rim the lid above is in the rim's shadow; below a drawn eye's mesh margin there
        // may still be iris).
        var aboveColor = LidColor(rig, source, restEye, new LidSkin(rta, rtb, -1), sample);
        var belowColor = LidColor(rig, source, restEye, new LidSkin(rla, rlb, 1), sample);
        var skinColor = new Vector3(rig.SkinColor.R, rig.SkinColor.G, rig.SkinColor.B);
        var fromBelow = Vector3.Distance(belowColor, skinColor) < Vector3.Distance(aboveColor, skinColor);
        return eye with { Kind = EyeClosingKind.Cover, CoverFromBelow = fromBelow, CoverColor = fromBelow ? belowColor : aboveColor };
    }

    private static void PaintEye(FaceRig rig, in EyeClosing closing, ReadOnlySpan<Vector2> positions, int[] upper, int[] lower, Frame source, Frame destination, float amount)
    {
        if (amount <= 0 || closing.Kind == EyeClosingKind.None) return;
        // The eye's frame from its deformed corners (the head may have rolled).
        var eye = new ContourFrame(positions[upper[0]], positions[upper[^1]]);
        if (eye.Width < 3) return;
        Span<byte> sample = stackalloc byte[4];
        var (restEye, rta, rtb, rla, rlb) = (closing.RestEye, closing.UpperA, closing.UpperB, closing.LowerA, closing.LowerB);
        switch (closing.Kind)
        {
            case EyeClosingKind.Drawn:
                DrawnEyePainter.Paint(destination, eye, restEye, rta, rtb, rla, rlb, closing.Drawn, amount);
                break;
            case EyeClosingKind.Slide:
                PaintSlide(positions, upper, source, destination, eye, restEye, rta, rtb, closing.SlideReach, amount, sample);
                break;
            default:
                var side = closing.CoverFromBelow ? new LidSkin(rla, rlb, 1) : new LidSkin(rta, rtb, -1);
                PaintCover(rig.Positions, positions, upper, lower, source, destination, eye, restEye, side, closing.CoverColor, amount, sample);
                break;
        }
    }

    /// <summary>
    /// How far above the open lid's margin (portrait pixels) the sliding sheet of lid skin may reach:
    /// three quarters of the way to the brow, at most <see cref="MaxSlideReach"/> eye widths, and below
    /// anything much darker or brighter than the face's skin above the lashes in any of nine columns
    /// (a glasses rim or its glint, a low brow's hairs). Zero when less than <see cref="MinSlideReach"/>
    /// eye widths are left (<see cref="MinSlideReachUnderObstacle"/> below something that is not skin),
    /// or when the lid between lashes and reach is not plain lit skin (<see cref="IsPlainLitSkin"/>):
    /// the lid is then covered instead of slid.
    /// </summary>
    private static float SlideReach(Vector2[] rest, int[] brow, Frame source, ContourFrame restEye,
        ReadOnlySpan<float> rta, ReadOnlySpan<float> rtb, RigColor skinColor, Span<byte> sample)
    {
        var width = restEye.Width;
        var reach = MaxSlideReach * width;
        foreach (var v in brow)
        {
            var (a, b) = restEye.Of(rest[v]);
            if (a < 0.15f * width || a > 0.85f * width) continue;
            reach = Math.Min(reach, 0.75f * (MouthPainter.Interpolate(rta, rtb, a) - b));
        }
        var skin = SkinTone.Luma601(skinColor.R, skinColor.G, skinColor.B);
        float dark = 0.55f * skin, bright = Math.Max(skin + 40, 1.3f * skin);
        // Upwards from the margin: the lashes first (up to the first skin after something dark, at most a
        // fifth of the eye's width), then lid skin until something that is not skin.
        var maxLashes = 0.2f * width;
        var underObstacle = false;
        Span<float> lashTop = stackalloc float[9];
        for (var c = 0; c < 9; c++)
        {
            lashTop[c] = maxLashes;
            var a = (0.1f + 0.1f * c) * width;
            var margin = restEye.Origin + a * restEye.Axis + MouthPainter.Interpolate(rta, rtb, a) * restEye.Down;
            bool inLashes = true, sawLash = false;
            for (var h = 0f; h < reach; h += 1)
            {
                var p = margin - h * restEye.Down;
                MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
                var luma = SkinTone.Luma601(sample[0], sample[1], sample[2]);
                var skinLike = luma >= dark && luma <= bright;
                sawLash |= luma < dark;
                if (inLashes && ((sawLash && skinLike) || h > maxLashes))
                {
                    inLashes = false;
                    lashTop[c] = h;
                }
                if (!inLashes && !skinLike)
                {
                    // The scan stops below reach, so this obstacle is what limits it now.
                    underObstacle = true;
                    reach = h - (0.03f * width);
                    break;
                }
            }
        }

        if (reach < (underObstacle ? MinSlideReachUnderObstacle : MinSlideReach) * width) return 0;
        return IsPlainLitSkin(source, restEye, rta, rtb, lashTop, reach, new SkinTone(skinColor), sample) ? reach : 0;
    }

    /// <summary>
    /// Whether the lid the sheet would be made of, above the lashes up to <paramref name="reach"/> in the
    /// nine columns, is plain lit skin: of the skin's hue (at least <see cref="MinPlainLidSkinShare"/> of it)
    /// and on average at least <see cref="MinLitLidLuma"/> of its luma. Slid over the eye, eyeshadow or a
    /// lid in shadow is dragged down into a dark or coloured smear, and the sheet's stretch draws long
    /// lashes and makeup into streaks; the cover paints lit skin and a lash line instead.
    /// </summary>
    private static bool IsPlainLitSkin(Frame source, ContourFrame restEye, ReadOnlySpan<float> rta, ReadOnlySpan<float> rtb,
        ReadOnlySpan<float> lashTop, float reach, SkinTone skin, Span<byte> sample)
    {
        var width = restEye.Width;
        int like = 0, count = 0;
        var luma = 0f;
        for (var c = 0; c < lashTop.Length; c++)
        {
            var a = (0.1f + 0.1f * c) * width;
            var margin = restEye.Origin + a * restEye.Axis + MouthPainter.Interpolate(rta, rtb, a) * restEye.Down;
            for (var h = lashTop[c]; h < reach; h += 1)
            {
                var p = margin - h * restEye.Down;
                MeshWarp.SampleRow(source, sample, p.X, p.Y, 0, 0);
                luma += SkinTone.Luma601(sample[0], sample[1], sample[2]);
                if (skin.Resembles(sample[0], sample[1], sample[2])) like++;
                count++;
            }
        }
        return count > 0 && like >= MinPlainLidSkinShare * count && luma / count >= MinLitLidLuma * skin.Luma;
    }

    /// <summary>
    /// The upper lid slid down as a sheet: between <paramref name="reach"/> above the open margin and the
    /// closing margin (carried a little past the warped one, over the lower lid's margin, as a closed
    /// lid lies), each column of the portrait's lid is drawn again, translated near the margin so the
    /// lashes keep their thickness, stretched near the crease where the skin is plain.
    /// </summary>
    private static void PaintSlide(ReadOnlySpan<Vector2> positions, int[] upper, Frame source, Frame destination,
        ContourFrame eye, ContourFrame restEye, ReadOnlySpan<float> rta, ReadOnlySpan<float> rtb, float reach, float amount, Span<byte> sample)
    {
        var n = upper.Length;
        var width = eye.Width;
        var scale = restEye.Width / width; // portrait pixels per frame pixel
        Span<float> ba = stackalloc float[n], bb = stackalloc float[n];
        eye.Project(positions, upper, ba, bb);
        var overlap = SlideOverlap * width * amount;
        var band = reach / scale;
        var alpha = FaceRig.SmoothStep(0.05f, 0.3f, amount);
        var feather = Math.Max(1f, 0.05f * width);
        var corner = SlideCornerTaper * width;
        var bounds = new PointBounds();
        for (var i = 0; i < n; i++)
        {
            var top = eye.Origin + (rta[i] / scale) * eye.Axis + (rtb[i] / scale - band) * eye.Down;
            var bottom = positions[upper[i]] + overlap * eye.Down;
            if (i == 0) top -= corner * eye.Axis;
            if (i == n - 1) top += corner * eye.Axis;
            bounds.Add(top);
            bounds.Add(bottom);
        }
        var box = bounds.ToPixelRect().Inflate(2).ClampTo(destination.Width, destination.Height);
        var (x0, x1, y0, y1) = (box.X, box.Right, box.Y, box.Bottom);
        for (var y = y0; y < y1; y++)
        {
            var row = destination.GetRowSpan(y);
            for (var x = x0; x < x1; x++)
            {
                var (a, b) = eye.OfPixel(x, y);
                // Past the corners the sheet's drop tapers off, so the closed lid has no edge there.
                var beyond = Math.Max(-a, a - width);
                if (beyond >= corner) continue;
                var along = 1 - FaceRig.SmoothStep(0, corner, beyond);
                var ra = a * scale;
                var open = MouthPainter.Interpolate(rta, rtb, ra) / scale;
                var closed = MouthPainter.Interpolate(ba, bb, a) + overlap * along;
                var travel = Math.Max(0, closed - open);
                var u = (b - (open - band)) / (band + travel);
                if (u <= 0 || b >= closed + 0.5f) continue;
                // Height above the open margin to draw from: g(u) = u^k, k = (band + travel) / band, so that
                // g'(1) = k and the sheet's lower part is a pure translation (lashes keep their thickness),
                // and the stretch goes to the plain skin near the top of the band.
                var g = MathF.Pow(Math.Min(1, u), (band + travel) / band);
                var h = band * (1 - g);
                var src = restEye.Origin + ra * restEye.Axis + (open - h) * scale * restEye.Down;
                MeshWarp.SampleRow(source, sample, src.X, src.Y, 0, 0);
                var k = alpha * Math.Clamp(closed - b + 0.5f, 0, 1) * FaceRig.SmoothStep(0, feather, b - (open - band))
                    * along;
                var o = x * 4;
                row[o] = (byte)Math.Clamp(row[o] + k * (sample[0] - row[o]) + 0.5f, 0, 255);
                row[o + 1] = (byte)Math.Clamp(row[o + 1] + k * (sample[1] - row[o + 1]) + 0.5f, 0, 255);
                row[o + 2] = (byte)Math.Clamp(row[o + 2] + k * (sample[2] - row[o + 2]) + 0.5f, 0, 255);
            }
        }
    }

    /// <summary>
    /// The swept area covered: between the open margin (raised by the lashes) and the closing one, carried
    /// over the lower lid's margin in the middle as a closed lid lies, skin continued from the portrait
    /// beside the eye (<paramref name="skin"/>: the lid above, or below the lower lid), blended with its
    /// mean colour, and a lash line along the closing margin.
    /// </summary>
    private static void PaintCover(ReadOnlySpan<Vector2> rest, ReadOnlySpan<Vector2> positions, int[] upper, int[] lower, Frame source, Frame destination,
        ContourFrame eye, ContourFrame restEye, LidSkin skin, Vector3 lid, float amount, Span<byte> sample)
    {
        // Skin fades in over the second half of the closure: a half-closed lid is still the warped one.
        var skinAlpha = FaceRig.SmoothStep(0.35f, 0.85f, amount);
        if (skinAlpha <= 0) return;
        var n = upper.Length;
        var c0 = eye.Origin;
        var width = eye.Width;
        var ax = eye.Axis;
        var down = eye.Down;
        var restWidth = restEye.Width;

        // Top of the painted area: the open lid margin raised by the lashes' thickness; bottom: the
        // deformed (closing) margin. Both as b(a) chains in the deformed eye frame.
        var lashes = 0.12f * width; // part of the way to the crease: a closing lid unfolds it
        var drop = SlideOverlap * width * amount;
        Span<float> ta = stackalloc float[n], tb = stackalloc float[n], ba = stackalloc float[n], bb = stackalloc float[n];
        var bounds = new PointBounds();
        for (var i = 0; i < n; i++)
        {
            var top = rest[upper[i]] - c0 - lashes * down;
            var bottom = positions[upper[i]] - c0;
            // The covered lid lies over the lower lid's margin in the middle, as a closed lid does.
            var across = 2 * Vector2.Dot(bottom, ax) / width - 1;
            bottom += drop * Math.Max(0, 1 - across * across) * down;
            ta[i] = Vector2.Dot(top, ax); tb[i] = Vector2.Dot(top, down);
            ba[i] = Vector2.Dot(bottom, ax); bb[i] = Vector2.Dot(bottom, down);
            bounds.Add(top + c0);
            bounds.Add(bottom + c0);
        }
        // The lower margin too: the lash line sits where the lids meet.
        for (var i = 0; i < lower.Length; i++)
        {
            var p = positions[lower[i]];
            bounds.AddY(p.Y + 2);
            bounds.AddY(p.Y - 2);
        }

        var lashAlpha = FaceRig.SmoothStep(0.5f, 0.95f, amount);
        var lashWidth = Math.Max(1.2f, 0.06f * width);
        var feather = Math.Max(1f, 0.15f * width);
        var box = bounds.ToPixelRect().Inflate(2).ClampTo(destination.Width, destination.Height);
        var (x0, x1, y0, y1) = (box.X, box.Right, box.Y, box.Bottom);
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
                    // The skin beside the eye continued over it: mirror the band above the painted area
                    // (or below the lower lid, past its lashes) at 0.6 scale, so the texture meets the
                    // open lid without a seam; a quarter of the mean colour evens out lashes and
                    // crease lines caught in the band.
                    var ra = a / width * restWidth;
                    var away = skin.Sign < 0 ? lashes + 0.6f * Math.Max(0, b - top) : 0.06f * width + 0.6f * Math.Max(0, bottom - b);
                    var src = skin.Point(restEye, ra, Math.Min(0.45f * restWidth, away));
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
    /// The closed lid's colour from one side of the eye: the portrait's skin beyond the lashes (at seven
    /// places across the eye, each the median by brightness of five samples moving away from the
    /// margin, so lashes, crease shadow and highlights do not count), averaged, then mixed with a
    /// fifth of the cheek skin: a lid in shadow in the portrait is lit once it covers the eye.
    /// </summary>
    private static Vector3 LidColor(FaceRig rig, Frame source, ContourFrame restEye, LidSkin side, Span<byte> sample)
    {
        Span<int> lum = stackalloc int[5];
        Span<Vector3> rgb = stackalloc Vector3[5];
        var width = restEye.Width;
        var sum = Vector3.Zero;
        const int columns = 7;
        for (var c = 0; c < columns; c++)
        {
            var a = (0.2f + 0.6f * c / (columns - 1)) * width;
            for (var k = 0; k < 5; k++)
            {
                rgb[k] = ColourAt(source, side.Point(restEye, a, (0.08f + 0.05f * k) * width), sample);
                lum[k] = (int)((2 * rgb[k].X) + (5 * rgb[k].Y) + rgb[k].Z);
            }
            sum += rgb[MedianIndex(lum)];
        }
        var skin = rig.SkinColor;
        return 0.8f * (sum / columns) + 0.2f * new Vector3(skin.R, skin.G, skin.B);
    }

    /// <summary>
    /// Whether the eye is hidden behind something opaque and dark, as sunglasses hide it: across its
    /// opening (the middle between the lids, at seven places) the portrait shows one flat colour, far
    /// from the skin's, and the same colour above and below the eye. An open eye shows white and iris
    /// there; an eye shut in the portrait shows lid skin; an eye behind clear glasses has its cheek below.
    /// </summary>
    private static bool HiddenBehindGlasses(FaceRig rig, Frame source, ContourFrame restEye, ReadOnlySpan<float> rta, ReadOnlySpan<float> rtb,
        ReadOnlySpan<float> rla, ReadOnlySpan<float> rlb, Span<byte> sample)
    {
        const int columns = 7;
        var width = restEye.Width;
        var above = new LidSkin(rta, rtb, -1);
        var below = new LidSkin(rla, rlb, 1);
        Span<Vector3> seen = stackalloc Vector3[3 * columns];
        var mean = Vector3.Zero;
        for (var c = 0; c < columns; c++)
        {
            var a = (0.2f + 0.6f * c / (columns - 1)) * width;
            var middle = 0.5f * (MouthPainter.Interpolate(rta, rtb, a) + MouthPainter.Interpolate(rla, rlb, a));
            seen[3 * c] = ColourAt(source, restEye.Origin + a * restEye.Axis + middle * restEye.Down, sample);
            seen[3 * c + 1] = ColourAt(source, above.Point(restEye, a, 0.15f * width), sample);
            seen[3 * c + 2] = ColourAt(source, below.Point(restEye, a, 0.15f * width), sample);
            mean += seen[3 * c] / columns;
        }

        foreach (var colour in seen)
        {
            if (Vector3.Distance(colour, mean) > HiddenEyeFlatness) return false;
        }

        // Dark: nearer black than the skin, and far from the skin.
        var skin = new Vector3(rig.SkinColor.R, rig.SkinColor.G, rig.SkinColor.B);
        var fromSkin = Vector3.Distance(mean, skin);
        return fromSkin > HiddenEyeFromSkin && mean.Length() < fromSkin;
    }

    private static Vector3 ColourAt(Frame source, Vector2 at, Span<byte> sample)
    {
        MeshWarp.SampleRow(source, sample, at.X, at.Y, 0, 0);
        return new Vector3(sample[0], sample[1], sample[2]);
    }

    /// <summary>How far (RGB levels) the colours over a hidden eye may stray from their mean: an open eye's white and iris differ by a hundred and more.</summary>
    private const float HiddenEyeFlatness = 30;

    /// <summary>How far from the skin's colour a hidden eye's cover is at least (RGB levels).</summary>
    private const float HiddenEyeFromSkin = 80;

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

    /// <summary>
    /// Where a covered lid's skin is taken from: the band beside one of the eye's open margins, in the
    /// portrait's eye frame, above the upper margin (<see cref="Sign"/> −1) or below the lower (+1).
    /// </summary>
    private readonly ref struct LidSkin(ReadOnlySpan<float> marginA, ReadOnlySpan<float> marginB, int sign)
    {
        public readonly ReadOnlySpan<float> MarginA = marginA, MarginB = marginB;
        public readonly int Sign = sign;

        /// <summary>The portrait point <paramref name="away"/> pixels from the margin at <paramref name="a"/>, away from the eye.</summary>
        public Vector2 Point(ContourFrame frame, float a, float away) =>
            frame.Origin + a * frame.Axis + (MouthPainter.Interpolate(MarginA, MarginB, a) + Sign * away) * frame.Down;
    }
}
