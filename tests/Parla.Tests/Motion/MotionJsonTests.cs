using System.Reflection;
using System.Text.Json;
using Parla.Motion;

namespace Parla.Tests.Motion;

public sealed class MotionJsonTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("parla-motion-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void SaveAndLoad_RoundTripsToFourDecimals()
    {
        var track = SampleTrack();
        var path = Path.Combine(_temp, "track.json");

        MotionJson.Save(track, path);
        var loaded = MotionJson.Load(path);

        Assert.Equal(track.FramesPerSecond, loaded.FramesPerSecond);
        Assert.Equal(track.FrameCount, loaded.FrameCount);
        for (var k = 0; k < track.FrameCount; k++)
        {
            foreach (var property in FaceStateProperties())
            {
                // Rounded to 4 decimals: within half a unit of the 4th place (plus float noise).
                Assert.Equal((float)property.GetValue(track.Frames[k])!, (float)property.GetValue(loaded.Frames[k])!, 5.1e-5f);
            }
        }
    }

    [Fact]
    public void Serialize_WritesTheDocumentedLayout()
    {
        var json = MotionJson.Serialize(new MotionTrack(25, [new FaceState { JawOpen = 0.123456f, HeadYawDegrees = -1.5f, GazeX = -0.00001f }, default]));

        Assert.StartsWith("{\"format\":\"parla.motion\",\"version\":1,\"fps\":25,\"frames\":[\n{\"t\":0,\"jawOpen\":0.1235,", json, StringComparison.Ordinal);
        Assert.Contains("\"headYawDegrees\":-1.5,", json, StringComparison.Ordinal);
        Assert.Contains("\"gazeX\":0,", json, StringComparison.Ordinal); // no "-0"
        Assert.Contains("\n{\"t\":0.04,", json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(2, document.RootElement.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public void EveryFaceStateMember_IsWrittenInCamelCase()
    {
        var expected = FaceStateProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).Order();

        Assert.Equal(expected, MotionJson.MemberNames.Order());
    }

    [Fact]
    public void MissingMembers_ReadAsZero_AndTIsOptional()
    {
        var track = MotionJson.Parse("""{"format":"parla.motion","version":1,"fps":30,"frames":[{"jawOpen":0.5},{}]}""", "hand.json");

        Assert.Equal(30, track.FramesPerSecond);
        Assert.Equal(new FaceState { JawOpen = 0.5f }, track.Frames[0]);
        Assert.Equal(default, track.Frames[1]);
    }

    [Theory]
    [InlineData("{", "is not valid JSON")]
    [InlineData("[]", "top level must be a JSON object")]
    [InlineData("""{"format":"other","version":1,"fps":25,"frames":[]}""", "\"format\" must be \"parla.motion\"")]
    [InlineData("""{"format":"parla.motion","fps":25,"frames":[]}""", "no valid \"version\"")]
    [InlineData("""{"format":"parla.motion","version":2,"fps":25,"frames":[]}""", "version 2; this Parla reads up to version 1")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":0,"frames":[]}""", "no valid \"fps\"")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":25}""", "no \"frames\" array")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":25,"frames":[1]}""", "frame 0 is not a JSON object")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":25,"frames":[{},{"jawOpen":"wide"}]}""", "frame 1: \"jawOpen\" must be a number")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":25,"frames":[{"jawOpn":0.5}]}""", "frame 0 has an unknown member \"jawOpn\"")]
    [InlineData("""{"format":"parla.motion","version":1,"fps":25,"frames":[{"t":0},{"t":0.08}]}""", "frame 1 has t = 0.08 s, but at 25 fps it is at 0.04 s")]
    public void MalformedTracks_AreRejectedNamingTheFileAndTheProblem(string json, string problem)
    {
        var e = Assert.Throws<InvalidInputException>(() => MotionJson.Parse(json, "bad.json"));

        Assert.Equal("bad.json", e.Path);
        Assert.StartsWith("bad.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsInvalidInput()
    {
        var path = Path.Combine(_temp, "absent.json");

        var e = Assert.Throws<InvalidInputException>(() => MotionJson.Load(path));

        Assert.Contains("file not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_IntoAMissingFolder_ThrowsOutputException()
    {
        Assert.Throws<OutputException>(() => MotionJson.Save(SampleTrack(), Path.Combine(_temp, "no", "such", "dir", "t.json")));
    }

    private static MotionTrack SampleTrack()
    {
        var random = new Random(1);
        var frames = new FaceState[50];
        for (var k = 0; k < frames.Length; k++)
        {
            var state = default(FaceState);
            object boxed = state;
            foreach (var property in FaceStateProperties())
            {
                property.SetValue(boxed, (float)((random.NextDouble() * 4) - 2));
            }

            frames[k] = (FaceState)boxed;
        }

        return new MotionTrack(25, frames);
    }

    private static PropertyInfo[] FaceStateProperties() =>
        typeof(FaceState).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(float)).ToArray();
}
