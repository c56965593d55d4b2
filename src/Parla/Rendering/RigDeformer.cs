using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using Parla.Face.Rig;
using Parla.Motion;

namespace Parla.Rendering;

/// <summary>
/// Moves a rig's vertices to a <see cref="FaceState"/>: jaw, lips, lids and brows in the face's own
/// frame (so one definition fits every face and every tilt), then the head rotated in 3D about its
/// pivot using the vertex depth, with a weak perspective, and shifted.
/// </summary>
public static class RigDeformer
{
    // Motion amplitudes in face units, each at its parameter's extreme. Chosen by looking at renders
    // of real portraits: larger values stretch the skin visibly.
    private const float JawTravelOfNoseToChin = 0.40f;  // FaceState.JawOpen = 1
    private const float UpperLipLiftOfJawTravel = 0.10f;
    private const float CornerHoldOfMouthWidth = 0.22f;  // how far from a mouth corner the jaw's pull fades in
    private const float CornerSpreadOfMouthWidth = 0.12f; // LipWidth = 1
    private const float CornerLiftOfMouthWidth = 0.05f;   // LipWidth = 1 (smile)
    private const float CornerPinchOfMouthWidth = 0.16f;  // LipRound = 1
    private const float LipPoutOfMouthWidth = 0.03f;      // LipRound = 1
    private const float BrowTravelOfFaceHeight = 0.06f;   // BrowRaise = ±1 (frown at 60 %)
    private const float ClosedLidGapOfEyeWidth = 0.03f;   // half the gap left between closed lids
    private const float MaxTurnedSliverArea = 1.5f;       // square pixels: a triangle this small may turn over (HasFold)
    private const float FocalLengthOfFaceHeight = 8f;     // weak perspective for head rotation

    /// <summary>The state with every parameter clamped to the range the rig can show without tearing.</summary>
    public static FaceState Clamp(in FaceState s)
    {
        var c = ClampEach(s);
        // Yaw and pitch together turn the face further than either alone: keep the combined turn
        // within the single-axis limit of yaw.
        var turn = MathF.Sqrt(c.HeadYawDegrees * c.HeadYawDegrees + c.HeadPitchDegrees * c.HeadPitchDegrees);
        if (turn > MaxTurnDegrees)
        {
            c.HeadYawDegrees *= MaxTurnDegrees / turn;
            c.HeadPitchDegrees *= MaxTurnDegrees / turn;
        }
        return c;
    }

    private const float MaxTurnDegrees = 20;

    private static FaceState ClampEach(in FaceState s) => new()
    {
        JawOpen = Math.Clamp(Finite(s.JawOpen), 0, 1),
        LipRound = Math.Clamp(Finite(s.LipRound), 0, 1),
        LipWidth = Math.Clamp(Finite(s.LipWidth), -0.5f, 1),
        LipPress = Math.Clamp(Finite(s.LipPress), 0, 1),
        BlinkLeft = Math.Clamp(Finite(s.BlinkLeft), 0, 1),
        BlinkRight = Math.Clamp(Finite(s.BlinkRight), 0, 1),
        BrowRaise = Math.Clamp(Finite(s.BrowRaise), -1, 1),
        // A single photo supports only modest head turns: beyond these the stretched side shows.
        HeadYawDegrees = Math.Clamp(Finite(s.HeadYawDegrees), -20, 20),
        HeadPitchDegrees = Math.Clamp(Finite(s.HeadPitchDegrees), -15, 15),
        HeadRollDegrees = Math.Clamp(Finite(s.HeadRollDegrees), -15, 15),
        HeadShiftX = Math.Clamp(Finite(s.HeadShiftX), -0.2f, 0.2f),
        HeadShiftY = Math.Clamp(Finite(s.HeadShiftY), -0.2f, 0.2f),
        GazeX = Math.Clamp(Finite(s.GazeX), -1, 1),
        GazeY = Math.Clamp(Finite(s.GazeY), -1, 1),
    };

