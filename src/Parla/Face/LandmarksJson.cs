using System.Numerics;
using System.Text.Json;
using Parla.Media;

namespace Parla.Face;

/// <summary>
/// The public landmarks file: <c>{"faces":[{"score":s,"box":[x,y,w,h],"points":[[x,y,z],…468]}]}</c>,
/// all in image pixels of the EXIF-oriented image, numbers rounded to 2 decimals. Users may write
/// or correct it by hand, so reading checks everything and reports every problem it finds.
/// Reading also accepts five points, <c>{"points5":[[x,y],…5]}</c> (eye centres, nose tip, mouth
/// corners, image-left first; see <see cref="FaceTemplate"/>), and fits the full face to them.
/// docs/landmarks-format.md describes both.
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

    /// <summary>Writes five points (<see cref="FaceTemplate"/> order) as <c>{"points5":[[x,y],…]}</c>, which <see cref="Read"/> fits to a full face.</summary>
    public static void WriteFivePoints(ReadOnlySpan<Vector2> points5, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (points5.Length != FaceTemplate.FivePointCount)
            throw new ArgumentException($"Expected {FaceTemplate.FivePointCount} points, got {points5.Length}.", nameof(points5));
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("points5");
        foreach (var p in points5)
        {
            json.WriteStartArray();
            Number(json, p.X);
            Number(json, p.Y);
            json.WriteEndArray();
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

    /// <summary>
    /// Reads and checks a landmarks file: the full format, or five points fitted with
    /// <paramref name="template"/> (default <see cref="FaceTemplate.Default"/>, loaded only when the file holds five points).
    /// </summary>
    /// <exception cref="InvalidInputException">The file is missing, is not JSON, or does not have the expected shape; the message lists what is wrong.</exception>
    /// <exception cref="ModelException">The file holds five points and the default template cannot be loaded.</exception>
    public static IReadOnlyList<DetectedFace> Read(string path, FaceTemplate? template = null)
    {
        const string advice = "Expected {\"faces\":[{\"score\":s,\"box\":[x,y,w,h],\"points\":[[x,y,z], … 468 points]}]}, " +
            "or five points {\"points5\":[[x,y] left eye centre, right eye centre, nose tip, left mouth corner, right mouth corner]}, " +
            "in image pixels, left and right as seen in the image (docs/landmarks-format.md).";
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
            var root = document.RootElement;
            Vector2[]? points5 = null;
            List<DetectedFace> faces = [];
            // A file with both (what the server's landmarks endpoint returns) is read by its full faces.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("points5", out var list5) && !root.TryGetProperty("faces", out _))
            {
                points5 = FivePoints(list5, problems);
            }
            else
            {
                faces = Parse(root, problems);
            }
            if (problems.Count > 0)
            {
                var shown = problems.Take(MaxReportedProblems).ToList();
                if (problems.Count > shown.Count) shown.Add($"and {problems.Count - shown.Count} more");
                throw new InvalidInputException(path, string.Join("; ", shown) + ".", advice);
            }
            if (points5 is not null) return [(template ?? FaceTemplate.Default).FitFivePoints(points5)];
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

    // {"points5": [[x, y] × 5]}: every number finite, then the geometric checks of the template.
    private static Vector2[]? FivePoints(JsonElement list, List<string> problems)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            problems.Add("\"points5\" must be an array of five [x, y] points");
            return null;
        }
        if (list.GetArrayLength() != FaceTemplate.FivePointCount)
        {
            problems.Add($"\"points5\" has {list.GetArrayLength()} points, expected {FaceTemplate.FivePointCount} (left eye centre, right eye centre, nose tip, left mouth corner, right mouth corner)");
            return null;
        }
        var points = new Vector2[FaceTemplate.FivePointCount];
        var before = problems.Count;
        var i = 0;
        foreach (var point in list.EnumerateArray())
        {
            var at = $"points5[{i}]";
            if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2)
                problems.Add($"{at} must be [x, y]");
            else
                points[i] = new Vector2(Finite(point[0], at, problems), Finite(point[1], at, problems));
            i++;
        }
        if (problems.Count > before) return null;
        foreach (var problem in FaceTemplate.CheckFivePoints(points)) problems.Add("points5: " + problem);
        return problems.Count > before ? null : points;
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
