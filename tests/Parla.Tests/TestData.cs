using System.Numerics;
using System.Text.Json;
using Parla.Face;
using Parla.Media;

namespace Parla.Tests;

/// <summary>Paths of the committed test inputs under tests/data (licences in the LICENSES.md beside them), and small readers for them.</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    /// <summary>The consent statement tests animate with (the test portraits are public domain or freely licensed).</summary>
    public static Parla.Provenance.ConsentStatement Consent { get; } =
        Parla.Provenance.ConsentStatement.Create("Test run on public-domain and freely licensed test portraits.");

    public static string Portrait(string name) => Require(Path.Combine(Root, "portraits", name));

    public static string Voice(string name) => Require(Path.Combine(Root, "voices", name));

    public static string File(string relative) => Require(Path.Combine(Root, relative));

    public static string Landmarks(string name) => Require(Path.Combine(Root, "landmarks", name + ".json"));

    /// <summary>The first face of a landmarks file in Parla's public format (a test-only reader; the library has its own).</summary>
    public static DetectedFace ReadFace(string name)
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(Landmarks(name)));
        var face = doc.RootElement.GetProperty("faces")[0];
        var box = face.GetProperty("box").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var points = face.GetProperty("points").EnumerateArray()
            .Select(p => new Vector3(p[0].GetSingle(), p[1].GetSingle(), p.GetArrayLength() > 2 ? p[2].GetSingle() : 0))
            .ToArray();
        return new DetectedFace(face.GetProperty("score").GetSingle(), new BoxF(box[0], box[1], box[2], box[3]), points);
    }

    /// <summary>Decodes a test portrait into an RGBA frame.</summary>
    public static Frame LoadImage(string file) => ImageLoader.Load(Portrait(file));

    /// <summary>Writes a one-colour PNG (a picture with no face in it) to <paramref name="path"/>.</summary>
    public static string WriteSolidPng(string path, int width, int height, byte r, byte g, byte b)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height);
        bitmap.Erase(new SkiaSharp.SKColor(r, g, b));
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        System.IO.File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A folder for images a test writes for people to look at (kept after the run).</summary>
    public static string OutputDirectory()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "test-output");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Require(string path) =>
        System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Test input {path} is missing from tests/data.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data");
            if (Directory.Exists(Path.Combine(candidate, "portraits"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/data not found above " + AppContext.BaseDirectory);
    }
}