    /// <summary>
    /// Writes the deformed position of every rig vertex to <paramref name="positions"/> (length
    /// <see cref="FaceRig.VertexCount"/>). Inputs are clamped. If the motion would still fold a
    /// triangle over, the blinks alone are held back where that is enough (a lid closing over a
    /// crowded eye corner must not make the head and mouth jump on the frames it shuts), else the
    /// mouth alone, else the whole motion is scaled back, until none folds; the return value is the
    /// fraction of the blinks, the mouth or the motion applied (1 for every state within the clamped
    /// ranges on a sound rig).
    /// </summary>
    /// <remarks>Gaze moves no vertex (the 468-landmark mesh has no iris points): the renderer shifts the eye's interior afterwards (<see cref="GazePainter"/>).</remarks>
    public static float Deform(FaceRig rig, in FaceState state, Span<Vector2> positions)
    {
        ArgumentNullException.ThrowIfNull(rig);
        if (positions.Length != rig.VertexCount)
            throw new ArgumentException($"positions has {positions.Length} entries, the rig {rig.VertexCount} vertices.", nameof(positions));

        var s = Clamp(state);
        DeformUnguarded(rig, s, positions);
        if (!HasFold(rig, positions)) return 1;
        // The blinks alone, then the mouth alone, held back where that is enough.
        if (s.BlinkLeft > 0 || s.BlinkRight > 0)
        {
            var held = HoldBack(rig, t => s with { BlinkLeft = t * s.BlinkLeft, BlinkRight = t * s.BlinkRight }, positions);
            if (held >= 0) return held;
        }
        var restJaw = RestJawOpen(rig);
        if (s.JawOpen != restJaw || s.LipPress != 0 || s.LipRound != 0 || s.LipWidth != 0)
        {
            var held = HoldBack(rig, t => s with
            {
                JawOpen = restJaw + t * (s.JawOpen - restJaw), LipPress = t * s.LipPress, LipRound = t * s.LipRound, LipWidth = t * s.LipWidth,
            }, positions);
            if (held >= 0) return held;
        }
        DeformUnguarded(rig, s, positions);

        // Safety net: bisect the largest fraction of the motion that keeps every triangle's orientation.
        var full = ArrayPool<Vector2>.Shared.Rent(positions.Length);
        try
        {
            positions.CopyTo(full);
            var rest = rig.Positions;
            return LargestUnfolded(rig, (t, into) => Blend(rest, full, t, into), positions);
        }
        finally
        {
            ArrayPool<Vector2>.Shared.Return(full);
        }
    }

    /// <summary>
    /// Where the state <paramref name="at"/>(0) folds nothing, the largest t in [0, 1] whose state folds
    /// nothing, deformed into <paramref name="positions"/>; −1 (positions undefined) where even t = 0 folds.
    /// </summary>
    private static float HoldBack(FaceRig rig, Func<float, FaceState> at, Span<Vector2> positions)
    {
        DeformUnguarded(rig, at(0), positions);
        if (HasFold(rig, positions)) return -1;
        return LargestUnfolded(rig, (t, into) => DeformUnguarded(rig, at(t), into), positions);
    }

    /// <summary>Positions for a share <paramref name="t"/> (0..1) of some motion, written to <paramref name="into"/>.</summary>
    private delegate void PositionsAt(float t, Span<Vector2> into);

    /// <summary>Bisects the largest t in [0, 1] (to 2⁻¹²) whose positions fold nothing, and leaves those in <paramref name="positions"/>.</summary>
    private static float LargestUnfolded(FaceRig rig, PositionsAt at, Span<Vector2> positions)
    {
        float lo = 0, hi = 1;
        for (var iteration = 0; iteration < 12; iteration++)
        {
            var mid = (lo + hi) / 2;
            at(mid, positions);
            if (HasFold(rig, positions)) hi = mid; else lo = mid;
        }
        at(lo, positions);
        return lo;
    }

    private static void Blend(Vector2[] rest, Vector2[] full, float t, Span<Vector2> into)
    {
        for (var i = 0; i < into.Length; i++) into[i] = rest[i] + t * (full[i] - rest[i]);
    }

    /// <summary>
    /// True when some triangle's signed area is no longer positive, unless it is a sliver under
    /// <see cref="MaxTurnedSliverArea"/> both as it was and as it lies turned: a few pixels' overlap that no
    /// one sees. (Around an eye's corners the mesh can hold such slivers between a lid point, the corner
    /// and a point of the skin beside it; on some faces every blink turned one over, and the fold guard
    /// then held back the whole motion, the blink itself to half closed.)
    /// </summary>
    internal static bool HasFold(FaceRig rig, ReadOnlySpan<Vector2> positions)
    {
        var t = rig.Triangles;
        var rest = rig.Positions;
        for (var i = 0; i < t.Length; i += 3)
        {
            var area2 = SignedArea2(positions[t[i]], positions[t[i + 1]], positions[t[i + 2]]);
            if (area2 > 0) continue;
            if (-area2 < 2 * MaxTurnedSliverArea && SignedArea2(rest[t[i]], rest[t[i + 1]], rest[t[i + 2]]) < 2 * MaxTurnedSliverArea) continue;
            return true;
        }
        return false;
    }

