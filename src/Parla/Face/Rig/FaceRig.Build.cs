using System.Numerics;
using Parla.Media;

namespace Parla.Face.Rig;

public sealed partial record FaceRig
{
    // Well-known FaceMesh landmark numbers used to set up the face frame (not region lists: those
    // come from the package through FaceTopology).
    private const int ImageLeftOuterEyeCorner = 33, ImageRightOuterEyeCorner = 263;
    private const int ForeheadTop = 10, Chin = 152, NoseTip = 1;
    private const int ImageLeftEar = 234, ImageRightEar = 454;
    private const int ImageLeftCheek = 50, ImageRightCheek = 280;

    /// <summary>
    /// The shortest nose-to-chin distance the jaw's travel is measured from, in eye distances. Of 24
    /// portraits at hand 19 measure 0.66–0.93 (a profile 1.14); four heads bowed towards the camera
    /// measure 0.39–0.62, and scaled by that alone their jaws barely opened (on one the inner lips'
    /// gap at its widest tenth of a read 0.08 eye distances, against 0.09–0.26 on the others), while a
    /// voice opens a mouth by about as much whatever the pose.
    /// </summary>
    private const float ShortestNoseToChinOfEyeDistance = 0.65f;

    /// <summary>Distances of the two rings of extra vertices outside the face oval, in face heights.</summary>
    private const float InnerRingOffset = 0.3f, OuterRingOffset = 0.8f;

