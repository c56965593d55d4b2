using System.Diagnostics;
using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;
using Parla.Motion;
using Parla.Rendering;
using Xunit.Abstractions;

namespace Parla.Tests.Rendering;

public class FaceRendererTests(ITestOutputHelper output)
{
    public static TheoryData<string> Portraits => new(RenderFixture.Names);

    private static readonly FaceState Extreme = new()
    {
        JawOpen = 1, LipWidth = 1, BlinkLeft = 1, BlinkRight = 0.5f, BrowRaise = 1,
        HeadYawDegrees = 15, HeadPitchDegrees = -10, HeadRollDegrees = 12, HeadShiftX = 0.15f, HeadShiftY = -0.1f,
    };

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Render_Neutral_ReproducesTheSourceExactly(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        frame.Pixels.Fill(7);
        // The portrait's own mouth: closed lips at JawOpen 0, parted ones at their rest opening.
        renderer.Render(new FaceState { JawOpen = RigDeformer.RestJawOpen(rig) }, frame);
        Assert.True(image.Pixels.SequenceEqual(frame.Pixels));
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Over_RendersAsTheCopyingRenderer_AndLeavesTheSourceToTheCaller(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        using var copying = new FaceRenderer(image, rig);
        using var expected = new Frame(image.Width, image.Height);
        using var actual = new Frame(image.Width, image.Height);
        copying.Render(Extreme, expected);
        var before = image.Pixels.ToArray();
        using (var over = FaceRenderer.Over(image, rig))
        {
            over.Render(Extreme, actual);
        }

        Assert.True(expected.Pixels.SequenceEqual(actual.Pixels));
        // Read, not written, and not disposed with the renderer: the frame is still the caller's.
        Assert.True(image.Pixels.SequenceEqual(before));
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Warp_IdentityOverEveryTriangle_ReproducesTheSourceWithinOneLevel(string name)
    {
        // Forces every triangle through the rasteriser and sampler with deformed == rest: checks the
        // pixel-centre convention and the affine maps (float rounding may move a weight by 1/256).
        var (image, rig) = RenderFixture.Get(name);
        using var frame = new Frame(image.Width, image.Height);
        frame.Pixels.Clear();
        FaceRenderer.WarpMoved(rig, image, rig.Positions, frame, all: true);
        var src = image.Pixels;
        var dst = frame.Pixels;
        for (var i = 0; i < src.Length; i++)
            Assert.True(Math.Abs(src[i] - dst[i]) <= 1, $"byte {i} (pixel {i / 4 % image.Width},{i / 4 / image.Width}): {src[i]} vs {dst[i]}");
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Rasteriser_CoversEveryPixelExactlyOnce(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        var deformed = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, Extreme, deformed);
        foreach (var positions in new[] { rig.Positions, deformed })
        {
            var count = new int[image.Width * image.Height];
            var t = rig.Triangles;
            for (var i = 0; i < t.Length; i += 3)
            {
                var tri = new MeshWarp.Triangle(t[i], t[i + 1], t[i + 2], positions, rig.Positions, image.Height);
                for (var y = tri.RowStart; y < tri.RowEnd; y++)
                {
                    if (!tri.Span(y, image.Width, out var x0, out var x1)) continue;
                    for (var x = x0; x < x1; x++) count[y * image.Width + x]++;
                }
            }
            var wrong = Enumerable.Range(0, count.Length).Where(i => count[i] != 1).ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} pixels covered 0 or 2+ times, first at {wrong.FirstOrDefault() % image.Width},{wrong.FirstOrDefault() / image.Width}");
        }
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Render_ExtremeState_LeavesPixelsAwayFromTheHeadUntouched(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        renderer.Render(Extreme, frame);
        // The moving region: the bounding box of every triangle with a moved vertex, at rest and deformed.
        var deformed = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, Extreme, deformed);
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        var t = rig.Triangles;
        for (var i = 0; i < t.Length; i += 3)
        {
            var tri = new[] { t[i], t[i + 1], t[i + 2] };
            if (tri.All(v => deformed[v] == rig.Positions[v])) continue;
            foreach (var v in tri)
            foreach (var q in new[] { deformed[v], rig.Positions[v] })
            {
                minX = Math.Min(minX, q.X); maxX = Math.Max(maxX, q.X);
                minY = Math.Min(minY, q.Y); maxY = Math.Max(maxY, q.Y);
            }
        }
        var outside = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                if (x + 1 >= minX && x <= maxX && y + 1 >= minY && y <= maxY) continue;
                outside++;
                Assert.True(image.GetRowSpan(y).Slice(x * 4, 4).SequenceEqual(frame.GetRowSpan(y).Slice(x * 4, 4)), $"pixel {x},{y} changed");
            }
        }
        // And that region is not the whole picture: the image border and what lies near it stay.
        Assert.True(outside > image.Width * image.Height / 10, $"only {outside} pixels lie outside the moving region");
        for (var x = 0; x < image.Width; x++)
            Assert.True(image.GetRowSpan(image.Height - 1).SequenceEqual(frame.GetRowSpan(image.Height - 1)));
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Render_JawOpen_DarkensTheMouth(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var open = new Frame(image.Width, image.Height);
        var state = new FaceState { JawOpen = 1 };
        renderer.Render(state, open);
        var deformed = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, state, deformed);
        var polygon = rig.Regions.InnerLipUpper.Concat(rig.Regions.InnerLipLower.Reverse().Skip(1).SkipLast(1)).Select(v => deformed[v]).ToArray();
        var (before, count) = MeanLuma(image, polygon);
        var (after, _) = MeanLuma(open, polygon);
        output.WriteLine($"{name}: mouth luma {before:0.0} -> {after:0.0} over {count} pixels");
        Assert.True(count > 50);
        Assert.True(after < 0.75 * before, $"mean luma inside the open mouth {after:0.0}, the same pixels in the portrait {before:0.0}");
    }

    [Fact]
    public void SampleRow_EightPixelsAtATime_IsBitIdenticalToOneAtATime_AndWritesNothingPastTheRow()
    {
        var (image, _) = RenderFixture.Get("astronaut");
        var random = new Random(5);
        var vectorRow = new byte[300 * 4];
        var scalarRow = new byte[300 * 4];
        int differing = 0, overrun = 0;
        for (var k = 0; k < 20000; k++)
        {
            // Lines anywhere over the image and beyond it (clamped at the edges), steep or shallow,
            // starting on and off pixel centres, of every length up to 300 (tails of 0..7 included).
            var sx = (float)((random.NextDouble() * 1.4 - 0.2) * image.Width);
            var sy = (float)((random.NextDouble() * 1.4 - 0.2) * image.Height);
            if (k % 5 == 0) (sx, sy) = (MathF.Round(sx) + 0.5f, MathF.Round(sy) + 0.5f);
            var dx = (float)(random.NextDouble() * 4 - 2);
            var dy = (float)(random.NextDouble() * 2 - 1);
            // Half of them short, as the rows of a face mesh's small triangles are (the last block of
            // eight is written part-filled).
            var count = 1 + random.Next(k % 2 == 0 ? 16 : 300);
            vectorRow.AsSpan().Fill(0xA5);
            MeshWarp.SampleRow(image, vectorRow.AsSpan(0, count * 4), sx, sy, dx, dy, vectorized: true);
            MeshWarp.SampleRow(image, scalarRow.AsSpan(0, count * 4), sx, sy, dx, dy, vectorized: false);
            if (!vectorRow.AsSpan(0, count * 4).SequenceEqual(scalarRow.AsSpan(0, count * 4))) differing++;
            // Nothing past the row is touched.
            if (vectorRow.AsSpan(count * 4).IndexOfAnyExcept((byte)0xA5) >= 0) overrun++;
        }

        Assert.Equal(0, differing);
        Assert.Equal(0, overrun);
        // The lines sampled something other than one colour: the comparison has content.
        Assert.True(scalarRow.Distinct().Count() > 50);
    }

    [Fact]
    public void Render_InParallel_MatchesSerial()
    {
        var (image, rig) = RenderFixture.Get("astronaut");
        using var renderer = new FaceRenderer(image, rig);
        var states = Enumerable.Range(0, 8).Select(i => new FaceState { JawOpen = i / 8f, HeadRollDegrees = i - 4, BlinkLeft = i % 2 }).ToArray();
        var serial = states.Select(s =>
        {
            using var f = new Frame(image.Width, image.Height);
            renderer.Render(s, f);
            return f.Pixels.ToArray();
        }).ToArray();
        var parallel = new byte[states.Length][];
        Parallel.For(0, states.Length, i =>
        {
            using var f = new Frame(image.Width, image.Height);
            renderer.Render(states[i], f);
            parallel[i] = f.Pixels.ToArray();
        });
        for (var i = 0; i < states.Length; i++) Assert.Equal(serial[i], parallel[i]);
    }

    [Fact]
    public void Render_RejectsAFrameOfAnotherSize()
    {
        var (image, rig) = RenderFixture.Get("astronaut");
        using var renderer = new FaceRenderer(image, rig);
        using var small = new Frame(10, 10);
        Assert.Throws<ArgumentException>(() => renderer.Render(default, small));
    }

    [Fact]
    public void Render_Timing512()
    {
        // Not a benchmark (see benchmarks/), a record in the test log: the median of 20 renders of a
        // 512×512 portrait in a talking pose.
        var (image, rig) = RenderFixture.Get("astronaut");
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var state = new FaceState { JawOpen = 0.6f, BlinkLeft = 0.3f, HeadRollDegrees = 4, HeadYawDegrees = 5 };
        for (var i = 0; i < 5; i++) renderer.Render(state, frame);
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var sw = Stopwatch.StartNew();
            renderer.Render(state, frame);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        output.WriteLine($"512x512 render: median {times[10]:0.00} ms (min {times[0]:0.00}, max {times[^1]:0.00})");
    }

    /// <summary>A value of pixel <paramref name="x"/> of an RGBA row.</summary>
    private delegate double PixelValue(ReadOnlySpan<byte> row, int x);

    /// <summary>The mean of <paramref name="value"/> over the pixels of a box, its bounds included.</summary>
    private static double MeanOver(Frame frame, (int X0, int X1, int Y0, int Y1) box, PixelValue value)
    {
        double sum = 0;
        var all = 0;
        for (var y = box.Y0; y <= box.Y1; y++)
        {
            var row = frame.GetRowSpan(y);
            for (var x = box.X0; x <= box.X1; x++, all++) sum += value(row, x);
        }
        return sum / all;
    }

    /// <summary>
    /// A copy of a test portrait (<paramref name="scale"/> times its size, each pixel repeated) with
    /// <paramref name="paint"/> applied to it (given the portrait's landmarks, scaled alike), and the rig built on the copy.
    /// </summary>
    private static (Frame Image, FaceRig Rig) Painted(string name, Action<Frame, Parla.Face.DetectedFace> paint, int scale = 1)
    {
        var (portrait, _) = RenderFixture.Get(name);
        var image = new Frame(scale * portrait.Width, scale * portrait.Height);
        for (var y = 0; y < image.Height; y++)
        {
            var from = portrait.GetRowSpan(y / scale);
            var to = image.GetRowSpan(y);
            for (var x = 0; x < image.Width; x++) from.Slice(4 * (x / scale), 4).CopyTo(to.Slice(4 * x, 4));
        }
        var face = TestData.ReadFace(name);
        if (scale != 1) face = face with { Points = [.. face.Points.Select(p => scale * p)] };
        paint(image, face);
        return (image, FaceRig.Build(face, image.Width, image.Height, RenderFixture.Topology, image));
    }

    /// <summary>The portrait at rest, and with <paramref name="shut"/> (its jaw at rest too).</summary>
    private static (Frame Open, Frame Shut) OpenAndShut(Frame image, FaceRig rig, FaceState shut)
    {
        using var renderer = new FaceRenderer(image, rig);
        var (open, closed) = (new Frame(image.Width, image.Height), new Frame(image.Width, image.Height));
        var rest = RigDeformer.RestJawOpen(rig);
        renderer.Render(new FaceState { JawOpen = rest }, open);
        renderer.Render(shut with { JawOpen = rest }, closed);
        return (open, closed);
    }

    /// <summary>Landmarks of a contour, in order from left to right.</summary>
    private static Vector3[] Chain(Parla.Face.DetectedFace face, int[] landmarks) => [.. landmarks.Select(i => face.Points[i]).OrderBy(p => p.X)];

    /// <summary>The chain's height at <paramref name="x"/>, linearly between its points.</summary>
    private static float ChainY(Vector3[] chain, float x)
    {
        var k = Math.Clamp(Array.FindIndex(chain, p => p.X >= x), 1, chain.Length - 1);
        var t = Math.Clamp((x - chain[k - 1].X) / Math.Max(1e-3f, chain[k].X - chain[k - 1].X), 0, 1);
        return chain[k - 1].Y + t * (chain[k].Y - chain[k - 1].Y);
    }

    /// <summary>The bounds of an eye's contour in the rig's rest mesh.</summary>
    private static PointBounds EyeBounds(FaceRig rig, int[] upper, int[] lower)
    {
        var bounds = new PointBounds();
        foreach (var i in upper.Concat(lower)) bounds.Add(rig.Positions[i]);
        return bounds;
    }

    /// <summary>BT.601 luma of pixel <paramref name="x"/> of an RGBA row.</summary>
    private static double Luma(ReadOnlySpan<byte> row, int x) => 0.299 * row[4 * x] + 0.587 * row[4 * x + 1] + 0.114 * row[4 * x + 2];

    private static (double Mean, int Count) MeanLuma(Frame frame, Vector2[] polygon)
    {
        double sum = 0;
        var count = 0;
        for (var y = 0; y < frame.Height; y++)
        {
            var row = frame.GetRowSpan(y);
            for (var x = 0; x < frame.Width; x++)
            {
                if (!Inside(polygon, new Vector2(x + 0.5f, y + 0.5f))) continue;
                sum += Luma(row, x);
                count++;
            }
        }
        return (count > 0 ? sum / count : 0, count);
    }

    private static bool Inside(Vector2[] polygon, Vector2 p)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            if ((polygon[i].Y > p.Y) != (polygon[j].Y > p.Y) &&
                p.X < (polygon[j].X - polygon[i].X) * (p.Y - polygon[i].Y) / (polygon[j].Y - polygon[i].Y) + polygon[i].X)
                inside = !inside;
        }
        return inside;
    }

    [Theory]
    [InlineData("astronaut")]
    [InlineData("grace_hopper")]
    public void Gaze_MovesTheIrisWithinTheEye_AndNothingOutsideIt(string name)
    {
        // The iris is the eye's darkest part: the centroid of the darkest quarter of the pixels
        // between the lid margins moves with the gaze, to the image's right for gazeX > 0.
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var rest = RigDeformer.RestJawOpen(rig);
        var eye = rig.Regions.ImageLeftEyeUpper.Concat(rig.Regions.ImageLeftEyeLower).Select(i => rig.Positions[i]).ToArray();
        int x0 = (int)eye.Min(p => p.X), x1 = (int)eye.Max(p => p.X), y0 = (int)eye.Min(p => p.Y), y1 = (int)eye.Max(p => p.Y);
        var eyeWidth = eye.Max(p => p.X) - eye.Min(p => p.X);
        double IrisX(float gaze)
        {
            renderer.Render(new FaceState { JawOpen = rest, GazeX = gaze }, frame);
            var pixels = new List<(double Luma, int X)>();
            for (var y = y0; y <= y1; y++)
            {
                var row = frame.GetRowSpan(y);
                for (var x = x0; x <= x1; x++)
                    pixels.Add((Luma(row, x), x));
            }
            return pixels.OrderBy(p => p.Luma).Take(pixels.Count / 4).Average(p => p.X);
        }

        var left = IrisX(-0.3f);
        var centre = IrisX(0);
        var right = IrisX(0.3f);
        output.WriteLine($"{name}: iris x {left:0.0} / {centre:0.0} / {right:0.0} (eye width {eyeWidth:0.0} px)");
        Assert.True(right - centre > 0.03 * eyeWidth, $"gaze right moved the iris {right - centre:0.0} px");
        Assert.True(centre - left > 0.03 * eyeWidth, $"gaze left moved the iris {centre - left:0.0} px");

        // Outside the eyes, a gaze changes nothing: compare with the same state looking ahead.
        using var ahead = new Frame(image.Width, image.Height);
        renderer.Render(new FaceState { JawOpen = rest }, ahead);
        renderer.Render(new FaceState { JawOpen = rest, GazeX = 0.3f, GazeY = -0.2f }, frame);
        var eyes = rig.Regions.ImageLeftEyeUpper.Concat(rig.Regions.ImageLeftEyeLower)
            .Concat(rig.Regions.ImageRightEyeUpper).Concat(rig.Regions.ImageRightEyeLower).Select(i => rig.Positions[i]).ToArray();
        var changed = 0;
        var outside = 0;
        for (var y = 0; y < image.Height; y++)
        {
            var a = ahead.GetRowSpan(y);
            var b = frame.GetRowSpan(y);
            for (var x = 0; x < image.Width; x++)
            {
                if (!a.Slice(4 * x, 3).SequenceEqual(b.Slice(4 * x, 3)))
                {
                    changed++;
                    // Within the eyes' boxes (one pixel of anti-aliasing aside).
                    var inEye = eyes.Chunk(eyes.Length / 2).Any(e => x >= e.Min(p => p.X) - 1 && x <= e.Max(p => p.X) + 1 && y >= e.Min(p => p.Y) - 1 && y <= e.Max(p => p.Y) + 1);
                    if (!inEye) outside++;
                }
            }
        }
        Assert.True(changed > 0);
        Assert.Equal(0, outside);
    }

    [Fact]
    public void WideOpenMouth_ShowsLowerTeethThatRideOnTheLowerLip()
    {
        // Grace Hopper's mouth is closed in the portrait, so the teeth are painted. Lower teeth are the
        // light pixels in the lower third of the open mouth; they move down with the jaw.
        var (image, rig) = RenderFixture.Get("grace_hopper");
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var teeth = rig.TeethColor.Luma;
        (int Count, double MeanY, double LipY) LowerTeeth(float jaw)
        {
            var (upper, lower) = RenderInnerLips(rig, renderer, new FaceState { JawOpen = jaw }, frame);
            var mid = lower.Length / 2;
            float top = upper[mid].Y, bottom = lower[mid].Y;
            float left = upper[0].X, right = upper[^1].X;
            int count = 0;
            double sumY = 0;
            for (var y = (int)(bottom - (0.33f * (bottom - top))); y <= (int)bottom; y++)
            {
                var row = frame.GetRowSpan(y);
                for (var x = (int)(left + (0.3f * (right - left))); x <= (int)(right - (0.3f * (right - left))); x++)
                {
                    if (Luma(row, x) > 0.55 * teeth)
                    {
                        count++;
                        sumY += y;
                    }
                }
            }
            return (count, count > 0 ? sumY / count : double.NaN, bottom);
        }

        var shut = LowerTeeth(0);
        var half = LowerTeeth(0.7f);
        var wide = LowerTeeth(1);
        output.WriteLine($"lower teeth pixels: jaw 0 {shut.Count}, 0.7 {half.Count} at y {half.MeanY:0.0} (lip {half.LipY:0.0}), 1 {wide.Count} at y {wide.MeanY:0.0} (lip {wide.LipY:0.0})");
        // Measured 85 and 80 pixels with teeth; the lower lip's inner edge alone gives under 30.
        Assert.True(half.Count >= 50 && wide.Count >= 50, "no lower teeth in an open mouth");
        Assert.True(wide.MeanY > half.MeanY, "the lower teeth did not move down with the jaw");
        Assert.InRange(wide.LipY - wide.MeanY, 0, 0.1 * rig.Frame.FaceWidthPixels);
    }

    [Fact]
    public void ShutLips_OfAPortraitSmilingWithTeeth_MeetInALipSeamWithoutATeethThread()
    {
        // The astronaut smiles with her teeth showing. Shut (JawOpen 0), her lips meet; what is left
        // between them must read as lips, not as a thread of teeth (which reads as a mouth ajar).
        var (image, rig) = RenderFixture.Get("astronaut");
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var (upper, lower) = RenderInnerLips(rig, renderer, new FaceState(), frame);
        var teeth = rig.TeethColor.Luma;
        // Column by column across the middle of the mouth, the darkest pixel from one lip contour to
        // the other is the seam: shadowed lip, not teeth.
        var columns = 0;
        var threads = 0;
        for (var k = 2; k < upper.Length - 2; k++, columns++)
        {
            var x = (int)upper[k].X;
            var darkest = double.MaxValue;
            for (var y = (int)MathF.Floor(Math.Min(upper[k].Y, lower[k].Y)); y <= (int)MathF.Ceiling(Math.Max(upper[k].Y, lower[k].Y)); y++)
            {
                var row = frame.GetRowSpan(y);
                darkest = Math.Min(darkest, Luma(row, x));
            }
            if (darkest > 0.6 * teeth) threads++;
        }
        output.WriteLine($"columns whose gap between the shut lips is as light as teeth: {threads} of {columns}");
        Assert.Equal(0, threads);
    }

    [Fact]
    public void ShutLips_WhereTheMeshPutTheLipsInsideTheTeeth_ShowNoBandOfTeeth()
    {
        // On smiles showing their teeth FaceMesh often puts the inner lip contours a few pixels inside
        // the teeth; those pixels belonged to the lips, and shut lips kept a band of teeth beside the
        // seam. Here the astronaut, at three times her size (the upper lip about 7 pixels deep), has
        // teeth reaching three pixels past both inner contours across the mouth's middle 70 %.
        var teeth = (R: (byte)236, G: (byte)232, B: (byte)222);
        Vector3[] upper = [], lower = [];
        var (image, rig) = Painted("astronaut", (image, face) =>
        {
            upper = Chain(face, RenderFixture.Topology.InnerLips.Upper);
            lower = Chain(face, RenderFixture.Topology.InnerLips.Lower);
            var mouth = upper[^1].X - upper[0].X;
            for (var x = (int)(upper[0].X + 0.15f * mouth); x <= (int)(upper[^1].X - 0.15f * mouth); x++)
            {
                for (var y = (int)ChainY(upper, x) - 3; y <= (int)ChainY(lower, x) + 3; y++)
                {
                    var row = image.GetRowSpan(y);
                    (row[4 * x], row[4 * x + 1], row[4 * x + 2]) = teeth;
                }
            }
        }, scale: 3);
        using var _ = image;
        var width = upper[^1].X - upper[0].X;
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        renderer.Render(new FaceState { LipPress = 1 }, frame);
        // Teeth-coloured pixels from well above the upper contour to well below the lower one, across the middle 60 %.
        var shown = 0;
        for (var x = (int)(upper[0].X + 0.2f * width); x <= (int)(upper[^1].X - 0.2f * width); x++)
        {
            for (var y = (int)ChainY(upper, x) - 10; y <= (int)ChainY(lower, x) + 10; y++)
            {
                var row = frame.GetRowSpan(y);
                if (Math.Abs(row[4 * x] - teeth.R) + Math.Abs(row[4 * x + 1] - teeth.G) + Math.Abs(row[4 * x + 2] - teeth.B) < 20) shown++;
            }
        }
        output.WriteLine($"teeth-coloured pixels around the shut lips: {shown} in {0.6f * width:0} columns; the teeth in the gap at rest: {rig.TeethInLipGapPixels:0.0} px");
        Assert.True(shown < 0.5f * width, $"{shown} teeth-coloured pixels around the shut lips ({0.6f * width:0} columns)");
    }

    [Fact]
    public void OpenMouth_OfLipsPhotographedApartWithoutTeeth_ShowsPaintedTeeth()
    {
        // Lips the mesh finds apart with no teeth between them (a dark line, or lip it counts as gap:
        // most smiling photos without teeth) were taken to show their own teeth: a wide-open jaw was a
        // flat dark hole. The astronaut's teeth painted over with the mouth's shadow stand for them.
        var (image, rig) = Painted("astronaut", (image, face) =>
        {
            var upper = Chain(face, RenderFixture.Topology.InnerLips.Upper);
            var lower = Chain(face, RenderFixture.Topology.InnerLips.Lower);
            for (var x = (int)upper[0].X; x <= (int)upper[^1].X; x++)
            {
                for (var y = (int)ChainY(upper, x); y <= (int)Math.Ceiling(ChainY(lower, x)); y++)
                {
                    var row = image.GetRowSpan(y);
                    row[4 * x] = 70; row[4 * x + 1] = 30; row[4 * x + 2] = 32;
                }
            }
        });
        using var _ = image;
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var (top, bottom) = RenderInnerLips(rig, renderer, new FaceState { JawOpen = 1 }, frame);
        // The upper fifth of the open mouth, across its middle half: teeth are light there.
        var light = 0;
        var all = 0;
        for (var k = top.Length / 4; k <= 3 * top.Length / 4; k++)
        {
            var x = (int)top[k].X;
            var depth = bottom[k].Y - top[k].Y;
            for (var y = (int)(top[k].Y + 1); y < top[k].Y + 0.2f * depth; y++, all++)
                if (Luma(frame.GetRowSpan(y), x) > 0.6 * rig.TeethColor.Luma) light++;
        }
        output.WriteLine($"light pixels under the upper lip of the open mouth: {light} of {all}");
        Assert.True(light > all / 3, $"{light} of {all} pixels under the upper lip are light: no teeth");
    }

    [Fact]
    public void Blink_CoversTheEyeWithLidSkin()
    {
        // On the astronaut, whose open eyes are clearly lit. (Grace Hopper's eyes sit in the shadow of
        // her glasses, where lid and eye are equally dark and this measure says nothing.)
        const string name = "astronaut";
        // A shut eye shows lid skin and a lash line, not a squeezed dark band of iris and lashes:
        // over the open eye's area, few pixels stay much darker than the skin.
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var eye = EyeBounds(rig, rig.Regions.ImageLeftEyeUpper, rig.Regions.ImageLeftEyeLower);
        var box = ((int)eye.MinX, (int)eye.MaxX, (int)eye.MinY, (int)eye.MaxY);
        var skin = rig.SkinColor.Luma;
        double DarkShare(float blink)
        {
            renderer.Render(new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = blink }, frame);
            return MeanOver(frame, box, (row, x) => Luma(row, x) < 0.4 * skin ? 1 : 0);
        }
        var open = DarkShare(0);
        var shut = DarkShare(1);
        output.WriteLine($"{name}: dark share open {open:P0}, shut {shut:P0}");
        Assert.True(shut < 0.5 * open, $"open {open:P0}, shut {shut:P0}");
    }

    [Fact]
    public void Blink_BehindGlasses_CoversTheEyeWithSkinAsLightAsTheFaces()
    {
        // Grace Hopper's rim sits on her lids and their skin is in its shadow: a lid painted from there
        // reads as a dark socket. The cover takes the skin from below the eye instead, so the shut
        // eye is nearly as light as the face's skin (painted from the lid above it was at 0.36 of it).
        const string name = "grace_hopper";
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var skin = rig.SkinColor.Luma;
        foreach (var (upper, lower, left) in new[] { (rig.Regions.ImageLeftEyeUpper, rig.Regions.ImageLeftEyeLower, true), (rig.Regions.ImageRightEyeUpper, rig.Regions.ImageRightEyeLower, false) })
        {
            var eye = EyeBounds(rig, upper, lower);
            int x0 = (int)eye.MinX, x1 = (int)eye.MaxX;
            // The middle half of the eye's box, where the lid covers the eye.
            var box = (x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4, (int)eye.MinY, (int)eye.MaxY);
            renderer.Render(new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = left ? 1 : 0, BlinkRight = left ? 0 : 1 }, frame);
            var shut = MeanOver(frame, box, Luma) / skin;
            output.WriteLine($"{name}, image-{(left ? "left" : "right")} eye shut: mean luma {shut:P0} of the skin's");
            Assert.True(shut > 0.8, $"the shut eye is at {shut:P0} of the skin's luma");
        }
    }

    [Fact]
    public void Blink_BehindDarkGlasses_PaintsNothingOnTheLenses()
    {
        // Grace Hopper with opaque dark lenses over her eyes: there is no eye to close. The lid was
        // covered with the lens's colour mixed with skin, and its lash line drawn across the lens.
        var lenses = new List<(int X0, int X1, int Y0, int Y1)>();
        var (image, rig) = Painted("grace_hopper", (image, face) =>
        {
            foreach (var (inner, outer) in new[] { (133, 33), (362, 263) })
            {
                var (a, b) = (face.Points[inner], face.Points[outer]);
                var (x0, x1) = ((int)Math.Min(a.X, b.X) - 15, (int)Math.Max(a.X, b.X) + 15);
                var y = (int)((a.Y + b.Y) / 2);
                lenses.Add((x0, x1, y - 22, y + 22));
                for (var yy = y - 22; yy < y + 22; yy++)
                {
                    var row = image.GetRowSpan(yy);
                    for (var x = x0; x < x1; x++) { row[4 * x] = 16; row[4 * x + 1] = 20; row[4 * x + 2] = 24; }
                }
            }
        });
        using var _ = image;
        var (open, shut) = OpenAndShut(image, rig, new FaceState { BlinkLeft = 1, BlinkRight = 1 });
        using var __ = open;
        using var ___ = shut;
        foreach (var (x0, x1, y0, y1) in lenses)
        {
            // Inside the lens, away from its edges (which the squeezing mesh may shift a pixel).
            var largest = 0;
            for (var y = y0 + 6; y < y1 - 6; y++)
                for (var x = x0 + 6; x < x1 - 6; x++)
                    for (var c = 0; c < 3; c++)
                        largest = Math.Max(largest, Math.Abs(open.GetRowSpan(y)[4 * x + c] - shut.GetRowSpan(y)[4 * x + c]));
            Assert.True(largest <= 6, $"the shut lens differs from the open one by up to {largest} levels");
        }
    }

    [Fact]
    public void Blink_UnderEyeshadow_CoversTheEyeRatherThanSlidingTheShadowOverIt()
    {
        // The astronaut's plain lid is slid down as a sheet when she blinks. With blue eyeshadow on her
        // image-left lid (above the lashes, up towards the brow), the sheet dragged the shadow down over
        // the whole eye in a smear; a made-up or shadowed lid is covered with skin and a lash line instead.
        var (image, rig) = Painted("astronaut", (image, face) =>
        {
            var lid = Chain(face, RenderFixture.Topology.ImageLeftEye.Upper);
            var width = lid[^1].X - lid[0].X;
            for (var x = (int)lid[0].X; x < (int)lid[^1].X; x++)
            {
                var margin = ChainY(lid, x);
                for (var y = (int)(margin - 0.4f * width); y < (int)(margin - 0.12f * width); y++)
                {
                    var row = image.GetRowSpan(y);
                    row[4 * x] = (byte)((row[4 * x] + 110) / 2);
                    row[4 * x + 1] = (byte)((row[4 * x + 1] + 110) / 2);
                    row[4 * x + 2] = (byte)((row[4 * x + 2] + 200) / 2);
                }
            }
        });
        using var _ = image;
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var eye = EyeBounds(rig, rig.Regions.ImageLeftEyeUpper, rig.Regions.ImageLeftEyeLower);
        int x0 = (int)eye.MinX, x1 = (int)eye.MaxX;
        // The middle half of the eye's box, where the shut lid lies.
        var box = (x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4, (int)eye.MinY, (int)eye.MaxY);
        renderer.Render(new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = 1 }, frame);
        var blue = MeanOver(frame, box, (row, x) => row[4 * x + 2] > row[4 * x] ? 1 : 0);
        output.WriteLine($"the shut eye under eyeshadow: {blue:P0} of its middle bluer than red");
        Assert.True(blue < 0.1, $"{blue:P0} of the shut eye's middle is the eyeshadow's blue");
    }

    [Theory]
    [InlineData("cool under-eye", 0.8f, 150, 146, 152)]
    [InlineData("black liner", 0.6f, 30, 28, 32)]
    public void Blink_OfAPhotographedEye_WithGreyBelowIt_PaintsNoDrawnEyeOverIt(string what, float depthOfWidth, byte r, byte g, byte b)
    {
        // Real photos (a downcast eye the mesh sits above, its under-eye cool and as light as the face;
        // heavy black liner) can show something unlike skin far below the mesh's lower margin, as a
        // drawn eye does. The drawn eye's oval was painted there: a flat disc of the lightest skin over
        // a real face. Here the astronaut with such a band under her image-left eye: the blink may
        // close the lids, but the band well below the margin stays as it was.
        int x0 = 0, x1 = 0, y0 = 0, y1 = 0;
        var (image, rig) = Painted("astronaut", (image, face) =>
        {
            // The band hangs from the lower lid's margin.
            var lid = Chain(face, RenderFixture.Topology.ImageLeftEye.Lower);
            var width = lid[^1].X - lid[0].X;
            (x0, x1) = ((int)lid[0].X, (int)Math.Ceiling(lid[^1].X));
            var depth = depthOfWidth * width;
            for (var x = x0; x < x1; x++)
            {
                var top = (int)ChainY(lid, x + 0.5f) + 1;
                for (var y = top; y < top + depth; y++) { var row = image.GetRowSpan(y); row[4 * x] = r; row[4 * x + 1] = g; row[4 * x + 2] = b; }
            }
            // Below where the lids meet and the slid lid's overlap reaches (a fifth of the eye's width past the closing margin).
            var lowest = lid.Max(p => p.Y);
            (y0, y1) = ((int)(lowest + 0.35f * width), (int)(lowest + depth));
        });
        using var _ = image;
        var (open, shut) = OpenAndShut(image, rig, new FaceState { BlinkLeft = 1 });
        using var __ = open;
        using var ___ = shut;
        var box = (x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4, y0, y1 - 1);
        var change = MeanOver(shut, box, Luma) - MeanOver(open, box, Luma);
        output.WriteLine($"{what}: the band below the shut eye changed by {change:F1} luma levels");
        Assert.True(Math.Abs(change) < 4, $"{what}: the band below the eye changed by {change:F1} levels in the blink");
    }

    [Fact]
    public void Blink_OfADrawnEye_CoversTheWholeIris()
    {
        // Sylvie's anime eyes are three times as tall as the eyes Parla's detector fits into their upper
        // part: closing the mesh's lids alone left the iris's lower half staring. Over the drawn eye's
        // middle (from the mesh's upper margin to 0.9 eye widths below its lower one), count the iris's pixels.
        const string name = "sylvie_anime_parla";
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        using var frame = new Frame(image.Width, image.Height);
        var skin = rig.SkinColor;
        foreach (var (upper, lower) in new[] { (rig.Regions.ImageLeftEyeUpper, rig.Regions.ImageLeftEyeLower), (rig.Regions.ImageRightEyeUpper, rig.Regions.ImageRightEyeLower) })
        {
            var eye = EyeBounds(rig, upper, lower);
            var width = eye.MaxX - eye.MinX;
            var box = ((int)(eye.MinX + 0.3f * width), (int)(eye.MaxX - 0.3f * width), (int)eye.MinY, (int)(eye.MaxY + 0.9f * width));
            double Unlike(float blink)
            {
                renderer.Render(new FaceState { JawOpen = RigDeformer.RestJawOpen(rig), BlinkLeft = blink, BlinkRight = blink }, frame);
                return MeanOver(frame, box, (row, x) =>
                {
                    int r = row[4 * x], g = row[(4 * x) + 1], b = row[(4 * x) + 2];
                    // Blue or purple where the skin is warm: the iris.
                    return b > r - 10 && b - g > 10 && skin.R > skin.B ? 1 : 0;
                });
            }
            var open = Unlike(0);
            var shut = Unlike(1);
            output.WriteLine($"{name}: iris share of the drawn eye's middle open {open:P0}, shut {shut:P0}");
            Assert.True(open > 0.3, $"the open eye shows {open:P0} iris: the measure is not seeing it");
            Assert.True(shut < 0.03, $"the shut eye still shows {shut:P0} iris (open {open:P0})");
        }
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void RenderMoving_OnAFrameHoldingTheSource_EqualsAFullRender(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        using var renderer = new FaceRenderer(image, rig);
        Assert.True(renderer.MovingBounds.Width * renderer.MovingBounds.Height < image.Width * image.Height);
        using var whole = new Frame(image.Width, image.Height);
        using var moving = image.Clone();
        // The same buffer through several extreme states in a row, as a video's frame buffers are reused.
        foreach (var state in new[] { Extreme, new FaceState { JawOpen = 1, HeadRollDegrees = -15, HeadShiftX = -0.2f }, default, Extreme with { HeadYawDegrees = -20 } })
        {
            renderer.Render(state, whole);
            renderer.RenderMoving(state, moving);
            Assert.True(whole.Pixels.SequenceEqual(moving.Pixels), $"differs for {state}");
        }
    }

    /// <summary>Renders <paramref name="state"/> into <paramref name="frame"/> and gives the inner lip contours where the deformer put them.</summary>
    private static (Vector2[] Upper, Vector2[] Lower) RenderInnerLips(Parla.Face.Rig.FaceRig rig, FaceRenderer renderer, FaceState state, Frame frame)
    {
        var positions = new Vector2[rig.VertexCount];
        RigDeformer.Deform(rig, state, positions);
        renderer.Render(state, frame);
        return (rig.Regions.InnerLipUpper.Select(i => positions[i]).ToArray(), rig.Regions.InnerLipLower.Select(i => positions[i]).ToArray());
    }
}
