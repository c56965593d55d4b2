using System.Numerics;
using System.Text.Json;

namespace Parla.Face.Rig;

/// <summary>
/// A <see cref="FaceRig"/> as JSON, read and written with the framework's reader and writer: a
/// cached rig is read at the start of every run, and the reflection-based serializer spent 53–60 ms
/// of a fresh process there compiling and emitting code for it (its source-generated form 40–47
/// ms), where reading the 42-KB document takes a few. Properties are read in any order; unknown
/// ones are skipped, missing ones keep the rig's defaults (<see cref="FaceRig.Validate"/> judges
/// the result). Points are arrays of numbers ([x, y], [x, y, z]); colours objects of R, G, B (and
/// their luma, written for readers, ignored when read).
/// </summary>
internal static class FaceRigJson
{
    public static void Write(Stream destination, FaceRig rig)
    {
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        json.WriteNumber(nameof(FaceRig.Version), rig.Version);
        json.WriteNumber(nameof(FaceRig.ImageWidth), rig.ImageWidth);
        json.WriteNumber(nameof(FaceRig.ImageHeight), rig.ImageHeight);
        json.WriteStartArray(nameof(FaceRig.Positions));
        foreach (var p in rig.Positions) WritePoint(json, [p.X, p.Y]);
        json.WriteEndArray();
        WriteNumbers(json, nameof(FaceRig.Depth), rig.Depth);
        WriteNumbers(json, nameof(FaceRig.HeadWeight), rig.HeadWeight);
        WriteNumbers(json, nameof(FaceRig.JawWeight), rig.JawWeight);
        WriteNumbers(json, nameof(FaceRig.UpperLipWeight), rig.UpperLipWeight);
        WriteNumbers(json, nameof(FaceRig.BrowWeight), rig.BrowWeight);
        WriteIndices(json, nameof(FaceRig.LidFollowIndex), rig.LidFollowIndex);
        WriteNumbers(json, nameof(FaceRig.LidFollowWeight), rig.LidFollowWeight);
        WriteIndices(json, nameof(FaceRig.Triangles), rig.Triangles);

        var r = rig.Regions;
        json.WriteStartObject(nameof(FaceRig.Regions));
        WriteIndices(json, nameof(RigRegions.OuterLipUpper), r.OuterLipUpper);
        WriteIndices(json, nameof(RigRegions.OuterLipLower), r.OuterLipLower);
        WriteIndices(json, nameof(RigRegions.InnerLipUpper), r.InnerLipUpper);
        WriteIndices(json, nameof(RigRegions.InnerLipLower), r.InnerLipLower);
        WriteIndices(json, nameof(RigRegions.ImageLeftEyeUpper), r.ImageLeftEyeUpper);
        WriteIndices(json, nameof(RigRegions.ImageLeftEyeLower), r.ImageLeftEyeLower);
        WriteIndices(json, nameof(RigRegions.ImageRightEyeUpper), r.ImageRightEyeUpper);
        WriteIndices(json, nameof(RigRegions.ImageRightEyeLower), r.ImageRightEyeLower);
        WriteIndices(json, nameof(RigRegions.ImageLeftBrow), r.ImageLeftBrow);
        WriteIndices(json, nameof(RigRegions.ImageRightBrow), r.ImageRightBrow);
        WriteIndices(json, nameof(RigRegions.JawLine), r.JawLine);
        WriteIndices(json, nameof(RigRegions.Nose), r.Nose);
        WriteIndices(json, nameof(RigRegions.FaceOval), r.FaceOval);
        json.WriteEndObject();

        var f = rig.Frame;
        json.WriteStartObject(nameof(FaceRig.Frame));
        json.WritePropertyName(nameof(FaceFrame.Origin));
        WritePoint(json, [f.Origin.X, f.Origin.Y]);
        json.WritePropertyName(nameof(FaceFrame.Right));
        WritePoint(json, [f.Right.X, f.Right.Y]);
        json.WritePropertyName(nameof(FaceFrame.Down));
        WritePoint(json, [f.Down.X, f.Down.Y]);
        json.WriteNumber(nameof(FaceFrame.EyeDistancePixels), f.EyeDistancePixels);
        json.WriteNumber(nameof(FaceFrame.FaceHeightPixels), f.FaceHeightPixels);
        json.WriteNumber(nameof(FaceFrame.FaceWidthPixels), f.FaceWidthPixels);
        json.WriteNumber(nameof(FaceFrame.NoseToChinPixels), f.NoseToChinPixels);
        json.WriteEndObject();

        json.WritePropertyName(nameof(FaceRig.PivotPixels));
        WritePoint(json, [rig.PivotPixels.X, rig.PivotPixels.Y, rig.PivotPixels.Z]);
        json.WriteNumber(nameof(FaceRig.TeethInLipGapPixels), rig.TeethInLipGapPixels);
        WriteColor(json, nameof(FaceRig.SkinColor), rig.SkinColor);
        WriteColor(json, nameof(FaceRig.LipColor), rig.LipColor);
        WriteColor(json, nameof(FaceRig.MouthInteriorColor), rig.MouthInteriorColor);
        WriteColor(json, nameof(FaceRig.TeethColor), rig.TeethColor);
        json.WriteEndObject();
    }

