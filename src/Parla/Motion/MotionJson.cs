using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Parla.Motion;

/// <summary>
/// Reads and writes a <see cref="MotionTrack"/> as JSON (format "parla.motion", version 1; see
/// docs/motion-format.md). Written with one frame per line and numbers rounded to 4 decimals, so a
/// person can read, diff and edit it.
/// </summary>
public static class MotionJson
{
    /// <summary>The value of the "format" member.</summary>
    public const string FormatName = "parla.motion";

    /// <summary>The version this build writes and the highest it reads.</summary>
    public const int CurrentVersion = 1;

    private const double MaxFramesPerSecond = 240;

    private delegate void Setter(ref FaceState state, float value);

    // Every FaceState member, in the order they are written. A test checks this list against the
    // struct, so a member added to FaceState cannot be forgotten here.
    private static readonly (string Name, Func<FaceState, float> Get, Setter Set)[] Members =
    [
        ("jawOpen", s => s.JawOpen, (ref FaceState s, float v) => s.JawOpen = v),
        ("lipRound", s => s.LipRound, (ref FaceState s, float v) => s.LipRound = v),
        ("lipWidth", s => s.LipWidth, (ref FaceState s, float v) => s.LipWidth = v),
        ("lipPress", s => s.LipPress, (ref FaceState s, float v) => s.LipPress = v),
        ("blinkLeft", s => s.BlinkLeft, (ref FaceState s, float v) => s.BlinkLeft = v),
        ("blinkRight", s => s.BlinkRight, (ref FaceState s, float v) => s.BlinkRight = v),
        ("browRaise", s => s.BrowRaise, (ref FaceState s, float v) => s.BrowRaise = v),
        ("headYawDegrees", s => s.HeadYawDegrees, (ref FaceState s, float v) => s.HeadYawDegrees = v),
        ("headPitchDegrees", s => s.HeadPitchDegrees, (ref FaceState s, float v) => s.HeadPitchDegrees = v),
        ("headRollDegrees", s => s.HeadRollDegrees, (ref FaceState s, float v) => s.HeadRollDegrees = v),
        ("headShiftX", s => s.HeadShiftX, (ref FaceState s, float v) => s.HeadShiftX = v),
        ("headShiftY", s => s.HeadShiftY, (ref FaceState s, float v) => s.HeadShiftY = v),
        ("gazeX", s => s.GazeX, (ref FaceState s, float v) => s.GazeX = v),
        ("gazeY", s => s.GazeY, (ref FaceState s, float v) => s.GazeY = v),
    ];

    /// <summary>The JSON names of the face parameters, in the order they are written.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = Members.Select(m => m.Name).ToArray();

    /// <summary>Writes <paramref name="track"/> as JSON to <paramref name="writer"/>.</summary>
    public static void Write(MotionTrack track, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(track);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("{\"format\":\"");
        writer.Write(FormatName);
        writer.Write("\",\"version\":");
        writer.Write(CurrentVersion.ToString(CultureInfo.InvariantCulture));
        writer.Write(",\"fps\":");
        writer.Write(Number(track.FramesPerSecond));
        writer.Write(",\"frames\":[");
        var line = new StringBuilder(512);
        for (var k = 0; k < track.Frames.Length; k++)
        {
            var state = track.Frames[k];
            line.Clear();
            line.Append(k == 0 ? "\n" : ",\n");
            line.Append("{\"t\":").Append(Number(k / track.FramesPerSecond));
            foreach (var (name, get, _) in Members)
            {
                line.Append(",\"").Append(name).Append("\":").Append(Number(get(state)));
            }

            line.Append('}');
            writer.Write(line);
        }

        writer.Write("\n]}\n");
    }