    internal static float SignedArea2(Vector2 a, Vector2 b, Vector2 c) => (b.X - a.X) * (c.Y - a.Y) - (b.Y - a.Y) * (c.X - a.X);

    /// <summary>
    /// The <see cref="FaceState.JawOpen"/> that shows the portrait's mouth as photographed: 0 for closed
    /// lips, more for a portrait with parted lips (whose gap counts as the first part of the opening;
    /// teeth FaceMesh had counted as lip, <see cref="FaceRig.TeethInLipGapPixels"/>, do not).
    /// </summary>
    public static float RestJawOpen(FaceRig rig) =>
        Math.Min(1f, Math.Max(0, ClosableLipGap(rig) - rig.TeethInLipGapPixels) / Math.Max(JawTravelOfNoseToChin * rig.Frame.NoseToChinPixels, 1e-3f));

    /// <summary>The portrait's own inner-lip gap at the middle of the mouth, less what is left between shut lips.</summary>
    private static float ClosableLipGap(FaceRig rig) => ClosableLipGap(rig, rig.Regions.InnerLipUpper.Length / 2);

    /// <summary>The portrait's own inner-lip gap at the <paramref name="i"/>-th pair of inner-lip points (corner to corner), less what is left between shut lips.</summary>
    private static float ClosableLipGap(FaceRig rig, int i)
    {
        var r = rig.Regions;
        var rest = rig.Positions;
        var restGap = Vector2.Dot(rest[r.InnerLipLower[i]] - rest[r.InnerLipUpper[i]], rig.Frame.Down);
        return Math.Max(0, restGap - 0.015f * rig.Frame.EyeDistancePixels);
    }

    /// <summary>
    /// The parted lips along the mouth, pair by pair of inner-lip points from the image-left corner: how
    /// far along the corners' line each pair lies, its closable gap, and how strongly the lower lip's
    /// (jaw) and the upper lip's fields hold its points.
    /// </summary>
    private static void PartedLips(FaceRig rig, Vector2 cornerL, Vector2 axis, Span<float> along, Span<float> gap, Span<float> lowerHold, Span<float> upperHold)
    {
        var r = rig.Regions;
        var rest = rig.Positions;
        for (var i = 0; i < along.Length; i++)
        {
            int upper = r.InnerLipUpper[i], lower = r.InnerLipLower[i];
            along[i] = Vector2.Dot(0.5f * (rest[upper] + rest[lower]) - cornerL, axis);
            gap[i] = ClosableLipGap(rig, i);
            lowerHold[i] = rig.JawWeight[lower];
            upperHold[i] = rig.UpperLipWeight[upper];
        }
    }

