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
        var jawLandmarks = JawWeights(lm, p, frame, topology);
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
        }

        var (brow, lidIndex, lidWeight) = BrowAndLidWeights(p, frame, topology, n);
        var regions = MakeRegions(p, frame, topology);

        var rig = new FaceRig
        {
            ImageWidth = imageWidth,
            ImageHeight = imageHeight,
            Positions = positions,
            Depth = depth,
            HeadWeight = head,
            JawWeight = jaw,
            BrowWeight = brow,
            LidFollowIndex = lidIndex,
            LidFollowWeight = lidWeight,
            Triangles = triangles,
            Regions = regions,
            Frame = frame,
            PivotPixels = pivot,
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
            NoseToChinPixels = Math.Max(Vector2.Distance(p[NoseTip], p[Chin]), 0.3f * eye),
        };
    }

    private static void KeepGap(List<Vector2> p, FaceFrame frame, ContourPair pair, float minGap)
    {
        if (pair.Upper.Length != pair.Lower.Length) return;
        for (var i = 1; i < pair.Upper.Length - 1; i++)
        {
            var gap = Vector2.Dot(p[pair.Lower[i]] - p[pair.Upper[i]], frame.Down);
            if (gap < minGap) p[pair.Lower[i]] += (minGap - gap) * frame.Down;
        }
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
    /// Jaw weights of the landmarks. The jaw hinges near the ears, so in a frontal view a point moves
    /// down by about its depth in front of the hinge: chin and lower lip fully, the jaw angle hardly.
    /// Above the mouth line nothing follows; a band around the mouth corners blends the two.
    /// </summary>
    private static float[] JawWeights(Vector3[] lm, List<Vector2> p, FaceFrame frame, FaceTopology topology)
    {
        var w = new float[lm.Length];
        var inner = topology.InnerLips;
        var outer = topology.OuterLips;
        var mouthLine = (frame.ToFace(p[outer.Upper[0]]).Y + frame.ToFace(p[outer.Upper[^1]]).Y) / 2;
        var chinB = frame.ToFace(p[Chin]).Y;
        var hm = Math.Max(chinB - mouthLine, 1);
        var zHinge = (lm[ImageLeftEar].Z + lm[ImageRightEar].Z) / 2;
        var zChin = lm[Chin].Z;
        var zSpan = Math.Max(zHinge - zChin, 1e-3f);
        for (var i = 0; i < lm.Length; i++)
        {
            var b = frame.ToFace(p[i]).Y;
            var vertical = SmoothStep(mouthLine - 0.05f * hm, mouthLine + 0.5f * hm, b);
            var depthFactor = SmoothStep(0, 0.8f, (zHinge - lm[i].Z) / zSpan);
            w[i] = vertical * depthFactor;
        }
        // The lips themselves: upper lip stays (the deformer lifts it a little on its own), lower lip
        // follows most in the middle and least at the corners, where it stretches.
        foreach (var i in outer.Upper.Concat(inner.Upper)) w[i] = 0;
        SetProfile(w, inner.Lower, 0.3f, 1.0f);
        SetProfile(w, outer.Lower, 0.3f, 0.92f);
        return w;
    }

    private static void SetProfile(float[] w, int[] chain, float atCorners, float atMiddle)
    {
        for (var i = 0; i < chain.Length; i++)
        {
            var t = MathF.Sin(MathF.PI * i / (chain.Length - 1));
            w[chain[i]] = atCorners + (atMiddle - atCorners) * MathF.Pow(t, 0.7f);
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
        var hops = Hops(topology, brows, browFalloff.Length - 1, eyes);
        for (var i = 0; i < topology.VertexCount; i++)
        {
            if (hops[i] < 0 || eyes.Contains(i)) continue;
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
            var ring = Hops(topology, interior, 2, eyes);
            for (var i = 0; i < topology.VertexCount; i++)
            {
                if (ring[i] <= 0 || eyes.Contains(i) || browSet.Contains(i)) continue;
                var weight = ring[i] == 1 ? near : far;
                if (weight <= lidWeight[i]) continue;
                var best = interior.MinBy(j => Vector2.DistanceSquared(p[j], p[i]));
                lidIndex[i] = best;
                lidWeight[i] = weight;
            }
        }
        return (brow, lidIndex, lidWeight);
    }

    /// <summary>Hops from <paramref name="sources"/> in the tessellation, up to <paramref name="maxHops"/> (−1 beyond); walls are not crossed.</summary>
    private static int[] Hops(FaceTopology topology, IEnumerable<int> sources, int maxHops, HashSet<int> walls)
    {
        var dist = new int[topology.VertexCount];
        Array.Fill(dist, -1);
        var queue = new Queue<int>();
        foreach (var s in sources)
        {
            if (dist[s] == 0) continue;
            dist[s] = 0;
            queue.Enqueue(s);
        }
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            if (dist[v] == maxHops) continue;
            foreach (var nb in topology.Neighbours[v])
            {
                if (dist[nb] >= 0 || walls.Contains(nb)) continue;
                dist[nb] = dist[v] + 1;
                queue.Enqueue(nb);
            }
        }
        return dist;
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