    /// <summary>The JSON text of <paramref name="track"/>.</summary>
    public static string Serialize(MotionTrack track)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(track, writer);
        return writer.ToString();
    }

    /// <summary>Writes <paramref name="track"/> to the file <paramref name="path"/>; <see cref="OutputException"/> if it cannot.</summary>
    public static void Save(MotionTrack track, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Write(track, writer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, $"the motion track could not be written: {e.Message}", e);
        }
    }

    /// <summary>Reads a motion track file; <see cref="InvalidInputException"/> naming the file and the problem if it is missing or malformed.</summary>
    public static MotionTrack Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException(path, "file not found.", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"could not be read: {e.Message}", inner: e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses motion track JSON; <paramref name="sourceName"/> (a path) names it in errors.</summary>
    public static MotionTrack Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(sourceName, $"is not valid JSON: {e.Message}", inner: e);
        }

        using (document)
        {
            return Read(document.RootElement, sourceName);
        }
    }

    private static MotionTrack Read(JsonElement root, string source)
    {
        InvalidInputException Problem(string problem) => new(source, problem, "See docs/motion-format.md for the format.");

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Problem("is not a motion track: the top level must be a JSON object.");
        }

        if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
        {
            throw Problem($"is not a motion track: \"format\" must be \"{FormatName}\".");
        }

        if (!root.TryGetProperty("version", out var versionElement) || !versionElement.TryGetInt32(out var version) || version < 1)
        {
            throw Problem("has no valid \"version\" (a whole number, 1 or more).");
        }

        if (version > CurrentVersion)
        {
            throw Problem($"is motion format version {version.ToString(CultureInfo.InvariantCulture)}; this Parla reads up to version {CurrentVersion.ToString(CultureInfo.InvariantCulture)}. Use a newer Parla.");
        }

        if (!root.TryGetProperty("fps", out var fpsElement) || fpsElement.ValueKind != JsonValueKind.Number
            || !(fpsElement.GetDouble() is > 0 and <= MaxFramesPerSecond))
        {
            throw Problem($"has no valid \"fps\" (frames per second, above 0 and at most {MaxFramesPerSecond.ToString(CultureInfo.InvariantCulture)}).");
        }

        var fps = fpsElement.GetDouble();
        if (!root.TryGetProperty("frames", out var framesElement) || framesElement.ValueKind != JsonValueKind.Array)
        {
            throw Problem("has no \"frames\" array.");
        }

        var frames = new FaceState[framesElement.GetArrayLength()];
        var k = 0;
        foreach (var frame in framesElement.EnumerateArray())
        {
            var where = $"frame {k.ToString(CultureInfo.InvariantCulture)}";
            if (frame.ValueKind != JsonValueKind.Object)
            {
                throw Problem($"{where} is not a JSON object.");
            }

            var state = default(FaceState);
            foreach (var property in frame.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number)
                {
                    throw Problem($"{where}: \"{property.Name}\" must be a number.");
                }

                var value = property.Value.GetDouble();
                if (property.Name == "t")
                {
                    // t is redundant (k / fps) but written for people; if present it must agree, which catches deleted or duplicated lines.
                    var expected = k / fps;
                    if (Math.Abs(value - expected) > 0.5 / fps)
                    {
                        throw Problem($"{where} has t = {value.ToString("0.####", CultureInfo.InvariantCulture)} s, but at {fps.ToString(CultureInfo.InvariantCulture)} fps it is at {expected.ToString("0.####", CultureInfo.InvariantCulture)} s (a frame missing or repeated?).");
                    }

                    continue;
                }

                var index = Array.FindIndex(Members, m => m.Name == property.Name);
                if (index < 0)
                {
                    throw Problem($"{where} has an unknown member \"{property.Name}\"; known: t, {string.Join(", ", MemberNames)}.");
                }

                if (Math.Abs(value) > 1e6)
                {
                    throw Problem($"{where}: \"{property.Name}\" = {value.ToString(CultureInfo.InvariantCulture)} is out of any sensible range.");
                }

                Members[index].Set(ref state, (float)value);
            }

            frames[k++] = state;
        }

        return new MotionTrack(fps, frames);
    }

    /// <summary>A number rounded to 4 decimals, invariant culture, no exponent, no negative zero.</summary>
    private static string Number(double value)
    {
        var rounded = Math.Round(value, 4, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            return "0";
        }

        return rounded.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
