using System.Numerics;
using Parla.Media;

namespace Parla.Face;

/// <summary>Settings of <see cref="FaceAnalyzer"/>.</summary>
public sealed record FaceAnalyzerOptions
{
    /// <summary>Threads ONNX Runtime uses inside one model run. Default 1: two small models gain little from more.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Lowest detector score (0–1) a face needs. Default <see cref="FaceDetector.DefaultMinScore"/>.</summary>
    public float MinDetectionScore { get; init; } = FaceDetector.DefaultMinScore;

    /// <summary>
    /// Lowest face-presence probability (0–1) the mesh must report for the face to be kept. Default 0.5,
    /// as MediaPipe; 0 keeps every detection (useful for illustrations the mesh is unsure of).
    /// </summary>
    public float MinPresenceScore { get; init; } = 0.5f;

    /// <summary>
    /// Extra mesh passes, each on the region found from the previous pass's points (as MediaPipe
    /// tracks video). Default 1: the detector's box is coarse; one pass from the mesh's own box fits better.
    /// </summary>
    public int RefinementPasses { get; init; } = 1;

    /// <summary>Every problem with these settings; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (IntraOpThreads is < 1 or > 64) errors.Add($"IntraOpThreads must be 1–64, not {IntraOpThreads}.");
        if (!(MinDetectionScore is >= 0 and <= 1)) errors.Add($"MinDetectionScore must be in [0, 1], not {MinDetectionScore}.");
        if (!(MinPresenceScore is >= 0 and <= 1)) errors.Add($"MinPresenceScore must be in [0, 1], not {MinPresenceScore}.");
        if (RefinementPasses is < 0 or > 4) errors.Add($"RefinementPasses must be 0–4, not {RefinementPasses}.");
        return errors;
    }
}

/// <summary>
/// Finds faces and their 468 landmarks in a portrait: BlazeFace detection, then FaceMesh on a
/// crop rotated so the eyes are level, refined on the mesh's own region. Both ONNX sessions are
/// created once and reused; instances are thread-safe but run one image at a time.
/// </summary>
/// <remarks>
/// <see cref="DetectedFace.Score"/> is the detector's score; the mesh's face-presence probability
/// only decides whether the face is kept (<see cref="FaceAnalyzerOptions.MinPresenceScore"/>).
/// <see cref="DetectedFace.Box"/> is the detector's box.
/// </remarks>
public sealed class FaceAnalyzer : IDisposable
{
    private readonly FaceDetector _detector;
    private readonly FaceMeshModel _mesh;
    private readonly FaceAnalyzerOptions _options;

    public FaceAnalyzer(FaceModelFiles models, FaceAnalyzerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        _options = options ?? new FaceAnalyzerOptions();
        var errors = _options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        _detector = new FaceDetector(models.DetectorPath, _options.IntraOpThreads);
        try
        {
            _mesh = new FaceMeshModel(models.MeshPath, _options.IntraOpThreads);
        }
        catch
        {
            _detector.Dispose();
            throw;
        }
    }

    /// <summary>Fetches and converts the models if needed (<see cref="FaceModelStore.EnsureModels"/>), then loads them.</summary>
    public static FaceAnalyzer Create(FaceModelStore? store = null, FaceAnalyzerOptions? options = null, CancellationToken cancellationToken = default) =>
        new((store ?? new FaceModelStore()).EnsureModels(cancellationToken), options);

    /// <summary>Every face in <paramref name="image"/>, largest box first; empty when there is none.</summary>
    public IReadOnlyList<DetectedFace> Detect(Frame image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var faces = new List<DetectedFace>();
        foreach (var detection in _detector.Detect(image, _options.MinDetectionScore))
        {
            var points = new Vector3[DetectedFace.LandmarkCount];
            var presence = _mesh.Run(image, FaceRoi.FromDetection(detection), points);
            for (var pass = 0; pass < _options.RefinementPasses && presence >= _options.MinPresenceScore; pass++)
            {
                var refined = new Vector3[DetectedFace.LandmarkCount];
                var refinedPresence = _mesh.Run(image, FaceRoi.FromLandmarks(points), refined);
                if (refinedPresence < _options.MinPresenceScore) break; // keep the pass that still saw a face
                points = refined;
                presence = refinedPresence;
            }
            if (presence < _options.MinPresenceScore) continue;
            faces.Add(new DetectedFace(detection.Score, detection.Box, points));
        }
        faces.Sort((a, b) => b.Box.Area.CompareTo(a.Box.Area));
        return faces;
    }

    public void Dispose()
    {
        _detector.Dispose();
        _mesh.Dispose();
    }
}
