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
    /// Detector score (0–1) below which a face is kept but reported uncertain
    /// (<see cref="FaceSearchResult.IsUncertain"/>), and below which the search goes on to its next
    /// pass. Default 0.6: BlazeFace scores real portraits 0.8–0.97; between 0.5 and 0.6 it is about
    /// as often a face-like pattern as a face.
    /// </summary>
    public float ConfidentDetectionScore { get; init; } = 0.6f;

    /// <summary>
    /// Mesh face-presence probability (0–1) below which a face is reported uncertain. Default 0.8:
    /// the mesh reports 0.99 and more on the test portraits, photographs and drawings alike, and
    /// 0.85–0.95 on the anime portrait when it is seen on black instead of its white background.
    /// </summary>
    public float ConfidentPresenceScore { get; init; } = 0.8f;

    /// <summary>
    /// Longest side, in pixels, of the copy of the image the detector searches; larger images are
    /// reduced once (area-averaged) and the detections scaled back. The mesh always samples the
    /// full-resolution image. Default 1024: 8× more than the detector's 128-pixel input, so even a
    /// tile at the deepest zoom is sampled from real detail.
    /// </summary>
    public int MaxDetectionSide { get; init; } = 1024;

    /// <summary>
    /// Deepest zoom of the tiled passes (1, 2, 4 or 8; 1 turns them off). When the whole-image passes
    /// find no confident face, the detector looks at overlapping square tiles of 1/2 the image's
    /// longer side, then 1/4, … down to 1/<c>MaxZoom</c>. Default 4: short-range BlazeFace needs a face
    /// of about 15 % of its input, so zoom 4 finds faces down to about 4 % of the image's longer side.
    /// </summary>
    public int MaxZoom { get; init; } = 4;

    /// <summary>
    /// Whether, when the upright pass finds no confident face, the whole image is also searched turned
    /// by ±30° and ±60° (for faces tilted beyond what BlazeFace handles upright). Default true.
    /// </summary>
    public bool SearchRotated { get; init; } = true;

    /// <summary>
    /// Whether every pass runs even after one has found a confident face. Default false: the search
    /// stops at the first pass with a confident face, which is fast for a portrait but misses faces
    /// much smaller than the largest one (below about 15 % of the image's longer side); set it for
    /// group photos and composites. Costs about 60 more detector runs (a few hundred milliseconds).
    /// </summary>
    public bool SearchAllPasses { get; init; }

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
        if (!(ConfidentDetectionScore is >= 0 and <= 1)) errors.Add($"ConfidentDetectionScore must be in [0, 1], not {ConfidentDetectionScore}.");
        if (!(ConfidentPresenceScore is >= 0 and <= 1)) errors.Add($"ConfidentPresenceScore must be in [0, 1], not {ConfidentPresenceScore}.");
        if (MaxDetectionSide is < FaceDetector.InputSize or > 16384) errors.Add($"MaxDetectionSide must be {FaceDetector.InputSize}–16384, not {MaxDetectionSide}.");
        if (MaxZoom is not (1 or 2 or 4 or 8)) errors.Add($"MaxZoom must be 1, 2, 4 or 8, not {MaxZoom}.");
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
/// The search runs in passes and stops after the first that yields a confident face: the whole
/// image upright; turned by ±30° and ±60°; overlapping tiles at 2× zoom, then 4×
/// (<see cref="FaceAnalyzerOptions"/>). Detection looks at a copy of at most
/// <see cref="FaceAnalyzerOptions.MaxDetectionSide"/> pixels; the mesh samples the full image.
/// Transparent pixels are seen composited over white.
/// <see cref="DetectedFace.Score"/> is the detector's score, <see cref="DetectedFace.Presence"/> the
/// mesh's; <see cref="DetectedFace.Box"/> is the detector's box, axis-aligned.
/// </remarks>
public sealed class FaceAnalyzer : IDisposable
{
    // Detections from two passes whose boxes overlap more than this are the same face (the
    // detector's own suppression threshold); meshes whose boxes overlap more than the second are.
    private const float SameDetectionIou = 0.3f;
    private const float SameMeshIou = 0.5f;

    // Whole-image turns tried when upright finds nothing: BlazeFace itself holds to about ±45°, so
    // these reach faces tilted up to about 90°.
    private static readonly float[] TurnDegrees = [30, -30, 60, -60];

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

    /// <summary>The settings this analyzer runs with.</summary>
    public FaceAnalyzerOptions Options => _options;

    /// <summary>Every face in <paramref name="image"/>, largest box first; empty when there is none.</summary>
    public IReadOnlyList<DetectedFace> Detect(Frame image) => Search(image).Faces;

    /// <summary>
    /// Every face in <paramref name="image"/>, largest box first, with what the caller needs to say
    /// when there is none or the one found is uncertain (<see cref="FaceSearchResult.Describe"/>).
    /// </summary>
    public FaceSearchResult Search(Frame image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        // Detection runs on a reduced copy of a large image; its detections are scaled back to the
        // full image, where the mesh samples its crops at full resolution.
        Frame? reduced = null;
        var scale = Vector2.One;
        if (Math.Max(image.Width, image.Height) > _options.MaxDetectionSide)
            reduced = CropSampler.Reduce(image, _options.MaxDetectionSide, out scale);
        try
        {
            var search = new SearchRun(this, image, reduced ?? image, scale, cancellationToken);
            search.Run();
            return new FaceSearchResult(search.Faces(), _options.ConfidentDetectionScore, _options.ConfidentPresenceScore, search.DetectorRuns, search.Unfitted());
        }
        finally
        {
            reduced?.Dispose();
        }
    }

