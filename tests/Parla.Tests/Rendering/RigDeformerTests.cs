using System.Numerics;
using Parla.Face.Rig;
using Parla.Motion;
using Parla.Rendering;

namespace Parla.Tests.Rendering;

public class RigDeformerTests
{
    public static TheoryData<string> Portraits => new(RenderFixture.Names);

    // Each parameter's extremes, well beyond the documented ranges (the deformer clamps).
    private static readonly (string Name, float Min, float Max)[] Parameters =
    [
        ("JawOpen", -1, 2), ("LipRound", -1, 2), ("LipWidth", -2, 2), ("LipPress", -1, 2),
        ("BlinkLeft", -1, 2), ("BlinkRight", -1, 2), ("BrowRaise", -3, 3),
        ("HeadYawDegrees", -90, 90), ("HeadPitchDegrees", -90, 90), ("HeadRollDegrees", -90, 90),
        ("HeadShiftX", -1, 1), ("HeadShiftY", -1, 1), ("GazeX", -3, 3), ("GazeY", -3, 3),
    ];

    [Theory]
    [MemberData(nameof(Portraits))]
    public void RestMeshLocator_FindsTheFirstTriangleAFullScanFinds_WithItsWeights(string name)
    {
        var (_, rig) = RenderFixture.Get(name);
        var locator = RestMeshLocator.For(rig);
        var t = rig.Triangles;
        static bool Holds(FaceRig rig, int i, Vector2 p)
        {
            var (r, t) = (rig.Positions, rig.Triangles);
            Vector2 a = r[t[i]], b = r[t[i + 1]], c = r[t[i + 2]];
            if (p.X < MathF.Min(a.X, MathF.Min(b.X, c.X)) || p.X > MathF.Max(a.X, MathF.Max(b.X, c.X)) ||
                p.Y < MathF.Min(a.Y, MathF.Min(b.Y, c.Y)) || p.Y > MathF.Max(a.Y, MathF.Max(b.Y, c.Y))) return false;
            var area = RigDeformer.SignedArea2(a, b, c);
            var wa = RigDeformer.SignedArea2(p, b, c) / area;
            var wb = RigDeformer.SignedArea2(a, p, c) / area;
            return wa >= -1e-5f && wb >= -1e-5f && 1 - wa - wb >= -1e-5f;
        }

        var random = new Random(11);
        // Random points over (and a little beyond) the image, and every vertex itself (on shared edges and corners).
        var points = Enumerable.Range(0, 5000)
            .Select(_ => new Vector2((float)(random.NextDouble() * 1.2 - 0.1) * rig.ImageWidth, (float)(random.NextDouble() * 1.2 - 0.1) * rig.ImageHeight))
            .Concat(rig.Positions);
        var found = 0;
        foreach (var p in points)
        {
            var scan = -1;
            for (var i = 0; i < t.Length && scan < 0; i += 3) if (Holds(rig, i, p)) scan = i;
            // The same triangle, and its weights to the bit (each triangle's box and area are made once).
            Assert.Equal(scan, locator.Locate(p, out var wa, out var wb));
            if (scan < 0) continue;
            var r = rig.Positions;
            var area = RigDeformer.SignedArea2(r[t[scan]], r[t[scan + 1]], r[t[scan + 2]]);
            Assert.Equal(RigDeformer.SignedArea2(p, r[t[scan + 1]], r[t[scan + 2]]) / area, wa);
            Assert.Equal(RigDeformer.SignedArea2(r[t[scan]], p, r[t[scan + 2]]) / area, wb);
            found++;
        }

        Assert.True(found > 4000, $"{found} points inside the mesh");
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Deform_ExtremeStates_NeverFoldATriangle(string name)
    {
        var (_, rig) = RenderFixture.Get(name);
        var positions = new Vector2[rig.VertexCount];
        var random = new Random(7);
        // 1000 random combinations of extremes (beyond the documented ranges: the deformer clamps),
        // zeros and values between.
        var states = new List<FaceState>();
        for (var i = 0; i < 1000; i++)
        {
            var s = default(FaceState);
            foreach (var p in Parameters)
            {
                s = random.Next(4) switch
                {
                    0 => With(s, p.Name, p.Min),
                    1 => With(s, p.Name, p.Max),
                    2 => s,
                    _ => With(s, p.Name, p.Min + random.NextSingle() * (p.Max - p.Min)),
                };
            }
            states.Add(s);
        }
        var scaledBack = 0;
        var applied = 0.0;
        foreach (var s in states)
        {
            var fraction = RigDeformer.Deform(rig, s, positions);
            Assert.True(!RigDeformer.HasFold(rig, positions), $"{s} folds {FoldedTriangles(rig, positions)}");
            if (fraction < 1) scaledBack++;
            applied += fraction;
        }
        // The fold guard is a net, not the design: the motion model alone keeps the mesh upright for
        // nearly all of these (what remains are full head turns on top of a wide-open smiling jaw).
        Assert.True(scaledBack < states.Count / 10, $"{scaledBack} of {states.Count} states needed the fold guard");
        Assert.True(applied / states.Count > 0.97, $"on average only {applied / states.Count:P1} of the motion was applied");
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void DeformUnguarded_EachParameterAtItsExtremes_KeepsEveryTriangleUpright(string name)
    {
        var (_, rig) = RenderFixture.Get(name);
        var positions = new Vector2[rig.VertexCount];
        foreach (var p in Parameters)
        {
            foreach (var value in new[] { p.Min, p.Max })
            {
                var s = RigDeformer.Clamp(With(default, p.Name, value));
                RigDeformer.DeformUnguarded(rig, s, positions);
                Assert.True(!RigDeformer.HasFold(rig, positions), $"{p.Name} = {value} folds {FoldedTriangles(rig, positions)}");
            }
        }
    }

    [Fact]
    public void Deform_Neutral_IsTheRestPose()
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        var positions = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, new FaceState { JawOpen = RigDeformer.RestJawOpen(rig) }, positions);
        Assert.Equal(rig.Positions, positions);
    }

