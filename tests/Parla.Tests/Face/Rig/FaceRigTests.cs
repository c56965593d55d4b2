using System.Numerics;
using Parla.Face.Rig;
using Parla.Tests.Rendering;

namespace Parla.Tests.Face.Rig;

public class FaceRigTests
{
    public static TheoryData<string> Portraits => new(RenderFixture.Names);

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Build_MeshTilesTheWholeImage(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        Assert.True(rig.VertexCount > 468 + 32);
        AssertTilesTheImage(rig, image.Width, image.Height);
    }

    /// <summary>A valid rig whose triangles all turn one way and whose areas add up to the image's: they tile it without overlapping.</summary>
    private static void AssertTilesTheImage(FaceRig rig, int width, int height)
    {
        Assert.Empty(rig.Validate());
        double area = 0;
        var t = rig.Triangles;
        for (var i = 0; i < t.Length; i += 3)
        {
            var a2 = Parla.Rendering.RigDeformer.SignedArea2(rig.Positions[t[i]], rig.Positions[t[i + 1]], rig.Positions[t[i + 2]]);
            Assert.True(a2 > 0);
            area += a2 / 2;
        }
        Assert.Equal((double)width * height, area, width * height * 1e-5);
    }

    [Theory]
    // Grace Hopper's face (x 130–390, y 90–420 in her 512×600 portrait) cut by an image edge: dozens of
    // landmarks clamp onto one border line. The triangulation spun on such a run of collinear points,
    // its triangles doubling until memory ran out (a crop at x 212 hung `parla animate`).
    [InlineData(212, 0, 300, 600)] // cut on the left, through the eyes
    [InlineData(0, 0, 300, 600)] // on the right
    [InlineData(0, 130, 512, 420)] // at the top, through the forehead
    [InlineData(100, 0, 300, 330)] // at the bottom-left corner, through the mouth
    public async Task Build_AFaceCutByTheImagesEdge_StillTilesTheImage(int left, int top, int width, int height)
    {
        var whole = TestData.ReadFace("grace_hopper");
        var cut = whole with { Points = whole.Points.Select(p => new Vector3(p.X - left, p.Y - top, p.Z)).ToArray() };
        // A rig that is still being built after 30 s fails the test (TimeoutException) instead of hanging the run.
        var rig = await Task.Run(() => FaceRig.Build(cut, width, height, RenderFixture.Topology)).WaitAsync(TimeSpan.FromSeconds(30));
        AssertTilesTheImage(rig, width, height);
        // The landmarks inside the image are all in the mesh: only ones clamped onto its edge may be left out.
        var used = new HashSet<int>(rig.Triangles);
        Assert.All(Enumerable.Range(0, 468).Where(v => cut.Points[v].X > 1 && cut.Points[v].X < width - 1 && cut.Points[v].Y > 1 && cut.Points[v].Y < height - 1),
            v => Assert.Contains(v, used));
    }

    [Theory]
    [MemberData(nameof(Portraits))]
    public void Build_WeightsFollowTheAnatomy(string name)
    {
        var (image, rig) = RenderFixture.Get(name);
        // Border vertices never move; the face moves fully with the head.
        for (var v = 0; v < rig.VertexCount; v++)
        {
            var p = rig.Positions[v];
            if (p.X == 0 || p.Y == 0 || p.X == image.Width || p.Y == image.Height)
            {
                Assert.Equal(0, rig.HeadWeight[v]);
                Assert.Equal(0, rig.JawWeight[v]);
            }
        }
        Assert.All(new[] { 1, 4, 13, 14, 152, 33, 263 }, v => Assert.True(rig.HeadWeight[v] > 0.9f, $"head weight of {v}"));
        // Chin and lower lip follow the jaw; upper lip, nose and eyes do not.
        Assert.True(rig.JawWeight[152] > 0.8f, "chin");
        Assert.True(rig.JawWeight[14] > 0.8f, "lower inner lip middle");
        Assert.True(rig.JawWeight[17] > 0.8f, "lower outer lip middle");
        Assert.All(new[] { 13, 0, 1, 4, 33, 263, 10 }, v => Assert.Equal(0, rig.JawWeight[v]));
        // Brows move fully where they are steep enough to; the gradient limit softens them a little.
        Assert.True(rig.BrowWeight[105] > 0.6f && rig.BrowWeight[334] > 0.6f, $"brows {rig.BrowWeight[105]} {rig.BrowWeight[334]}");
        Assert.Equal(0, rig.BrowWeight[159]);
        // Colours: lips redder than skin, mouth interior dark.
        Assert.True(rig.MouthInteriorColor.Luma < 60);
        Assert.True(rig.LipColor.R - rig.LipColor.G > rig.SkinColor.R - rig.SkinColor.G - 5);
    }

    [Fact]
    public void SaveLoad_RoundTripsEveryField()
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        using var stream = new MemoryStream();
        rig.Save(stream);
        stream.Position = 0;
        var copy = FaceRig.Load(stream);
        // Every property a rig is made of, found by reflection: one added to the rig and left out of
        // its JSON fails here.
        AssertSameProperties(rig, copy, "rig");
    }

    [Fact]
    public void Load_TakesPropertiesInAnyOrder_AndSkipsUnknownOnes()
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        using var stream = new MemoryStream();
        rig.Save(stream);
        var document = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        var reordered = new System.Text.Json.Nodes.JsonObject { ["Comment"] = new System.Text.Json.Nodes.JsonObject { ["nested"] = new System.Text.Json.Nodes.JsonArray(1, 2) } };
        foreach (var (name, value) in document.Reverse().ToList())
        {
            document.Remove(name);
            reordered[name] = value;
        }

        var copy = FaceRig.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(reordered.ToJsonString())));
        AssertSameProperties(rig, copy, "rig");
    }

    [Theory]
    [InlineData("Positions", "[[1, 2, 3]]", "2D point")]
    [InlineData("Depth", "[\"deep\"]", "number")]
    [InlineData("Triangles", "[0.5]", "not an integer")]
    [InlineData("SkinColor", "{\"R\": 300}", "colour channel")]
    public void Load_NamesWhatIsWrong(string property, string value, string expected)
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        using var stream = new MemoryStream();
        rig.Save(stream);
        var document = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        document[property] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var e = Assert.Throws<InvalidDataException>(() => FaceRig.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()))));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>Every public property with a setter, arrays element by element, records (regions, frame) property by property.</summary>
    private static void AssertSameProperties(object expected, object actual, string path)
    {
        foreach (var property in expected.GetType().GetProperties().Where(p => p.CanWrite))
        {
            var (e, a) = (property.GetValue(expected), property.GetValue(actual));
            var at = path + "." + property.Name;
            if (e is System.Collections.IEnumerable list)
            {
                Assert.True(list.Cast<object>().SequenceEqual(((System.Collections.IEnumerable)a!).Cast<object>()), at);
                Assert.NotEmpty(list.Cast<object>());
            }
            else if (e is RigRegions or FaceFrame)
            {
                AssertSameProperties(e, a!, at);
            }
            else
            {
                Assert.True(Equals(e, a), $"{at}: {e} against {a}");
            }
        }
    }

    [Fact]
    public void Load_RejectsInconsistentRig()
    {
        var (_, rig) = RenderFixture.Get("astronaut");
        using var stream = new MemoryStream();
        (rig with { JawWeight = new float[3] }).Save(stream);
        stream.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => FaceRig.Load(stream));
        Assert.Contains("JawWeight", e.Message);
    }
}