    /// <summary>The motion model itself, for an already clamped state, without the fold safety net.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DeformUnguarded(FaceRig rig, in FaceState s, Span<Vector2> positions)
    {
        var rest = rig.Positions;
        var f = rig.Frame;
        var down = f.Down;
        var right = f.Right;
        var r = rig.Regions;
        rest.CopyTo(positions);

        // Jaw: everything jaw-weighted moves down the face and the upper lip lifts a little. Press
        // holds the lips shut against the jaw and, for a portrait with parted lips, closes them: the
        // lower-lip field moves up and the upper-lip field down until the lips nearly meet.
        // JawOpen is the lip gap itself (travel × JawOpen), whatever the portrait's own gap: a portrait
        // photographed with parted lips counts its gap as the first part of the opening, so JawOpen 0
        // (silence) shuts its lips and only openings beyond its own gap move the jaw.
        var travelPerUnit = JawTravelOfNoseToChin * f.NoseToChinPixels;
        var closableGap = ClosableLipGap(rig);
        var jawAtRest = RestJawOpen(rig);
        var press = jawAtRest > 0 ? Math.Max(s.LipPress, 1 - Math.Min(1f, s.JawOpen / jawAtRest)) : s.LipPress;
        var jawTravel = travelPerUnit * Math.Max(0, s.JawOpen - jawAtRest) * (1 - s.LipPress);
        var liftTravel = UpperLipLiftOfJawTravel * jawTravel;
        var closing = press * closableGap;
        var jw = rig.JawWeight;
        var uw = rig.UpperLipWeight;
        if (jawTravel != 0 || closing != 0)
        {
            // The mouth corners are where the lips' fields meet: they stay nearly put as the jaw opens
            // (as a real mouth's corners do), and the fields fade into them, so the thin triangles
            // around the corners are never pulled across each other.
            var cornerL = rest[r.InnerLipUpper[0]];
            var cornerR = rest[r.InnerLipUpper[^1]];
            var reach = CornerHoldOfMouthWidth * Vector2.Distance(cornerL, cornerR);
            // Closing (the lips' own fields, apart from the opening): at each place along the mouth the
            // lips close the gap they have there, three quarters by the lower lip and a quarter by the
            // upper, and skin held by a field moves as the lip point beside it does, scaled by how much
            // less the field holds it (never more). The middle's gap carried everywhere pushed the lower
            // lip past the upper wherever the lips are parted less than in the middle (a lopsided smile,
            // a turned head), and the fold guard then held back the whole motion.
            var axis = Vector2.Normalize(cornerR - cornerL);
            var pairs = r.InnerLipUpper.Length;
            Span<float> along = stackalloc float[pairs], gap = stackalloc float[pairs];
            Span<float> lowerHold = stackalloc float[pairs], upperHold = stackalloc float[pairs];
            if (closing != 0) PartedLips(rig, cornerL, axis, along, gap, lowerHold, upperHold);
            for (var v = 0; v < positions.Length; v++)
            {
                if (jw[v] == 0 && uw[v] == 0) continue;
                var near = Math.Min(Vector2.Distance(rest[v], cornerL), Vector2.Distance(rest[v], cornerR));
                var hold = FaceRig.SmoothStep(0, reach, near);
                var move = jw[v] * hold * jawTravel - uw[v] * hold * liftTravel;
                if (closing != 0)
                {
                    var a = Vector2.Dot(rest[v] - cornerL, axis);
                    var here = press * MouthPainter.Interpolate(along, gap, a);
                    if (jw[v] > 0) move -= 0.75f * here * Math.Min(1, jw[v] / Math.Max(1e-3f, MouthPainter.Interpolate(along, lowerHold, a)));
                    if (uw[v] > 0) move += 0.25f * here * Math.Min(1, uw[v] / Math.Max(1e-3f, MouthPainter.Interpolate(along, upperHold, a)));
                }
                positions[v] += move * down;
            }
        }

        var outerL = rest[r.OuterLipUpper[0]];
        var outerR = rest[r.OuterLipUpper[^1]];
        var mouthWidth = Vector2.Distance(outerL, outerR);

        // Rounding pushes the lips out: in a frontal view they thicken a little.
        if (s.LipRound > 0)
        {
            AddProfile(positions, r.OuterLipUpper, -LipPoutOfMouthWidth * mouthWidth * s.LipRound * down);
            AddProfile(positions, r.OuterLipLower, LipPoutOfMouthWidth * mouthWidth * s.LipRound * down);
        }

        // Corners: spread (smile) or pinch (rounding), carrying the nearby lips and cheeks with them.
        var spread = (CornerSpreadOfMouthWidth * s.LipWidth - CornerPinchOfMouthWidth * s.LipRound) * mouthWidth;
        var lift = CornerLiftOfMouthWidth * Math.Max(s.LipWidth, 0) * mouthWidth;
        if (spread != 0 || lift != 0)
        {
            var sigma2 = 0.3f * mouthWidth * (0.3f * mouthWidth);
            for (var v = 0; v < DetectedLandmarks; v++)
            {
                var p = rest[v];
                var gl = MathF.Exp(-Vector2.DistanceSquared(p, outerL) / sigma2);
                var gr = MathF.Exp(-Vector2.DistanceSquared(p, outerR) / sigma2);
                positions[v] += spread * (gr - gl) * right - lift * (gl + gr) * down;
            }
        }

        Blink(rig, positions, r.ImageLeftEyeUpper, r.ImageLeftEyeLower, s.BlinkLeft);
        Blink(rig, positions, r.ImageRightEyeUpper, r.ImageRightEyeLower, s.BlinkRight);

        if (s.BrowRaise != 0)
        {
            var travel = BrowTravelOfFaceHeight * f.FaceHeightPixels * (s.BrowRaise > 0 ? s.BrowRaise : 0.6f * s.BrowRaise);
            var bw = rig.BrowWeight;
            for (var v = 0; v < positions.Length; v++)
                if (bw[v] > 0) positions[v] -= bw[v] * travel * down;
        }

        if (s.HeadYawDegrees == 0 && s.HeadPitchDegrees == 0 && s.HeadRollDegrees == 0 && s.HeadShiftX == 0 && s.HeadShiftY == 0)
            return;
        var n = positions.Length;
        var zBuffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var z = zBuffer.AsSpan(0, n);
            EffectiveDepth(rig, positions, z);
            Head(rig, s, z, positions);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(zBuffer);
        }
    }

    /// <summary>
    /// The depth (pixels, relative to the pivot) the head rotation uses for each vertex: the face's
    /// depth at the point where the expression moved the vertex to, read from the rest mesh. A closed
    /// upper lid then lies at the depth of the skin it covers, and the head's motion is one smooth
    /// field over the picture, so turning the head cannot slide one lip or lid past another.
    /// </summary>
    private static void EffectiveDepth(FaceRig rig, ReadOnlySpan<Vector2> positions, Span<float> z)
    {
        var rest = rig.Positions;
        var depth = rig.Depth;
        var scale = rig.Frame.EyeDistancePixels;
        var t = rig.Triangles;
        var locator = RestMeshLocator.For(rig);
        for (var v = 0; v < z.Length; v++)
        {
            z[v] = depth[v] * scale;
            var p = positions[v];
            if (Vector2.DistanceSquared(p, rest[v]) < 1e-8f) continue;
            var i = locator.Locate(p, out var wa, out var wb);
            if (i < 0) continue;
            var wc = 1 - wa - wb;
            z[v] = (wa * depth[t[i]] + wb * depth[t[i + 1]] + wc * depth[t[i + 2]]) * scale;
        }
    }

    private const int DetectedLandmarks = Parla.Face.DetectedFace.LandmarkCount;

    /// <summary>Adds <paramref name="delta"/> along a contour with a profile that is 0 at its corners and 1 in the middle.</summary>
    private static void AddProfile(Span<Vector2> positions, int[] chain, Vector2 delta)
    {
        for (var i = 1; i < chain.Length - 1; i++)
            positions[chain[i]] += MathF.Pow(MathF.Sin(MathF.PI * i / (chain.Length - 1)), 0.7f) * delta;
    }

    /// <summary>The lower lid's sag below the corners' chord at position <paramref name="t"/> along it (points sorted or not).</summary>
    private static float SagAt(ReadOnlySpan<float> ts, ReadOnlySpan<float> sags, float t)
    {
        // Nearest two points on either side; the chain is short (about 9 points).
        float bestBelow = -1, sagBelow = 0, bestAbove = 2, sagAbove = 0;
        for (var i = 0; i < ts.Length; i++)
        {
            if (ts[i] <= t && ts[i] > bestBelow) { bestBelow = ts[i]; sagBelow = sags[i]; }
            if (ts[i] >= t && ts[i] < bestAbove) { bestAbove = ts[i]; sagAbove = sags[i]; }
        }
        if (bestBelow < 0) return sagAbove;
        if (bestAbove > 1) return sagBelow;
        var span = bestAbove - bestBelow;
        return span < 1e-6f ? sagBelow : sagBelow + (t - bestBelow) / span * (sagAbove - sagBelow);
    }

    /// <summary>
    /// Closes one eye by <paramref name="amount"/>: both lids move to a line low in the eye (the lower lid's curve raised half way
    /// to the corners' chord), each stopping a hair short of it (keeping its own curvature's sign, so that no
    /// triangle between the lids turns over), and the skin next to the lids follows part of the way.
    /// </summary>
    private static void Blink(FaceRig rig, Span<Vector2> positions, int[] upper, int[] lower, float amount)
    {
        if (amount <= 0) return;
        var rest = rig.Positions;
        var down = rig.Frame.Down;
        var c0 = rest[upper[0]];
        var c1 = rest[upper[^1]];
        var chord = c1 - c0;
        var width = chord.Length();
        if (width < 1e-3f) return;
        var gap = ClosedLidGapOfEyeWidth * width;
        var follow = rig.LidFollowIndex;
        var followWeight = rig.LidFollowWeight;

        // Lid displacements are needed again by their followers: compute them once into a small stack buffer.
        Span<Vector2> deltas = stackalloc Vector2[upper.Length + lower.Length];
        // The lids meet low, as in a real blink: the upper lid comes down most of the way and the lower
        // lid rises only a little, so the closed margin lies on a line half way up from the
        // lower lid's own curve to the corners' chord. Where the lower lid lies above the chord (a
        // downcast or tilted eye, its lid rising past the inner corner) they meet on the lower lid
        // itself: half way there pulled that lid down past the corner and folded the mesh.
        Span<float> lowerT = stackalloc float[lower.Length];
        Span<float> lowerSag = stackalloc float[lower.Length];
        Span<float> lowerAboveChord = stackalloc float[lower.Length];
        for (var i = 0; i < lower.Length; i++)
        {
            var p = rest[lower[i]];
            lowerT[i] = Math.Clamp(Vector2.Dot(p - c0, chord) / (width * width), 0, 1);
            lowerSag[i] = Math.Max(0, Vector2.Dot(p - c0, down));
            lowerAboveChord[i] = Math.Min(0, Vector2.Dot(p - (c0 + lowerT[i] * chord), down));
        }
        for (var pass = 0; pass < 2; pass++)
        {
            var chain = pass == 0 ? upper : lower;
            var side = pass == 0 ? -1f : 1f; // upper lid stops above the line, lower below
            for (var i = 1; i < chain.Length - 1; i++)
            {
                var p = rest[chain[i]];
                var t = Math.Clamp(Vector2.Dot(p - c0, chord) / (width * width), 0, 1);
                var above = SagAt(lowerT, lowerAboveChord, t);
                var meet = above < 0 ? above : 0.5f * SagAt(lowerT, lowerSag, t);
                var target = c0 + t * chord + (meet + side * gap * MathF.Sin(MathF.PI * t)) * down;
                var d = amount * (target - p);
                deltas[pass * upper.Length + i] = d;
                positions[chain[i]] += d;
            }
        }
        for (var v = 0; v < follow.Length; v++)
        {
            var lid = follow[v];
            if (lid < 0) continue;
            var iu = Array.IndexOf(upper, lid);
            var il = iu < 0 ? Array.IndexOf(lower, lid) : -1;
            if (iu > 0) positions[v] += followWeight[v] * deltas[iu];
            else if (il > 0) positions[v] += followWeight[v] * deltas[upper.Length + il];
        }
    }

    private static void Head(FaceRig rig, in FaceState s, ReadOnlySpan<float> depthPixels, Span<Vector2> positions)
    {
        var f = rig.Frame;
        var pivot = new Vector2(rig.PivotPixels.X, rig.PivotPixels.Y);
        var (sy, cy) = MathF.SinCos(s.HeadYawDegrees * MathF.PI / 180);
        var (sp, cp) = MathF.SinCos(s.HeadPitchDegrees * MathF.PI / 180);
        var (sr, cr) = MathF.SinCos(s.HeadRollDegrees * MathF.PI / 180);
        var focal = FocalLengthOfFaceHeight * f.FaceHeightPixels;
        var shift = new Vector2(s.HeadShiftX, s.HeadShiftY) * f.FaceWidthPixels; // image axes, in face widths
        var hw = rig.HeadWeight;
        for (var v = 0; v < positions.Length; v++)
        {
            var w = hw[v];
            if (w <= 0) continue;
            var d = positions[v] - pivot;
            var q = new Vector2(Vector2.Dot(d, f.Right), Vector2.Dot(d, f.Down)); // face axes about the pivot
            var z = depthPixels[v];
            // Yaw about the face's vertical axis (nose towards +x for positive angles), then pitch
            // (nose down for positive), then roll in the image plane (clockwise on screen).
            var a1 = q.X * cy - z * sy;
            var z1 = q.X * sy + z * cy;
            var b2 = q.Y * cp - z1 * sp;
            var z2 = q.Y * sp + z1 * cp;
            var a3 = a1 * cr - b2 * sr;
            var b3 = a1 * sr + b2 * cr;
            var before = q * (focal / (focal + z));
            var after = new Vector2(a3, b3) * (focal / (focal + z2));
            positions[v] += w * (f.ToImageDelta(after - before) + shift);
        }
    }

    private static float Finite(float x) => float.IsFinite(x) ? x : 0;
}
