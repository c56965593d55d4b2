using System.Numerics;
using System.Text;
using Parla.Face;

namespace Parla.Tests.Face;

public sealed class LandmarksJsonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-landmarks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DetectedFace SyntheticFace(float offset)
    {
        var points = Enumerable.Range(0, DetectedFace.LandmarkCount)
            .Select(i => new Vector3(offset + i * 0.123456f, 2 * offset + i * 0.5f, -i / 7f))
            .ToArray();
        return new DetectedFace(0.987654f, new BoxF(offset, offset + 1.005f, 100.25f, 99.994f), points);
    }

    [Fact]
    public void WriteThenRead_RoundTripsToTwoDecimals()
    {
        DetectedFace[] faces = [SyntheticFace(10), SyntheticFace(300)];
        var path = Path.Combine(_dir, "faces.json");
        LandmarksJson.Write(faces, path);
        var read = LandmarksJson.Read(path);

        Assert.Equal(faces.Length, read.Count);
        for (var f = 0; f < faces.Length; f++)
        {
            // Two decimals: every number within half a hundredth (plus float rounding).
            const float tolerance = 0.0051f;
            Assert.Equal(faces[f].Score, read[f].Score, tolerance);
            Assert.Equal(faces[f].Box.X, read[f].Box.X, tolerance);
            Assert.Equal(faces[f].Box.Y, read[f].Box.Y, tolerance);
            Assert.Equal(faces[f].Box.Width, read[f].Box.Width, tolerance);
            Assert.Equal(faces[f].Box.Height, read[f].Box.Height, tolerance);
            for (var i = 0; i < DetectedFace.LandmarkCount; i++)
            {
                Assert.Equal(faces[f].Points[i].X, read[f].Points[i].X, tolerance);
                Assert.Equal(faces[f].Points[i].Y, read[f].Points[i].Y, tolerance);
                Assert.Equal(faces[f].Points[i].Z, read[f].Points[i].Z, tolerance);
            }
        }
    }

    [Fact]
    public void Write_UsesThePublicFormat()
    {
        using var stream = new MemoryStream();
        LandmarksJson.Write([SyntheticFace(10)], stream);
        var json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.StartsWith("""{"faces":[{"score":0.99,"box":[10,11.01,100.25,99.99],"points":[[10,20,0],[10.12,20.5,-0.14],""", json);
        Assert.EndsWith("]]}]}", json);
    }

    [Fact]
    public void Write_NoFaces_IsAnEmptyList()
    {
        using var stream = new MemoryStream();
        LandmarksJson.Write([], stream);
        Assert.Equal("""{"faces":[]}""", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Theory]
    [InlineData("""{"faces":[{"score":1,"box":[0,0,10,10],"points":[[1,2,3]]}]}""", "has 1 points, expected 468")]
    [InlineData("""{"face":[]}""", "\"faces\" array")]
    [InlineData("""{"faces":[{"score":"high","box":[0,0,10],"points":[]}]}""", "faces[0].score holds \"high\"")]
    [InlineData("""{"faces":[{"score":1e999,"box":[0,0,10,10],"points":[]}]}""", "not a finite number")]
    [InlineData("""{"faces": [""", "is not valid JSON")]
    public void Read_InvalidFile_NamesFileAndProblem(string json, string expected)
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<InvalidInputException>(() => LandmarksJson.Read(path));
        Assert.Contains("bad.json", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Read_ReportsEveryProblemTogether()
    {
        var path = Path.Combine(_dir, "two-problems.json");
        File.WriteAllText(path, """{"faces":[{"score":"x","box":[0,0,-1,10],"points":[]}]}""");
        var error = Assert.Throws<InvalidInputException>(() => LandmarksJson.Read(path));
        Assert.Contains("score", error.Message);
        Assert.Contains("negative width", error.Message);
        Assert.Contains("expected 468", error.Message);
    }

    [Fact]
    public void Read_MissingFile_Throws() =>
        Assert.Throws<InvalidInputException>(() => LandmarksJson.Read(Path.Combine(_dir, "absent.json")));
}