    /// <summary>
    /// Builds the rig of <paramref name="face"/> in an image of the given size, and samples its
    /// colours from <paramref name="image"/> when one is given (otherwise plain defaults).
    /// </summary>
    /// <exception cref="ArgumentException">The face does not have the 468 landmarks, or the topology does not match.</exception>
    public static FaceRig Build(DetectedFace face, int imageWidth, int imageHeight, FaceTopology topology, Frame? image = null)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 16);
        if (face.Points.Length != DetectedFace.LandmarkCount)
            throw new ArgumentException($"A face needs {DetectedFace.LandmarkCount} landmarks, this one has {face.Points.Length}.", nameof(face));
        if (topology.VertexCount != DetectedFace.LandmarkCount)
            throw new ArgumentException($"The topology describes {topology.VertexCount} landmarks, not {DetectedFace.LandmarkCount}.", nameof(topology));
        if (image is not null && (image.Width != imageWidth || image.Height != imageHeight))
            throw new ArgumentException($"The image is {image.Width}x{image.Height}, the rig is for {imageWidth}x{imageHeight}.", nameof(image));

        var lm = face.Points;
        var p = new List<Vector2>(lm.Length + 128);
        foreach (var v in lm) p.Add(new Vector2(Math.Clamp(v.X, 0, imageWidth), Math.Clamp(v.Y, 0, imageHeight)));

        var frame = MakeFrame(p);
        var eye = frame.EyeDistancePixels;
        var faceH = frame.FaceHeightPixels;

        // Where the portrait's lips or lids touch, the upper and lower contour points coincide and
        // the triangles between them have no orientation; keep a small gap so that opening the mouth
        // or closing the lid never has to decide which way a zero-area triangle faces.
        var minGap = Math.Max(0.3f, 0.012f * eye);
        KeepGap(p, frame, topology.InnerLips, minGap);
        KeepGap(p, frame, topology.ImageLeftEye, minGap);
        KeepGap(p, frame, topology.ImageRightEye, minGap);
        var teethInGap = image is null ? 0 : LipsOffTheTeeth(p, lm.Length, frame, topology, image);
        KeepLipsThick(p, lm.Length, frame, topology, 0.04f * eye);

        var pivot = new Vector3((p[ImageLeftEar] + p[ImageRightEar]) / 2, (lm[ImageLeftEar].Z + lm[ImageRightEar].Z) / 2);

        // Extra vertices: two rings pushed out from the face oval, then points along the image border.
        var outwardness = new List<float>();   // 0 on the face, 1 at the outer ring and border
        var source = new List<int>();          // the oval landmark a ring vertex was pushed from, or −1
        for (var i = 0; i < lm.Length; i++) { outwardness.Add(0); source.Add(i); }
        var centre = Vector2.Zero;
        foreach (var i in topology.FaceOval) centre += p[i];
        centre /= topology.FaceOval.Length;
        var margin = 1f;
        var border = BorderPoints(imageWidth, imageHeight);
        foreach (var (offset, spacing) in new[] { (InnerRingOffset, 0.1f * faceH), (OuterRingOffset, 0.2f * faceH) })
        {
            foreach (var i in topology.FaceOval)
            {
                var dir = Vector2.Normalize(p[i] - centre);
                var q = p[i] + dir * offset * faceH;
                q = new Vector2(Math.Clamp(q.X, margin, imageWidth - margin), Math.Clamp(q.Y, margin, imageHeight - margin));
                if (TooClose(q, p, lm.Length, spacing) || border.Any(b => Vector2.Distance(b, q) < spacing)) continue;
                p.Add(q);
                outwardness.Add(offset / OuterRingOffset);
                source.Add(i);
            }
        }
        // Border points are added last and skip any ring point they would nearly coincide with.
        foreach (var b in border)
        {
            if (TooClose(b, p, 0, 0.5f)) continue;
            p.Add(b);
            outwardness.Add(1);
            source.Add(-1);
        }

        var n = p.Count;
        var positions = p.ToArray();
        var triangles = Delaunay.Triangulate(positions);

        var depth = new float[n];
        var head = new float[n];
        var jaw = new float[n];
        var fromBorderSoftness = 0.25f * faceH;
        var (jawLandmarks, upperLipLandmarks) = JawWeights(lm, p, frame, topology);
        var upperLip = new float[n];
        for (var v = 0; v < n; v++)
        {
            var s = outwardness[v];
            var src = source[v];
            depth[v] = src >= 0 ? (lm[src].Z - pivot.Z) / eye : 0;
            // Smoothstep fall-off from the face to the outer ring, and to nothing at the border.
            var d = Math.Min(Math.Min(positions[v].X, imageWidth - positions[v].X), Math.Min(positions[v].Y, imageHeight - positions[v].Y));
            var borderFactor = SmoothStep(0, fromBorderSoftness, d);
            head[v] = (1 - SmoothStep(0, 1, s)) * borderFactor;
            jaw[v] = src >= 0 ? jawLandmarks[src] * (1 - SmoothStep(0, 0.7f, s)) * borderFactor : 0;
            if (v < lm.Length) upperLip[v] = upperLipLandmarks[v];
        }
        // FaceMesh depth rises almost vertically at the face's silhouette, and the jaw's pull changes
        // fast around the lips. Turned into motion, a steep field slides a vertex past its neighbour
        // and folds the mesh, so both are made gentle enough, triangle by triangle, for the largest
        // motion the deformer allows: yaw/pitch up to 25° need |∇z| < cot 25° ≈ 2.1 (1.2 leaves room
        // for the other motions on top); the jaw's down-pull of travel D must not shrink any triangle's
        // height by more than 40 %, so ∂w/∂down ≥ −0.4 / D (what is left is for the head's motion on top).
        for (var v = 0; v < n; v++) depth[v] *= eye;
        Smooth(depth, triangles, n, iterations: 4);
        LimitGradient(positions, depth, triangles, g => g.Length() / 1.2f);
        for (var v = 0; v < n; v++) depth[v] /= eye;
        var jawTravel = 0.35f * frame.NoseToChinPixels;
        LimitGradient(positions, jaw, triangles, g => -Vector2.Dot(g, frame.Down) * jawTravel / 0.4f);

        var (brow, lidIndex, lidWeight) = BrowAndLidWeights(p, frame, topology, n);
        // Brows move up or down by up to 6 % of the face height: the same rule in both directions.
        var browTravel = 0.06f * faceH;
        // The lids keep still when the brows move (they have their own motion).
        var eyeContours = new bool[n];
        foreach (var v in topology.ImageLeftEye.Loop().Concat(topology.ImageRightEye.Loop())) eyeContours[v] = true;
        LimitGradient(positions, brow, triangles, g => MathF.Abs(Vector2.Dot(g, frame.Down)) * browTravel / 0.4f, eyeContours);
        var regions = MakeRegions(p, frame, topology);

        var rig = new FaceRig
        {
            ImageWidth = imageWidth,
            ImageHeight = imageHeight,
            Positions = positions,
            Depth = depth,
            HeadWeight = head,
            JawWeight = jaw,
            UpperLipWeight = upperLip,
            BrowWeight = brow,
            LidFollowIndex = lidIndex,
            LidFollowWeight = lidWeight,
            Triangles = triangles,
            Regions = regions,
            Frame = frame,
            PivotPixels = pivot,
            TeethInLipGapPixels = teethInGap,
            SkinColor = new RigColor(200, 160, 140),
            LipColor = new RigColor(170, 90, 90),
            MouthInteriorColor = new RigColor(60, 20, 22),
            TeethColor = new RigColor(225, 218, 205),
        };
        return image is null ? rig : rig.WithColorsFrom(image);
    }

    /// <summary>A copy of this rig with skin, lip, mouth-interior and teeth colours sampled from <paramref name="image"/>.</summary>
    public FaceRig WithColorsFrom(Frame image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var p = Positions;
        var eye = Frame.EyeDistancePixels;
        var skin = Average(image, [p[ImageLeftCheek], p[ImageRightCheek]], 0.06f * eye);
        var lowerLip = (p[Regions.InnerLipLower[Regions.InnerLipLower.Length / 2]] + p[Regions.OuterLipLower[Regions.OuterLipLower.Length / 2]]) / 2;
        var upperLip = (p[Regions.InnerLipUpper[Regions.InnerLipUpper.Length / 2]] + p[Regions.OuterLipUpper[Regions.OuterLipUpper.Length / 2]]) / 2;
        var lips = Average(image, [lowerLip, upperLip], 0.03f * eye);
        // A mouth's inside is a dark, reddish shadow of the lips (about a quarter of their light, less
        // green and blue), never pitch black: pitch black reads as a hole in the picture.
        var interior = new RigColor((byte)(lips.R * 0.30f + 8), (byte)(lips.G * 0.15f + 4), (byte)(lips.B * 0.16f + 5));
        // Teeth: off-white tinted a little by the skin, and kept below the portrait's brightest skin
        // so they do not glow.
        var scale = Math.Clamp(skin.Luma / 170f, 0.75f, 1.05f);
        var teeth = new RigColor(
            (byte)Math.Clamp((0.85f * 232 + 0.15f * skin.R) * scale, 0, 255),
            (byte)Math.Clamp((0.85f * 226 + 0.15f * skin.G) * scale, 0, 255),
            (byte)Math.Clamp((0.85f * 212 + 0.15f * skin.B) * scale, 0, 255));
        return this with { SkinColor = skin, LipColor = lips, MouthInteriorColor = interior, TeethColor = teeth };
    }

    private static FaceFrame MakeFrame(List<Vector2> p)
    {
        var l = p[ImageLeftOuterEyeCorner];
        var r = p[ImageRightOuterEyeCorner];
        var eye = Vector2.Distance(l, r);
        if (eye < 4) throw new ArgumentException($"The eye corners are {eye:0.0} px apart: the face is too small to animate.");
        var right = (r - l) / eye;
        var down = new Vector2(-right.Y, right.X);
        return new FaceFrame
        {
            Origin = (l + r) / 2,
            Right = right,
            Down = down,
            EyeDistancePixels = eye,
            FaceHeightPixels = Math.Max(Vector2.Distance(p[ForeheadTop], p[Chin]), eye),
            FaceWidthPixels = Math.Max(Vector2.Distance(p[ImageLeftEar], p[ImageRightEar]), eye),
            NoseToChinPixels = Math.Max(Vector2.Distance(p[NoseTip], p[Chin]), ShortestNoseToChinOfEyeDistance * eye),
        };
    }

    private static List<Vector2> BorderPoints(int w, int h)
    {
        // Eight segments per side: enough that border triangles are not needle-thin.
        const int segments = 8;
        var points = new List<Vector2>();
        for (var i = 0; i < segments; i++)
        {
            float t = (float)i / segments;
            points.Add(new Vector2(t * w, 0));
            points.Add(new Vector2(w, t * h));
            points.Add(new Vector2(w - t * w, h));
            points.Add(new Vector2(0, h - t * h));
        }
        return points;
    }

    private static bool TooClose(Vector2 q, List<Vector2> p, int from, float spacing)
    {
        for (var i = from; i < p.Count; i++)
            if (Vector2.DistanceSquared(p[i], q) < spacing * spacing) return true;
        return false;
    }

    /// <summary>
    /// Jaw weights and upper-lip lift weights of the landmarks. The jaw hinges near the ears, so in a
    /// frontal view a point moves down by about its depth in front of the hinge: chin and lower lip
    /// fully, the jaw angle hardly. Above the mouth line (the midline of the inner lips, extended
    /// sideways from the corners) nothing follows. Just below it the weight follows a near-ellipse
    /// across the mouth (full in the middle, nothing at the corners, so the opening is oval); further
    /// down it rises to 1 everywhere (the chin moves as a whole). At any point across the face the
    /// weight never decreases downwards, which keeps the opening jaw from folding a triangle.
    /// </summary>
    private static (float[] Jaw, float[] UpperLip) JawWeights(Vector3[] lm, List<Vector2> p, FaceFrame frame, FaceTopology topology)
    {
        var jaw = new float[lm.Length];
        var lift = new float[lm.Length];
        var inner = topology.InnerLips;
        var n = Math.Min(inner.Upper.Length, inner.Lower.Length);
        var ma = new float[n];
        var mb = new float[n];
        for (var i = 0; i < n; i++)
        {
            var m = frame.ToFace((p[inner.Upper[i]] + p[inner.Lower[i]]) / 2);
            ma[i] = m.X;
            mb[i] = m.Y;
        }
        var centreA = (ma[0] + ma[^1]) / 2;
        var halfWidth = Math.Max((ma[^1] - ma[0]) / 2, 1);
        var lineMid = mb[n / 2];
        var chinB = frame.ToFace(p[Chin]).Y;
        var hm = Math.Max(chinB - lineMid, 1);
        var noseB = frame.ToFace(p[NoseTip]).Y;
        var hu = Math.Max(lineMid - noseB, 1);
        var zHinge = (lm[ImageLeftEar].Z + lm[ImageRightEar].Z) / 2;
        var zSpan = Math.Max(zHinge - lm[Chin].Z, 1e-3f);
        for (var i = 0; i < lm.Length; i++)
        {
            var f = frame.ToFace(p[i]);
            var line = InterpolateClamped(ma, mb, f.X);
            var u = MathF.Abs(f.X - centreA) / halfWidth; // 0 middle, 1 corners
            // Right under the lips the jaw's pull follows an ellipse across the mouth (the opening
            // is oval, the corners stay); further down the whole chin goes with the jaw.
            // A hard step at the line: between the corners it falls in the gap between the inner lips
            // (kept open by KeepGap), beyond them `far` is still ~0 there, so nothing jumps.
            var near = f.Y > line ? 1f : 0f;
            // sin(π/2 (1 − u²)): nearly an ellipse, but with a finite slope at the corners, where a
            // steeper profile would shear the short triangles of the lip corners over.
            var oval = MathF.Sin(MathF.PI / 2 * Math.Max(0, 1 - u * u));
            var far = SmoothStep(line, line + 0.6f * hm, f.Y);
            var depthFactor = SmoothStep(0, 0.8f, (zHinge - lm[i].Z) / zSpan);
            jaw[i] = near * (oval + (1 - oval) * far) * depthFactor;
            // The upper lip lifts as a whole, most in the middle, fading towards the nose and the corners.
            if (f.Y < line)
            {
                var across = (f.X - centreA) / (0.6f * halfWidth);
                lift[i] = MathF.Exp(-across * across) * (1 - SmoothStep(0, 0.5f * hu, line - f.Y));
            }
        }
        return (jaw, lift);
    }

    private static float InterpolateClamped(float[] xs, float[] ys, float x)
    {
        if (x <= xs[0]) return ys[0];
        for (var i = 1; i < xs.Length; i++)
        {
            if (x > xs[i]) continue;
            var span = xs[i] - xs[i - 1];
            return span > 1e-6f ? ys[i - 1] + (x - xs[i - 1]) / span * (ys[i] - ys[i - 1]) : ys[i];
        }
        return ys[^1];
    }

    /// <summary>
    /// Averages each value with its mesh neighbours' (weight ½ to itself), smoothing out the kinks
    /// that a piecewise-linear field has where FaceMesh's depth is noisy.
    /// </summary>
    private static void Smooth(float[] field, int[] triangles, int n, int iterations)
    {
        var sum = new float[n];
        var count = new int[n];
        for (var it = 0; it < iterations; it++)
        {
            Array.Clear(sum);
            Array.Clear(count);
            for (var t = 0; t < triangles.Length; t += 3)
            {
                for (var e = 0; e < 3; e++)
                {
                    int i = triangles[t + e], j = triangles[t + (e + 1) % 3];
                    // Each interior edge is seen twice, once from each side: that only doubles both sums.
                    sum[i] += field[j]; count[i]++;
                    sum[j] += field[i]; count[j]++;
                }
            }
            for (var v = 0; v < n; v++)
                if (count[v] > 0) field[v] = 0.5f * field[v] + 0.5f * sum[v] / count[v];
        }
    }

    /// <summary>
    /// Limits a per-vertex field's gradient inside every triangle (the field is linear there). When a
    /// triangle's gradient, seen through <paramref name="measure"/>, exceeds the limit, the three values
    /// are pulled towards their mean just enough; sweeps repeat until no triangle exceeds it.
    /// </summary>
    /// <remarks>
    /// <paramref name="measure"/> maps a triangle's gradient (in image axes) to a number that must stay
    /// at or below 1; <paramref name="pinned"/> marks vertices whose value must not change (the others give way).
    /// </remarks>
    private static void LimitGradient(Vector2[] p, float[] field, int[] triangles, Func<Vector2, float> measure, bool[]? pinned = null)
    {
        for (var sweep = 0; sweep < 500; sweep++)
        {
            var changed = false;
            for (var t = 0; t < triangles.Length; t += 3)
            {
                int i = triangles[t], j = triangles[t + 1], k = triangles[t + 2];
                var e1 = p[j] - p[i];
                var e2 = p[k] - p[i];
                var det = e1.X * e2.Y - e1.Y * e2.X;
                if (det <= 1e-6f) continue;
                float f1 = field[j] - field[i], f2 = field[k] - field[i];
                // Gradient of the linear interpolant: solve [e1; e2] g = [f1; f2].
                var g = new Vector2((f1 * e2.Y - f2 * e1.Y) / det, (e1.X * f2 - e2.X * f1) / det);
                var m = measure(g);
                if (m <= 1.0001f) continue;
                var scale = 1 / m;
                var mean = (field[i] + field[j] + field[k]) / 3;
                if (pinned is null || !pinned[i]) field[i] = mean + scale * (field[i] - mean);
                if (pinned is null || !pinned[j]) field[j] = mean + scale * (field[j] - mean);
                if (pinned is null || !pinned[k]) field[k] = mean + scale * (field[k] - mean);
                changed = true;
            }
            if (!changed) return;
        }
    }

    private static (float[] Brow, int[] LidIndex, float[] LidWeight) BrowAndLidWeights(List<Vector2> p, FaceFrame frame, FaceTopology topology, int n)
    {
        var brow = new float[n];
        var lidIndex = new int[n];
        var lidWeight = new float[n];
        Array.Fill(lidIndex, -1);

        var eyes = new HashSet<int>(topology.ImageLeftEye.Loop().Concat(topology.ImageRightEye.Loop()));
        var brows = topology.ImageLeftBrow.Upper.Concat(topology.ImageLeftBrow.Lower)
            .Concat(topology.ImageRightBrow.Upper).Concat(topology.ImageRightBrow.Lower).ToArray();
        var browSet = new HashSet<int>(brows);
        // Brows drag the forehead and the skin between brow and lid along, less with every hop.
        ReadOnlySpan<float> browFalloff = [1f, 0.55f, 0.25f, 0.08f];
        var eyeLine = (frame.ToFace(p[ImageLeftOuterEyeCorner]).Y + frame.ToFace(p[ImageRightOuterEyeCorner]).Y) / 2;
        var hops = topology.HopDistances(brows, browFalloff.Length - 1, eyes);
        for (var i = 0; i < topology.VertexCount; i++)
        {
            if (hops[i] == int.MaxValue || eyes.Contains(i)) continue;
            // Only above the eyes; the nose below the eye line keeps still.
            if (frame.ToFace(p[i]).Y > eyeLine - 0.02f * frame.EyeDistancePixels && !browSet.Contains(i)) continue;
            brow[i] = browFalloff[hops[i]];
        }

        // The skin just above an upper lid folds down with it in a blink; the skin under the lower lid
        // rises a little with it.
        foreach (var (lid, near, far) in new[]
        {
            (topology.ImageLeftEye.Upper, 0.5f, 0.2f), (topology.ImageRightEye.Upper, 0.5f, 0.2f),
            (topology.ImageLeftEye.Lower, 0.35f, 0.12f), (topology.ImageRightEye.Lower, 0.35f, 0.12f),
        })
        {
            var interior = lid[1..^1];
            var ring = topology.HopDistances(interior, 2, eyes);
            for (var i = 0; i < topology.VertexCount; i++)
            {
                if (ring[i] == 0 || ring[i] == int.MaxValue || eyes.Contains(i) || browSet.Contains(i)) continue;
                var weight = ring[i] == 1 ? near : far;
                if (weight <= lidWeight[i]) continue;
                var best = interior.MinBy(j => Vector2.DistanceSquared(p[j], p[i]));
                lidIndex[i] = best;
                lidWeight[i] = weight;
            }
        }
        FollowLidsNearTheOpening(p, topology.ImageLeftEye, eyes, lidIndex, lidWeight, brow);
        FollowLidsNearTheOpening(p, topology.ImageRightEye, eyes, lidIndex, lidWeight, brow);
        return (brow, lidIndex, lidWeight);
    }

    /// <summary>How far above an upper lid (in eye widths) a point the mesh does not tie to the lid still follows it.</summary>
    private const float OutsideFollowReach = 0.2f;

    /// <summary>
    /// A vertex that lies inside an eye's opening without being one of its contour's (on a turned head
    /// FaceMesh projects points of the face's far edge there) is swept over by the closing upper lid,
    /// and the triangles between it and the lid turned over: the fold guard then held back the whole
    /// motion on every blink frame, the blink itself to half closed. Such a vertex follows the upper lid
    /// by how near it lies to it (all the way at the lid, not at all at the lower lid), so it stays
    /// between the lids as they close, and the brows leave it to the lid. So does a point just above the
    /// lid that the mesh does not tie to it, less the higher it lies (none at <see cref="OutsideFollowReach"/>).
    /// </summary>
    private static void FollowLidsNearTheOpening(List<Vector2> p, ContourPair eye, HashSet<int> eyeContours,
        int[] lidIndex, float[] lidWeight, float[] brow)
    {
        var (upper, lower) = (eye.Upper, eye.Lower);
        var c0 = p[upper[0]];
        var chord = p[upper[^1]] - c0;
        if (chord.Length() < 1e-3f) return;
        var axis = Vector2.Normalize(chord);
        var down = new Vector2(-axis.Y, axis.X);
        float[] Along(int[] chain) => chain.Select(v => Vector2.Dot(p[v] - c0, axis)).ToArray();
        float[] Across(int[] chain) => chain.Select(v => Vector2.Dot(p[v] - c0, down)).ToArray();
        var (ua, ub, la, lb) = (Along(upper), Across(upper), Along(lower), Across(lower));
        var interior = upper[1..^1];
        for (var i = 0; i < p.Count; i++)
        {
            if (eyeContours.Contains(i)) continue;
            var a = Vector2.Dot(p[i] - c0, axis);
            if (a <= 0 || a >= chord.Length()) continue;
            var b = Vector2.Dot(p[i] - c0, down);
            float top = InterpolateClamped(ua, ub, a), bottom = InterpolateClamped(la, lb, a);
            float weight;
            if (b > top && b < bottom) weight = (bottom - b) / (bottom - top);
            // Just above the lid and not held by it through the mesh (a point of the face's edge): it
            // would be passed by the lid beside it, so it follows, less the higher it lies.
            else if (b <= top && lidIndex[i] < 0 && top - b < OutsideFollowReach * chord.Length()) weight = 1 - (top - b) / (OutsideFollowReach * chord.Length());
            else continue;
            lidIndex[i] = interior.MinBy(j => MathF.Abs(Vector2.Dot(p[j] - c0, axis) - a));
            lidWeight[i] = weight;
            brow[i] = 0;
        }
    }

    private static RigRegions MakeRegions(List<Vector2> p, FaceFrame frame, FaceTopology topology)
    {
        var oval = topology.FaceOval;
        var earLine = (frame.ToFace(p[ImageLeftEar]).Y + frame.ToFace(p[ImageRightEar]).Y) / 2;
        // Walk the oval from one ear through the chin to the other.
        var start = Array.IndexOf(oval, ImageLeftEar);
        var jawLine = new List<int>();
        for (var k = 0; k < oval.Length; k++)
        {
            var v = oval[(start + k) % oval.Length];
            if (frame.ToFace(p[v]).Y >= earLine - 1e-3f) jawLine.Add(v);
        }
        if (jawLine.Count > 1 && frame.ToFace(p[jawLine[0]]).X > frame.ToFace(p[jawLine[^1]]).X) jawLine.Reverse();

        // The nose: landmarks near the midline between the eye line and the top of the upper lip.
        var eye = frame.EyeDistancePixels;
        var lipTop = topology.OuterLips.Upper.Min(i => frame.ToFace(p[i]).Y);
        var nose = Enumerable.Range(0, topology.VertexCount).Where(i =>
        {
            var f = frame.ToFace(p[i]);
            return MathF.Abs(f.X) < 0.28f * eye && f.Y > 0.05f * eye && f.Y < lipTop - 0.04f * eye;
        }).ToArray();

        return new RigRegions
        {
            OuterLipUpper = topology.OuterLips.Upper,
            OuterLipLower = topology.OuterLips.Lower,
            InnerLipUpper = topology.InnerLips.Upper,
            InnerLipLower = topology.InnerLips.Lower,
            ImageLeftEyeUpper = topology.ImageLeftEye.Upper,
            ImageLeftEyeLower = topology.ImageLeftEye.Lower,
            ImageRightEyeUpper = topology.ImageRightEye.Upper,
            ImageRightEyeLower = topology.ImageRightEye.Lower,
            ImageLeftBrow = [.. topology.ImageLeftBrow.Upper, .. topology.ImageLeftBrow.Lower],
            ImageRightBrow = [.. topology.ImageRightBrow.Upper, .. topology.ImageRightBrow.Lower],
            JawLine = [.. jawLine],
            Nose = nose,
            FaceOval = oval,
        };
    }

    private static RigColor Average(Frame image, Vector2[] centres, float radius)
    {
        radius = Math.Max(radius, 1.5f);
        double r = 0, g = 0, b = 0;
        var count = 0;
        var px = image.Buffer;
        foreach (var c in centres)
        {
            for (var y = (int)(c.Y - radius); y <= (int)(c.Y + radius); y++)
            {
                if ((uint)y >= (uint)image.Height) continue;
                for (var x = (int)(c.X - radius); x <= (int)(c.X + radius); x++)
                {
                    if ((uint)x >= (uint)image.Width) continue;
                    if (Vector2.DistanceSquared(new Vector2(x + 0.5f, y + 0.5f), c) > radius * radius) continue;
                    var o = y * image.Stride + x * 4;
                    r += px[o]; g += px[o + 1]; b += px[o + 2];
                    count++;
                }
            }
        }
        if (count == 0) return new RigColor(128, 128, 128);
        return new RigColor((byte)Math.Round(r / count), (byte)Math.Round(g / count), (byte)Math.Round(b / count));
    }

    internal static float SmoothStep(float edge0, float edge1, float x)
    {
        var t = Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3 - 2 * t);
    }
}