    [Fact]
    public void Deform_JawOpen_OpensLipsDrawnAsOneLine_InAnOvalWithoutAPinch()
    {
        // The anime sprite's mouth is a single curved stroke: the mesh's lip points lie within a pixel
        // of each other. The mouth must still open fully and widest in the middle (it once opened as
        // a bow tie: one lower-lip point held back by the weights' fold limit, then the guard).
        var (_, rig) = RenderFixture.Get("sylvie_anime");
        var p = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, new FaceState { JawOpen = 0.6f }, p);
        var r = rig.Regions;
        var gaps = r.InnerLipUpper.Zip(r.InnerLipLower).Select(t => Vector2.Dot(p[t.Second] - p[t.First], rig.Frame.Down)).ToArray();
        Assert.Equal(1f, applied);
        var widest = gaps.Max();
        Assert.True(widest > 0.1f * rig.Frame.EyeDistancePixels, $"gaps {string.Join(" ", gaps.Select(g => g.ToString("0.0")))}");
        // From the widest point to each corner the gap only narrows (allowing half a pixel of wobble).
        var top = Array.IndexOf(gaps, widest);
        for (var i = 1; i < gaps.Length; i++)
        {
            var towardsCorner = i <= top ? gaps[i - 1] <= gaps[i] + 0.5f : gaps[i] <= gaps[i - 1] + 0.5f;
            Assert.True(towardsCorner, $"the opening pinches at {i}: {string.Join(" ", gaps.Select(g => g.ToString("0.0")))}");
        }
    }

    [Fact]
    public void Deform_JawOpenZero_ShutsLipsPhotographedApart()
    {
        var (_, rig) = RenderFixture.Get("astronaut"); // photographed smiling, teeth showing
        Assert.True(RigDeformer.RestJawOpen(rig) > 0.1f);
        var p = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, default, p);
        var gap = Vector2.Dot(p[14] - p[13], rig.Frame.Down);
        Assert.InRange(gap, -0.5f, 0.03f * rig.Frame.EyeDistancePixels);
    }

    [Fact]
    public void Deform_JawOpenZero_ShutsLipsPartedLopsidedly_WithoutHoldingBackTheMotion()
    {
        // A lopsided smile, or a head turned so the mouth's far half is foreshortened: the lips parted
        // in the middle and on the image-left, nearly touching on the image-right. The middle's gap was
        // closed everywhere, the lower lip crossed the upper on the right, and the fold guard held the
        // whole motion back (three quarters of the closure on such a photo, its teeth showing on m, b, p).
        var rig = AstronautWith(points =>
        {
            // Image-right half of the inner lips (MediaPipe's left), upper and lower partners.
            foreach (var (upper, lower) in new[] { (312, 317), (311, 402), (310, 318), (415, 324) })
                points[lower] = points[upper] with { Y = points[upper].Y + 1 };
        });
        Assert.True(RigDeformer.RestJawOpen(rig) > 0.1f);
        var p = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, default, p);
        var r = rig.Regions;
        var gaps = r.InnerLipUpper.Zip(r.InnerLipLower).Select(t => Vector2.Dot(p[t.Second] - p[t.First], rig.Frame.Down)).ToArray();
        var shown = string.Join(" ", gaps.Select(g => g.ToString("0.0")));
        Assert.True(applied == 1f, $"only {applied:P0} of the motion applied; gaps {shown}");
        Assert.All(gaps, g => Assert.InRange(g, -0.5f, 0.03f * rig.Frame.EyeDistancePixels));
    }

    [Fact]
    public void Deform_Blink_CarriesAPointProjectedIntoTheEyeAlong_WithoutHoldingBackTheMotion()
    {
        // On a turned head FaceMesh can project a point of the face's far edge into an eye's opening;
        // the closing lid swept over it, the triangles between them turned over, and the fold guard
        // held the whole motion back on every blink frame (the blink itself to half closed).
        var rig = AstronautWith(points =>
        {
            // Landmark 130 (skin beside the image-left eye's outer corner) into the middle of its opening.
            points[130] = (points[159] + points[145]) / 2;
        });
        var p = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = 1 }, p);
        Assert.True(applied == 1f, $"only {applied:P0} of the blink applied");
        // The point stays between the shut lids.
        var down = rig.Frame.Down;
        Assert.InRange(Vector2.Dot(p[130] - p[159], down), -0.01f, float.MaxValue);
        Assert.InRange(Vector2.Dot(p[145] - p[130], down), -0.01f, float.MaxValue);
    }

    [Fact]
    public void Deform_Blink_OfAnEyeWhoseLowerLidRisesAboveTheCorners_ShutsWithoutHoldingBack()
    {
        // On a downcast or tilted eye FaceMesh can put the lower lid beside the inner corner above the
        // line between the corners; the lids met half way from that line to the lower lid, pulling the
        // lid there down past the corner, and the fold guard held the blink back to half closed.
        var rig = AstronautWith(points =>
        {
            // Landmark 155 (the image-left eye's lower lid next to its inner corner, 133) lifted above the corners' line.
            points[155] = points[155] with { Y = points[133].Y - 0.8f };
        });
        var p = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = 1 }, p);
        Assert.True(applied == 1f, $"only {applied:P0} of the blink applied");
        // The lid point lifted above the line is not pulled down past the corner (1.2 px before).
        Assert.InRange(Vector2.Dot(p[155] - rig.Positions[155], rig.Frame.Down), float.MinValue, 0.25f);
    }

    [Fact]
    public void Deform_Blink_CarriesAPointOfTheFacesEdgeJustAboveTheLidAlong()
    {
        // The same turned head can put a point of the face's edge just above a lid, where the mesh does
        // not tie it to the lid: the lid came down past it on every blink.
        var rig = AstronautWith(points =>
        {
            points[127] = points[159] + new Vector3(0.5f, -0.6f, 0);
        });
        var p = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = 1 }, p);
        Assert.True(applied == 1f, $"only {applied:P0} of the blink applied");
        Assert.True(Vector2.Dot(p[159] - p[127], rig.Frame.Down) > 0, "the lid passed the point");
    }

    [Fact]
    public void Deform_ABlinkThatFolds_IsHeldBackAlone_TheHeadAndMouthMovingAsAsked()
    {
        // A lower-lid point near the inner corner placed 2 px low, as FaceMesh misplaces points near a
        // crowded corner on real photos: the closing lids fold the mesh there. The guard held back the
        // whole motion on those frames, so the head and mouth jumped back and forth around every blink;
        // now only the blink is held back.
        var rig = AstronautWith(points =>
        {
            points[155] += new Vector3(0, 2, 0);
        });
        var moving = new FaceState { JawOpen = 0.6f, HeadYawDegrees = 8, HeadRollDegrees = -3, BrowRaise = 0.5f };
        var shut = new Vector2[rig.VertexCount];
        var open = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, moving with { BlinkLeft = 1 }, shut);
        Assert.Equal(1f, RigDeformer.Deform(rig, moving, open));
        Assert.True(applied < 1, "the blink does not fold this rig: the test tests nothing");
        Assert.False(RigDeformer.HasFold(rig, shut));
        // Chin, nose tip, mouth corners and brows: where the blink-free motion put them.
        foreach (var v in new[] { 152, 1, 61, 291, 105, 334 })
            Assert.True(Vector2.Distance(open[v], shut[v]) < 1e-3f, $"vertex {v} moved {Vector2.Distance(open[v], shut[v]):F2} px off its motion");
    }

    [Fact]
    public void Deform_AMouthThatFolds_IsHeldBackAlone_TheHeadMovingAsAsked()
    {
        // A lower inner-lip point placed 4 px low (FaceMesh on a blunt, far mouth corner of a turned
        // head is as far off): shutting the lips folds the mesh. The whole motion was held back, the head
        // jumping on every m, b and p; now the mouth alone is.
        var rig = AstronautWith(points =>
        {
            points[87] += new Vector3(0, 4, 0);
        });
        var head = new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), HeadYawDegrees = 8, HeadRollDegrees = -3, BrowRaise = 0.5f };
        var shut = new Vector2[rig.VertexCount];
        var still = new Vector2[rig.VertexCount];
        var applied = RigDeformer.Deform(rig, head with { JawOpen = 0, LipPress = 1 }, shut);
        Assert.Equal(1f, RigDeformer.Deform(rig, head, still));
        Assert.True(applied < 1, "shutting the lips does not fold this rig: the test tests nothing");
        Assert.False(RigDeformer.HasFold(rig, shut));
        // Eye corners, nose tip and brows: where the head's motion put them.
        foreach (var v in new[] { 33, 263, 1, 105, 334 })
            Assert.True(Vector2.Distance(still[v], shut[v]) < 1e-3f, $"vertex {v} moved {Vector2.Distance(still[v], shut[v]):F2} px off its motion");
    }

    [Fact]
    public void HasFold_LetsASliverTurnOver_ButNotATriangleThatShows()
    {
        // Around an eye's corners FaceMesh can leave slivers of a square pixel or so between the corner,
        // the lid's first point and the skin beside them; on some real photos every blink turned one
        // over, and the fold guard held the whole motion back (the blink to half closed) for an overlap
        // of a few pixels that no one sees.
        var (_, rig) = RenderFixture.Get("astronaut");
        var rest = rig.Positions;
        var t = rig.Triangles;
        var smallest = Enumerable.Range(0, t.Length / 3).MinBy(k => RigDeformer.SignedArea2(rest[t[3 * k]], rest[t[3 * k + 1]], rest[t[3 * k + 2]]));
        var largest = Enumerable.Range(0, t.Length / 3).MaxBy(k => RigDeformer.SignedArea2(rest[t[3 * k]], rest[t[3 * k + 1]], rest[t[3 * k + 2]]));
        Vector2[] Turned(int k)
        {
            // The triangle's third vertex mirrored across the line through the other two.
            var p = rest.ToArray();
            Vector2 a = p[t[3 * k]], b = p[t[3 * k + 1]], c = p[t[3 * k + 2]];
            var along = Vector2.Normalize(b - a);
            var foot = a + Vector2.Dot(c - a, along) * along;
            p[t[3 * k + 2]] = 2 * foot - c;
            return p;
        }
        var sliver = Turned(smallest);
        Assert.True(RigDeformer.SignedArea2(rest[t[3 * smallest]], rest[t[3 * smallest + 1]], rest[t[3 * smallest + 2]]) < 2, "the rig has no sliver to turn");
        Assert.True(RigDeformer.SignedArea2(sliver[t[3 * smallest]], sliver[t[3 * smallest + 1]], sliver[t[3 * smallest + 2]]) < 0);
        Assert.False(RigDeformer.HasFold(rig, sliver));
        Assert.True(RigDeformer.HasFold(rig, Turned(largest)));
    }

    [Fact]
    public void Deform_JawOpen_OfAFaceForeshortenedBelowTheNose_StillOpensTheMouthByAVoicesMeasure()
    {
        // A head bowed towards the camera (or a chin the mesh puts high) shows a short nose-to-chin
        // distance; the jaw's travel measured from it alone barely opened the mouth.
        var astronaut = AstronautWith(_ => { });
        var rig = AstronautWith(points =>
        {
            var nose = points[1].Y;
            for (var i = 0; i < points.Length; i++)
                if (points[i].Y > nose) points[i] = points[i] with { Y = nose + 0.6f * (points[i].Y - nose) };
        });
        var eye = rig.Frame.EyeDistancePixels;
        Assert.InRange(Vector2.Distance(rig.Positions[1], rig.Positions[152]), 0.35f * eye, 0.5f * eye);
        var p = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, new FaceState { JawOpen = 1 }, p);
        var opened = Vector2.Dot(p[14] - rig.Positions[14], rig.Frame.Down) / eye;
        var q = new Vector2[astronaut.VertexCount];
        RigDeformer.Deform(astronaut, new FaceState { JawOpen = 1 }, q);
        var frontal = Vector2.Dot(q[14] - astronaut.Positions[14], astronaut.Frame.Down) / astronaut.Frame.EyeDistancePixels;
        Assert.True(opened >= 0.8f * frontal, $"the lower lip travels {opened:0.000} eye distances, the frontal face's {frontal:0.000}");
    }

    [Fact]
    public void Deform_MovesWhatEachParameterNames()
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        var down = rig.Frame.Down;
        var p = new Vector2[rig.VertexCount];
        float Along(int v, Vector2 axis) => Vector2.Dot(p[v] - rig.Positions[v], axis);

        RigDeformer.Deform(rig, new FaceState { JawOpen = 1 }, p);
        // The portrait's own gap is the first part of the opening; the jaw travels the rest.
        var travel = 0.40f * rig.Frame.NoseToChinPixels * (1 - RigDeformer.RestJawOpen(rig));
        Assert.InRange(Along(14, down), 0.85f * travel, 1.05f * travel); // lower inner lip
        Assert.True(Along(13, down) < 0, "the upper lip lifts");
        Assert.Equal(0, Along(1, down)); // nose tip still

        RigDeformer.Deform(rig, new FaceState { BlinkLeft = 1 }, p);
        // Image-left eye shut: lid middles within a small fraction of the eye width.
        Assert.True(MathF.Abs(Vector2.Dot(p[159] - p[145], down)) < 0.1f * Vector2.Distance(p[33], p[133]));
        Assert.Equal(rig.Positions[386], p[386]); // the other eye is open

        RigDeformer.Deform(rig, new FaceState { HeadYawDegrees = 10 }, p);
        Assert.True(Along(1, rig.Frame.Right) > 0, "positive yaw turns the nose to the image's right");
        RigDeformer.Deform(rig, new FaceState { HeadRollDegrees = 10 }, p);
        Assert.True(Along(263, down) > 0 && Along(33, down) < 0, "positive roll is clockwise on screen");
    }

    private static string FoldedTriangles(Parla.Face.Rig.FaceRig rig, Vector2[] p)
    {
        var t = rig.Triangles;
        var bad = new List<string>();
        for (var i = 0; i < t.Length; i += 3)
            if (RigDeformer.SignedArea2(p[t[i]], p[t[i + 1]], p[t[i + 2]]) <= 0) bad.Add($"({t[i]},{t[i + 1]},{t[i + 2]})");
        return string.Join(" ", bad.Take(6));
    }

    private static FaceState With(FaceState s, string name, float value)
    {
        object boxed = s;
        typeof(FaceState).GetProperty(name)!.SetValue(boxed, value);
        return (FaceState)boxed;
    }

    /// <summary>The astronaut's rig built after <paramref name="move"/> has moved some of her landmarks (as FaceMesh misplaces them on other faces).</summary>
    private static FaceRig AstronautWith(Action<Vector3[]> move)
    {
        var (image, _) = RenderFixture.Get("astronaut");
        var face = TestData.ReadFace("astronaut");
        var points = face.Points.ToArray();
        move(points);
        return FaceRig.Build(face with { Points = points }, image.Width, image.Height, RenderFixture.Topology, image);
    }
}