    public void Dispose()
    {
        _detector.Dispose();
        _mesh.Dispose();
    }

    // The mesh on one detection: a pass from the detector's region, then refinement passes while it
    // still sees a face. The fit is returned whatever its presence; the caller keeps it as a face or not.
    private DetectedFace Fit(Frame image, FaceDetection detection)
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
        return new DetectedFace(detection.Score, detection.Box, points) { Presence = presence };
    }

    /// <summary>One image's search: the passes, the detections gathered so far and their meshes.</summary>
    private sealed class SearchRun(FaceAnalyzer owner, Frame image, Frame detectionImage, Vector2 scale, CancellationToken cancellationToken)
    {
        private readonly List<Found> _found = [];
        private readonly FaceAnalyzerOptions _options = owner._options;

        public int DetectorRuns { get; private set; }

        public void Run()
        {
            int width = detectionImage.Width, height = detectionImage.Height;
            if (Pass([DetectionRegion.Whole(width, height)])) return;
            if (_options.SearchRotated && Pass(TurnDegrees.Select(d => DetectionRegion.WholeRotated(width, height, d * MathF.PI / 180)))) return;
            for (var zoom = 2; zoom <= _options.MaxZoom; zoom *= 2)
                if (Pass(Tiles(width, height, zoom))) return;
        }

        public List<DetectedFace> Faces()
        {
            // Two passes can reach the same face from detections too far apart to merge; keep the better.
            var faces = new List<DetectedFace>();
            foreach (var face in _found.Where(f => f.Face is not null).Select(f => f.Face!).OrderByDescending(f => f.Score))
                if (!faces.Any(kept => Iou(BoxF.Around(kept.Points), BoxF.Around(face.Points)) > SameMeshIou)) faces.Add(face);
            faces.Sort((a, b) => b.Box.Area.CompareTo(a.Box.Area));
            return faces;
        }

        public List<DetectedFace> Unfitted() =>
            _found.Where(f => f.Unsure is not null && f.Detection.Score >= _options.ConfidentDetectionScore)
                .Select(f => f.Unsure!).OrderByDescending(d => d.Box.Area).ToList();

        // Runs the detector on each region, merges new detections, fits the mesh on each new one.
        // True when the search can stop: a confident face has been found and not every pass is wanted.
        private bool Pass(IEnumerable<DetectionRegion> regions)
        {
            foreach (var region in regions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                DetectorRuns++;
                foreach (var detection in owner._detector.Detect(detectionImage, region, _options.MinDetectionScore))
                    Add(ToFullImage(detection));
            }
            for (var i = 0; i < _found.Count; i++)
            {
                if (_found[i].Meshed) continue;
                cancellationToken.ThrowIfCancellationRequested();
                var fit = owner.Fit(image, _found[i].Detection);
                var kept = fit.Presence >= _options.MinPresenceScore;
                _found[i] = _found[i] with { Face = kept ? fit : null, Unsure = kept ? null : fit, Meshed = true };
            }
            return !_options.SearchAllPasses && _found.Any(f => f.Face is { } face
                && face.Score >= _options.ConfidentDetectionScore && face.Presence >= _options.ConfidentPresenceScore);
        }

        private void Add(FaceDetection detection)
        {
            for (var i = 0; i < _found.Count; i++)
            {
                if (Iou(_found[i].Detection.Box, detection.Box) <= SameDetectionIou) continue;
                // Seen before: keep the better view of it (a tile that shows the whole face beats one that cuts it).
                if (detection.Score > _found[i].Detection.Score) _found[i] = new Found(detection, null, false);
                return;
            }
            _found.Add(new Found(detection, null, false));
        }

        private FaceDetection ToFullImage(FaceDetection d)
        {
            if (scale == Vector2.One) return d;
            var box = new BoxF(d.Box.X * scale.X, d.Box.Y * scale.Y, d.Box.Width * scale.X, d.Box.Height * scale.Y);
            return new FaceDetection(d.Score, box, d.Keypoints.Select(k => k * scale).ToArray());
        }

        /// <summary>
        /// Square tiles of side longer/<paramref name="zoom"/>, overlapping by half a tile so that a
        /// face up to half a tile wide lies whole inside at least one of them.
        /// </summary>
        private static IEnumerable<DetectionRegion> Tiles(int width, int height, int zoom)
        {
            var side = (float)Math.Max(width, height) / zoom;
            foreach (var y in Centres(height, side))
                foreach (var x in Centres(width, side))
                    yield return new DetectionRegion(new Vector2(x, y), side);
        }

        // Tile centres along one axis: evenly spread, first and last tile flush with the edges, at most half a tile apart.
        private static IEnumerable<float> Centres(int length, float side)
        {
            if (length <= side)
            {
                yield return length / 2f;
                yield break;
            }
            var count = (int)MathF.Ceiling((length - side) / (side / 2)) + 1;
            var step = (length - side) / (count - 1);
            for (var i = 0; i < count; i++) yield return side / 2 + i * step;
        }
    }

    // A detection, and once meshed its face, or the mesh's fit it did not keep (presence too low).
    private readonly record struct Found(FaceDetection Detection, DetectedFace? Face, bool Meshed, DetectedFace? Unsure = null);

    private static float Iou(BoxF a, BoxF b)
    {
        var w = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0) return 0;
        var intersection = w * h;
        return intersection / (a.Area + b.Area - intersection);
    }
}
