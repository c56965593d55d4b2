using System.Numerics;
using System.Text.Json;
using Parla.Media;

namespace Parla.Face;

/// <summary>
/// The public landmarks file: <c>{"faces":[{"score":s,"box":[x,y,w,h],"points":[[x,y,z],…468]}]}</c>,
/// all in image pixels of the EXIF-oriented image, numbers rounded to 2 decimals. Users may write
/// or correct it by hand, so reading checks everything and reports every problem it finds.
/// </summary>
public static class LandmarksJson
{
    private const int MaxReportedProblems = 10;

    /// <summary>Writes <paramref name="faces"/> to <paramref name="stream"/> as UTF-8 JSON.</summary>
    public static void Write(IReadOnlyList<DetectedFace> faces, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("faces");
        foreach (var face in faces)
        {
            json.WriteStartObject();
            json.WritePropertyName("score");
            Number(json, face.Score);
            json.WriteStartArray("box");
            Number(json, face.Box.X);
            Number(json, face.Box.Y);
            Number(json, face.Box.Width);
            Number(json, face.Box.Height);
            json.WriteEndArray();
            json.WriteStartArray("points");
            foreach (var p in face.Points)
            {
                json.WriteStartArray();
                Number(json, p.X);
                Number(json, p.Y);
                Number(json, p.Z);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes the file atomically (temporary file, then rename).</summary>
    /// <exception cref="OutputException">The file cannot be written.</exception>
    public static void Write(IReadOnlyList<DetectedFace> faces, string path)
    {
        using var buffer = new MemoryStream();
        Write(faces, buffer);
        OutputFile.WriteAllTextAtomic(path, System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Reads and checks a landmarks file.</summary>
    /// <exception cref="InvalidInputException">The file is missing, is not JSON, or does not have the expected shape; the message lists what is wrong.</exception>
    public static IReadOnlyList<DetectedFace> Read(string path)
    {
        const string advice = "Expected {\"faces\":[{\"score\":s,\"box\":[x,y,w,h],\"points\":[[x,y,z], … 468 points]}]} in image pixels.";
        if (!File.Exists(path)) throw new InvalidInputException(path, "file not found.");
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(path, $"is not valid JSON (line {e.LineNumber + 1}: {e.Message}).", advice, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message}).", inner: e);
        }

        using (document)
        {
            var problems = new List<string>();
            var faces = Parse(document.RootElement, problems);
            if (problems.Count > 0)
            {
                var shown = problems.Take(MaxReportedProblems).ToList();
                if (problems.Count > shown.Count) shown.Add($"and {problems.Count - shown.Count} more");
                throw new InvalidInputException(path, string.Join("; ", shown) + ".", advice);
            }
            return faces;
        }
    }

    private static List<DetectedFace> Parse(JsonElement root, List<string> problems)
    {
        var faces = new List<DetectedFace>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("faces", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            problems.Add("the top level must be an object with a \"faces\" array");
            return faces;
        }
        var index = 0;
        foreach (var face in list.EnumerateArray())
        {
            var where = $"faces[{index++}]";
            if (face.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{where} is not an object");
                continue;
            }
            var score = face.TryGetProperty("score", out var s) ? Finite(s, $"{where}.score", problems) : Missing($"{where}.score", problems);
            var box = Numbers(face, "box", 4, where, problems);
            if (box is not null && (box[2] < 0 || box[3] < 0)) problems.Add($"{where}.box has a negative width or height");
            var points = Points(face, where, problems);
            if (box is not null && points is not null)
                faces.Add(new DetectedFace(score, new BoxF(box[0], box[1], box[2], box[3]), points));
        }
        return faces;
    }

    private static Vector3[]? Points(JsonElement face, string where, List<string> problems)
    {
        if (!face.TryGetProperty("points", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{where}.points is missing or not an array");
            return null;
        }
        if (list.GetArrayLength() != DetectedFace.LandmarkCount)
        {
            problems.Add($"{where}.points has {list.GetArrayLength()} points, expected {DetectedFace.LandmarkCount}");
            return null;
        }
        var points = new Vector3[DetectedFace.LandmarkCount];
        var i = 0;
        var ok = true;
        foreach (var point in list.EnumerateArray())
        {
            var at = $"{where}.points[{i}]";
            if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 3)
            {
                problems.Add($"{at} must be [x, y, z]");
                ok = false;
            }
            else
            {
                var x = Finite(point[0], at, problems);
                var y = Finite(point[1], at, problems);
                var z = Finite(point[2], at, problems);
                points[i] = new Vector3(x, y, z);
            }
            i++;
        }
        return ok ? points : null;
    }

    private static float[]? Numbers(JsonElement face, string name, int count, string where, List<string> problems)
    {
        if (!face.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() != count)
        {
            problems.Add($"{where}.{name} must be an array of {count} numbers");
            return null;
        }
        return list.EnumerateArray().Select(e => Finite(e, $"{where}.{name}", problems)).ToArray();
    }

    private static float Finite(JsonElement element, string where, List<string> problems)
    {
        // JSON itself has no NaN or infinity, but a number can overflow float.
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && float.IsFinite((float)value))
            return (float)value;
        problems.Add($"{where} holds {element.GetRawText()}, not a finite number");
        return 0;
    }

    private static float Missing(string where, List<string> problems)
    {
        problems.Add($"{where} is missing");
        return 0;
    }

    // Two decimals: a hundredth of a pixel is far below what any consumer can see, and it keeps
    // files small and diffs readable. Utf8JsonWriter formats with the invariant culture.
    private static void Number(Utf8JsonWriter json, float value)
    {
        if (!float.IsFinite(value)) throw new ArgumentException($"Cannot write the non-finite number {value} to a landmarks file.");
        json.WriteNumberValue(Math.Round((double)value, 2, MidpointRounding.AwayFromZero));
    }
}
