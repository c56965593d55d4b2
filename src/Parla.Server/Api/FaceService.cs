using System.Numerics;
using System.Text.Json.Nodes;
using Parla.Face;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Server.Api;

/// <summary>
/// The face analyzer behind <c>POST /api/landmarks</c>: loaded once on first use (fetching the models
/// if needed), then shared; one image at a time, as the analyzer requires.
/// </summary>
public sealed class FaceService(FaceModelStore models) : IDisposable
{
    // MediaPipe's contour groups drawn by the page (the tessellation is left out: 2 500 edges for little gain).
    private static readonly (string Name, string Group)[] Contours =
    [
        ("faceOval", "FACEMESH_FACE_OVAL"), ("lips", "FACEMESH_LIPS"),
        ("leftEye", "FACEMESH_LEFT_EYE"), ("rightEye", "FACEMESH_RIGHT_EYE"),
        ("leftEyebrow", "FACEMESH_LEFT_EYEBROW"), ("rightEyebrow", "FACEMESH_RIGHT_EYEBROW"),
    ];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private FaceAnalyzer? _analyzer;
    private FaceTopology? _topology;

    public FaceModelStore Models => models;

    /// <summary>
    /// The JSON of <c>parla landmarks --json</c> for <paramref name="image"/>, plus, for each face and at
    /// the top level for the first, <c>points5</c> (see <see cref="Points5"/>), the image's size and the
    /// landmark contours (index pairs) for drawing.
    /// </summary>
    public async Task<JsonObject> LandmarksAsync(Frame image, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() =>
            {
                // Every face: the page shows them all to choose from.
                _analyzer ??= FaceAnalyzer.Create(models, new FaceAnalyzerOptions { SearchAllPasses = true }, cancellationToken);
                _topology ??= FaceTopology.Load(models, cancellationToken);
                var faces = _analyzer.Detect(image);
                using var buffer = new MemoryStream();
                LandmarksJson.Write(faces, buffer);
                var json = JsonNode.Parse(buffer.ToArray())!.AsObject();
                var list = json["faces"]!.AsArray();
                for (var i = 0; i < faces.Count; i++)
                    list[i]!.AsObject()["points5"] = ToJson(Points5(faces[i], _topology));
                if (faces.Count > 0) json["points5"] = ToJson(Points5(faces[0], _topology));
                json["width"] = image.Width;
                json["height"] = image.Height;
                var contours = new JsonObject();
                foreach (var (name, group) in Contours)
                    contours[name] = new JsonArray([.. _topology.Groups[group].Select(e => (JsonNode)new JsonArray(e.A, e.B))]);
                json["contours"] = contours;
                return json;
            }, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Five points as the image shows them, left first: the eye on the image's left, the other eye
    /// (each the mean of its contour's landmarks), the nose tip (landmark 1), the mouth corner on the
    /// image's left and the other one (landmarks 61 and 291).
    /// </summary>
    public static Vector2[] Points5(DetectedFace face, FaceTopology topology)
    {
        Vector2 Mean(string group)
        {
            var indices = topology.Groups[group].SelectMany(e => new[] { e.A, e.B }).Distinct().ToList();
            var sum = Vector2.Zero;
            foreach (var i in indices) sum += new Vector2(face.Points[i].X, face.Points[i].Y);
            return sum / indices.Count;
        }
        var eyeA = Mean("FACEMESH_LEFT_EYE");
        var eyeB = Mean("FACEMESH_RIGHT_EYE");
        var mouthA = new Vector2(face.Points[61].X, face.Points[61].Y);
        var mouthB = new Vector2(face.Points[291].X, face.Points[291].Y);
        var nose = new Vector2(face.Points[1].X, face.Points[1].Y);
        return
        [
            eyeA.X <= eyeB.X ? eyeA : eyeB, eyeA.X <= eyeB.X ? eyeB : eyeA,
            nose,
            mouthA.X <= mouthB.X ? mouthA : mouthB, mouthA.X <= mouthB.X ? mouthB : mouthA,
        ];
    }

    private static JsonArray ToJson(Vector2[] points) =>
        new([.. points.Select(p => (JsonNode)new JsonArray(Math.Round(p.X, 2), Math.Round(p.Y, 2)))]);

    public void Dispose()
    {
        _analyzer?.Dispose();
        _gate.Dispose();
    }
}