    /// <exception cref="JsonException">The document is not JSON, or a property has the wrong kind of value.</exception>
    public static FaceRig Read(Stream source)
    {
        using var bytes = new MemoryStream();
        source.CopyTo(bytes);
        var json = new Utf8JsonReader(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
        Next(ref json);
        var rig = new FaceRig();
        ForEachProperty(ref json, ref rig, static (ref Utf8JsonReader json, string name, ref FaceRig rig) => rig = name switch
        {
            nameof(FaceRig.Version) => rig with { Version = Integer(ref json) },
            nameof(FaceRig.ImageWidth) => rig with { ImageWidth = Integer(ref json) },
            nameof(FaceRig.ImageHeight) => rig with { ImageHeight = Integer(ref json) },
            nameof(FaceRig.Positions) => rig with { Positions = Points(ref json) },
            nameof(FaceRig.Depth) => rig with { Depth = Numbers(ref json) },
            nameof(FaceRig.HeadWeight) => rig with { HeadWeight = Numbers(ref json) },
            nameof(FaceRig.JawWeight) => rig with { JawWeight = Numbers(ref json) },
            nameof(FaceRig.UpperLipWeight) => rig with { UpperLipWeight = Numbers(ref json) },
            nameof(FaceRig.BrowWeight) => rig with { BrowWeight = Numbers(ref json) },
            nameof(FaceRig.LidFollowIndex) => rig with { LidFollowIndex = Indices(ref json) },
            nameof(FaceRig.LidFollowWeight) => rig with { LidFollowWeight = Numbers(ref json) },
            nameof(FaceRig.Triangles) => rig with { Triangles = Indices(ref json) },
            nameof(FaceRig.Regions) => rig with { Regions = Regions(ref json) },
            nameof(FaceRig.Frame) => rig with { Frame = Frame(ref json) },
            nameof(FaceRig.PivotPixels) => rig with { PivotPixels = Point3(ref json) },
            nameof(FaceRig.TeethInLipGapPixels) => rig with { TeethInLipGapPixels = Number(ref json) },
            nameof(FaceRig.SkinColor) => rig with { SkinColor = Color(ref json) },
            nameof(FaceRig.LipColor) => rig with { LipColor = Color(ref json) },
            nameof(FaceRig.MouthInteriorColor) => rig with { MouthInteriorColor = Color(ref json) },
            nameof(FaceRig.TeethColor) => rig with { TeethColor = Color(ref json) },
            _ => Skip(ref json, rig),
        });
        if (json.Read()) throw new JsonException("Text after the rig's object.");
        return rig;
    }

    private delegate void PropertyReader<T>(ref Utf8JsonReader json, string name, ref T value);

    /// <summary>Reads the object the reader is at, handing each property's name to <paramref name="read"/> with the reader at its value; leaves the reader at the object's end.</summary>
    private static void ForEachProperty<T>(ref Utf8JsonReader json, ref T value, PropertyReader<T> read)
    {
        Expect(ref json, JsonTokenType.StartObject, "an object");
        while (Next(ref json) != JsonTokenType.EndObject)
        {
            var name = json.GetString()!;
            Next(ref json);
            read(ref json, name, ref value);
        }
    }

    private static RigRegions Regions(ref Utf8JsonReader json)
    {
        var regions = new RigRegions();
        ForEachProperty(ref json, ref regions, static (ref Utf8JsonReader json, string name, ref RigRegions r) => r = name switch
        {
            nameof(RigRegions.OuterLipUpper) => r with { OuterLipUpper = Indices(ref json) },
            nameof(RigRegions.OuterLipLower) => r with { OuterLipLower = Indices(ref json) },
            nameof(RigRegions.InnerLipUpper) => r with { InnerLipUpper = Indices(ref json) },
            nameof(RigRegions.InnerLipLower) => r with { InnerLipLower = Indices(ref json) },
            nameof(RigRegions.ImageLeftEyeUpper) => r with { ImageLeftEyeUpper = Indices(ref json) },
            nameof(RigRegions.ImageLeftEyeLower) => r with { ImageLeftEyeLower = Indices(ref json) },
            nameof(RigRegions.ImageRightEyeUpper) => r with { ImageRightEyeUpper = Indices(ref json) },
            nameof(RigRegions.ImageRightEyeLower) => r with { ImageRightEyeLower = Indices(ref json) },
            nameof(RigRegions.ImageLeftBrow) => r with { ImageLeftBrow = Indices(ref json) },
            nameof(RigRegions.ImageRightBrow) => r with { ImageRightBrow = Indices(ref json) },
            nameof(RigRegions.JawLine) => r with { JawLine = Indices(ref json) },
            nameof(RigRegions.Nose) => r with { Nose = Indices(ref json) },
            nameof(RigRegions.FaceOval) => r with { FaceOval = Indices(ref json) },
            _ => Skip(ref json, r),
        });
        return regions;
    }

    private static FaceFrame Frame(ref Utf8JsonReader json)
    {
        var frame = new FaceFrame();
        ForEachProperty(ref json, ref frame, static (ref Utf8JsonReader json, string name, ref FaceFrame f) => f = name switch
        {
            nameof(FaceFrame.Origin) => f with { Origin = Point2(ref json) },
            nameof(FaceFrame.Right) => f with { Right = Point2(ref json) },
            nameof(FaceFrame.Down) => f with { Down = Point2(ref json) },
            nameof(FaceFrame.EyeDistancePixels) => f with { EyeDistancePixels = Number(ref json) },
            nameof(FaceFrame.FaceHeightPixels) => f with { FaceHeightPixels = Number(ref json) },
            nameof(FaceFrame.FaceWidthPixels) => f with { FaceWidthPixels = Number(ref json) },
            nameof(FaceFrame.NoseToChinPixels) => f with { NoseToChinPixels = Number(ref json) },
            _ => Skip(ref json, f),
        });
        return frame;
    }

    private static RigColor Color(ref Utf8JsonReader json)
    {
        var color = default(RigColor);
        ForEachProperty(ref json, ref color, static (ref Utf8JsonReader json, string name, ref RigColor c) => c = name switch
        {
            nameof(RigColor.R) => c with { R = Byte(ref json) },
            nameof(RigColor.G) => c with { G = Byte(ref json) },
            nameof(RigColor.B) => c with { B = Byte(ref json) },
            _ => Skip(ref json, c),
        });
        return color;
    }

    private static float[] Numbers(ref Utf8JsonReader json) => ArrayOf(ref json, "an array of numbers", Number);

    private static int[] Indices(ref Utf8JsonReader json) => ArrayOf(ref json, "an array of integers", Integer);

    private static Vector2[] Points(ref Utf8JsonReader json) => ArrayOf(ref json, "an array of points", Point2);

    private delegate T ValueReader<T>(ref Utf8JsonReader json);

    private static T[] ArrayOf<T>(ref Utf8JsonReader json, string what, ValueReader<T> read)
    {
        var values = new List<T>();
        Expect(ref json, JsonTokenType.StartArray, what);
        while (Next(ref json) != JsonTokenType.EndArray) values.Add(read(ref json));
        return [.. values];
    }

    private static Vector2 Point2(ref Utf8JsonReader json)
    {
        Span<float> c = stackalloc float[2];
        return Coordinates(ref json, c) == 2 ? new Vector2(c[0], c[1]) : throw new JsonException("A 2D point must be [x, y].");
    }

    private static Vector3 Point3(ref Utf8JsonReader json)
    {
        Span<float> c = stackalloc float[3];
        return Coordinates(ref json, c) == 3 ? new Vector3(c[0], c[1], c[2]) : throw new JsonException("A 3D point must be [x, y, z].");
    }

    /// <summary>Reads an array of numbers into <paramref name="coordinates"/>: how many it held (−1 when more than fit).</summary>
    private static int Coordinates(ref Utf8JsonReader json, scoped Span<float> coordinates)
    {
        Expect(ref json, JsonTokenType.StartArray, "a point, an array of numbers");
        var count = 0;
        while (Next(ref json) != JsonTokenType.EndArray)
        {
            var value = Number(ref json);
            if (count < coordinates.Length) coordinates[count] = value;
            count++;
        }

        return count <= coordinates.Length ? count : -1;
    }

    private static float Number(ref Utf8JsonReader json)
    {
        Expect(ref json, JsonTokenType.Number, "a number");
        return json.GetSingle();
    }

    private static int Integer(ref Utf8JsonReader json)
    {
        Expect(ref json, JsonTokenType.Number, "an integer");
        return json.TryGetInt32(out var value) ? value : throw new JsonException($"{TokenText(json)} is not an integer.");
    }

    private static byte Byte(ref Utf8JsonReader json)
    {
        Expect(ref json, JsonTokenType.Number, "a colour channel, 0..255");
        return json.TryGetByte(out var value) ? value : throw new JsonException($"{TokenText(json)} is not a colour channel, 0..255.");
    }

    private static T Skip<T>(ref Utf8JsonReader json, T value)
    {
        json.Skip();
        return value;
    }

    private static JsonTokenType Next(ref Utf8JsonReader json) =>
        json.Read() ? json.TokenType : throw new JsonException("The rig's JSON ends early.");

    private static void Expect(ref Utf8JsonReader json, JsonTokenType type, string what)
    {
        if (json.TokenType != type) throw new JsonException($"Expected {what}, found {json.TokenType} at byte {json.TokenStartIndex}.");
    }

    private static string TokenText(Utf8JsonReader json) => System.Text.Encoding.UTF8.GetString(json.ValueSpan);

    private static void WriteNumbers(Utf8JsonWriter json, string name, float[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static void WriteIndices(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static void WritePoint(Utf8JsonWriter json, ReadOnlySpan<float> coordinates)
    {
        json.WriteStartArray();
        foreach (var v in coordinates) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static void WriteColor(Utf8JsonWriter json, string name, RigColor color)
    {
        json.WriteStartObject(name);
        json.WriteNumber(nameof(RigColor.R), color.R);
        json.WriteNumber(nameof(RigColor.G), color.G);
        json.WriteNumber(nameof(RigColor.B), color.B);
        json.WriteNumber(nameof(RigColor.Luma), color.Luma);
        json.WriteEndObject();
    }
}
