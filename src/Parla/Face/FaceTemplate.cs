using System.Globalization;
using System.Numerics;
using Parla.Face.Models;

namespace Parla.Face;

/// <summary>
/// MediaPipe's canonical face (468 vertices, read from the face mesh package) and the fit of it to
/// five points a user gives when detection fails: eye centres, nose tip, mouth corners.
/// </summary>
/// <remarks>
/// The five points, in the order of <see cref="FitFivePoints"/>, "left" and "right" as seen in the
/// image: 0 the eye on the image's left (the subject's right eye in an upright face), 1 the other eye,
/// 2 the nose tip, 3 the mouth corner on the image's left, 4 the other. An eye centre is the mean of
/// that eye's contour landmarks (<c>FACEMESH_RIGHT_EYE</c>, <c>FACEMESH_LEFT_EYE</c>), the nose tip
/// landmark 1, the mouth corners landmarks 61 and 291.
/// </remarks>
public sealed class FaceTemplate
{
    /// <summary>Number of points <see cref="FitFivePoints"/> takes.</summary>
    public const int FivePointCount = 5;

    public const int NoseTip = 1;
    public const int MouthCornerImageLeft = 61;  // the subject's right
    public const int MouthCornerImageRight = 291;

    // Falloff of the regional corrections, as a fraction of the distance between the eye centres:
    // a correction is full inside its region and fades to nothing this far beyond it. 0.4 keeps an
    // eye's correction off the other eye and the mouth's off the eyes on any ordinary face (eye
    // centres 1 apart, eye radius about 0.25, mouth half-width about 0.45, mouth to eye about 1.1).
    private const float EyeFalloff = 0.4f;
    private const float MouthFalloff = 0.4f;
    private const float NoseFalloff = 0.3f;

    private static readonly Lock DefaultLock = new();
    private static FaceTemplate? _default;

    private readonly Vector2[] _flat;        // canonical x, −y: the frontal view in image orientation (y down), centimetres
    private readonly float[] _depth;         // mean z − z: smaller is nearer, as DetectedFace
    private readonly Vector2[] _templateFive;

    /// <param name="canonicalVertices">The canonical face's 468 vertices: x to the subject's left, y up, z towards the viewer.</param>
    /// <param name="triangles">Its triangles, three vertex indices each.</param>
    /// <param name="rightEye">The subject's right eye contour (the eye on the image's left).</param>
    /// <param name="leftEye">The subject's left eye contour.</param>
    /// <param name="lips">Every lip landmark (outer and inner contours).</param>
    public FaceTemplate(IReadOnlyList<Vector3> canonicalVertices, IReadOnlyList<int> triangles, IReadOnlyList<int> rightEye, IReadOnlyList<int> leftEye, IReadOnlyList<int> lips)
    {
        ArgumentNullException.ThrowIfNull(canonicalVertices);
        ArgumentNullException.ThrowIfNull(triangles);
        if (canonicalVertices.Count != DetectedFace.LandmarkCount)
            throw new ArgumentException($"The template has {canonicalVertices.Count} vertices, expected {DetectedFace.LandmarkCount}.", nameof(canonicalVertices));
        CheckRegion(rightEye, nameof(rightEye));
        CheckRegion(leftEye, nameof(leftEye));
        CheckRegion(lips, nameof(lips));
        if (!lips.Contains(MouthCornerImageLeft) || !lips.Contains(MouthCornerImageRight))
            throw new ArgumentException($"The lips region must hold the mouth corners {MouthCornerImageLeft} and {MouthCornerImageRight}.", nameof(lips));
        CanonicalVertices = [.. canonicalVertices];
        Triangles = [.. triangles];
        RightEye = [.. rightEye];
        LeftEye = [.. leftEye];
        Lips = [.. lips];
        _flat = CanonicalVertices.Select(v => new Vector2(v.X, -v.Y)).ToArray();
        // Depth about the landmarks' mean, as FaceMesh reports it (its z has mean 0 over the 468 points
        // and the same scale as x: fitted to the test portraits' meshes, the slope is 1.00).
        var meanZ = CanonicalVertices.Average(v => v.Z);
        _depth = CanonicalVertices.Select(v => meanZ - v.Z).ToArray();
        _templateFive = FivePoints(_flat);
    }

    /// <summary>The canonical vertices, centimetres: x to the subject's left, y up, z towards the viewer.</summary>
    public IReadOnlyList<Vector3> CanonicalVertices { get; }

    /// <summary>The canonical mesh's triangles, three landmark indices each.</summary>
    public IReadOnlyList<int> Triangles { get; }

    /// <summary>The subject's right eye contour (on the image's left in an upright face).</summary>
    public IReadOnlyList<int> RightEye { get; }

    /// <summary>The subject's left eye contour.</summary>
    public IReadOnlyList<int> LeftEye { get; }

    /// <summary>Every lip landmark.</summary>
    public IReadOnlyList<int> Lips { get; }

    /// <summary>Reads the template from the unpacked <c>@mediapipe/face_mesh</c> package.</summary>
    /// <exception cref="ModelException">The package is missing a file or its layout has changed.</exception>
    public static FaceTemplate Load(string faceMeshPackageDirectory)
    {
        ArgumentNullException.ThrowIfNull(faceMeshPackageDirectory);
        var mesh = FaceMeshPackageReader.ReadCanonicalMesh(faceMeshPackageDirectory);
        var scriptPath = Path.Combine(faceMeshPackageDirectory, "face_mesh.js");
        string script;
        try
        {
            script = File.ReadAllText(scriptPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException($"{scriptPath} cannot be read: {e.Message}", e);
        }
        return new FaceTemplate(mesh.Vertices, mesh.Triangles,
            FaceMeshPackageReader.ReadRegion(script, "FACEMESH_RIGHT_EYE", scriptPath),
            FaceMeshPackageReader.ReadRegion(script, "FACEMESH_LEFT_EYE", scriptPath),
            FaceMeshPackageReader.ReadRegion(script, "FACEMESH_LIPS", scriptPath));
    }

    /// <summary>
    /// The template from the default model store's face mesh package (fetched with npm the first time),
    /// loaded once per process.
    /// </summary>
    public static FaceTemplate Default
    {
        get
        {
            lock (DefaultLock)
                return _default ??= Load(new FaceModelStore().EnsureFaceMeshPackage());
        }
    }

    /// <summary>
    /// The five points of a 468-point face, as <see cref="FitFivePoints"/> takes them: eye centres
    /// (mean of each eye's contour), nose tip, mouth corners, image-left first.
    /// </summary>
    public Vector2[] FivePointsOf(ReadOnlySpan<Vector3> points)
    {
        if (points.Length != DetectedFace.LandmarkCount)
            throw new ArgumentException($"Expected {DetectedFace.LandmarkCount} points, got {points.Length}.", nameof(points));
        var flat = new Vector2[points.Length];
        for (var i = 0; i < flat.Length; i++) flat[i] = new Vector2(points[i].X, points[i].Y);
        return FivePoints(flat);
    }

    /// <summary>
    /// Every problem with five points (count, finite, eyes apart, mouth below the eyes, corners in
    /// order, all judged in the frame of the eyes, so any roll is accepted); empty when they are usable.
    /// </summary>
    public static IReadOnlyList<string> CheckFivePoints(ReadOnlySpan<Vector2> points5)
    {
        var problems = new List<string>();
        if (points5.Length != FivePointCount)
        {
            problems.Add($"expected {FivePointCount} points (left eye, right eye, nose tip, left mouth corner, right mouth corner), got {points5.Length}");
            return problems;
        }
        for (var i = 0; i < FivePointCount; i++)
            if (!float.IsFinite(points5[i].X) || !float.IsFinite(points5[i].Y)) problems.Add($"point {i} is not finite");
        if (problems.Count > 0) return problems;

        var across = points5[1] - points5[0];
        var eyeDistance = across.Length();
        // Two pixels: below that no face can be animated, and the eyes' frame is undefined.
        if (eyeDistance < 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the eyes are {eyeDistance:0.##} px apart; they must be distinct points at least 2 px apart"));
            return problems;
        }
        var right = across / eyeDistance;
        var down = new Vector2(-right.Y, right.X); // the eyes' frame: x from the image-left eye to the other, y down the face
        var eyesMid = (points5[0] + points5[1]) / 2;
        // The mouth lies about one eye distance below the eyes; a tenth of it rules out a mouth on or
        // above the eye line, which is what swapped eyes or a misread format produce.
        for (var i = 3; i < 5; i++)
        {
            var below = Vector2.Dot(points5[i] - eyesMid, down);
            if (below < 0.1f * eyeDistance)
                problems.Add($"mouth corner {i} is not below the eyes (left and right are as seen in the image: point 0 is the eye on the image's left)");
        }
        if (Vector2.Dot(points5[4] - points5[3], right) <= 0)
            problems.Add("the mouth corners are in the wrong order or on top of each other (point 3 is the corner on the image's left, as the eyes)");
        return problems;
    }

    /// <summary>
    /// A full 468-point face fitted to five points (order in the remarks of <see cref="FaceTemplate"/>),
    /// in image pixels: the template is placed by the least-squares similarity (scale, rotation,
    /// translation) that best maps its five points to the given ones, then the eyes, nose and mouth
    /// are moved so their points land exactly on the given ones, the correction fading smoothly into
    /// the rest of the face. Score and presence are 1; the box is the bounding box of the points.
    /// </summary>
    /// <exception cref="ArgumentException">The points are not usable (<see cref="CheckFivePoints"/> lists why).</exception>
    public DetectedFace FitFivePoints(ReadOnlySpan<Vector2> points5)
    {
        var problems = CheckFivePoints(points5);
        if (problems.Count > 0) throw new ArgumentException("Five points not usable: " + string.Join("; ", problems) + ".", nameof(points5));
        var target = points5.ToArray();

        // Least-squares similarity in complex form (Umeyama without reflection):
        // a = Σ (pᵢ − p̄)·conj(tᵢ − t̄) / Σ |tᵢ − t̄|², b = p̄ − a·t̄.
        var tMean = Mean(_templateFive);
        var pMean = Mean(target);
        float re = 0, im = 0, norm = 0;
        for (var i = 0; i < FivePointCount; i++)
        {
            var t = _templateFive[i] - tMean;
            var p = target[i] - pMean;
            re += p.X * t.X + p.Y * t.Y;
            im += p.Y * t.X - p.X * t.Y;
            norm += t.LengthSquared();
        }
        var a = new Vector2(re / norm, im / norm);
        var scale = a.Length();
        var placed = new Vector2[DetectedFace.LandmarkCount];
        for (var i = 0; i < placed.Length; i++) placed[i] = pMean + Rotate(a, _flat[i] - tMean);

        // Regional corrections measured on the placed template.
        var fitted = FivePoints(placed);
        var eyeDistance = Vector2.Distance(fitted[0], fitted[1]);
        var regions = new[]
        {
            Region.Translation(RightEye, placed, target[0] - fitted[0], EyeFalloff * eyeDistance),
            Region.Translation(LeftEye, placed, target[1] - fitted[1], EyeFalloff * eyeDistance),
            Region.Translation([NoseTip], placed, target[2] - fitted[2], NoseFalloff * eyeDistance),
            Region.Mouth(Lips, placed, fitted[3], fitted[4], target[3], target[4], MouthFalloff * eyeDistance),
        };
        // A landmark that belongs to one region's core follows that region alone, so every given
        // point is met exactly; elsewhere the corrections are blended by their weights, normalised
        // where they overlap (sum above 1) and fading to the similarity fit where they do not reach.
        var owner = new int[placed.Length];
        Array.Fill(owner, -1);
        for (var r = 0; r < regions.Length; r++)
            foreach (var index in regions[r].Members) owner[index] = r;

        var points = new Vector3[placed.Length];
        for (var i = 0; i < placed.Length; i++)
        {
            var v = placed[i];
            Vector2 shift;
            if (owner[i] >= 0)
            {
                shift = regions[owner[i]].Shift(v);
            }
            else
            {
                shift = Vector2.Zero;
                float total = 0;
                foreach (var region in regions)
                {
                    var w = region.Weight(v);
                    if (w <= 0) continue;
                    shift += w * region.Shift(v);
                    total += w;
                }
                if (total > 1) shift /= total;
            }
            points[i] = new Vector3(v + shift, _depth[i] * scale);
        }
        return new DetectedFace(1f, BoxF.Around(points), points);
    }

    private Vector2[] FivePoints(Vector2[] flat) =>
    [
        Mean(RightEye.Select(i => flat[i])),
        Mean(LeftEye.Select(i => flat[i])),
        flat[NoseTip],
        flat[MouthCornerImageLeft],
        flat[MouthCornerImageRight],
    ];

    /// <summary>One region's correction: a shift field, full inside a disc around the region and fading to zero over the falloff.</summary>
    private sealed class Region
    {
        private readonly Vector2 _center;
        private readonly float _radius;
        private readonly float _falloff;
        private readonly Func<Vector2, Vector2> _shift;

        private Region(IReadOnlyList<int> members, Vector2[] placed, float falloff, Func<Vector2, Vector2> shift)
        {
            Members = members;
            _center = Mean(members.Select(i => placed[i]));
            _radius = members.Max(i => Vector2.Distance(placed[i], _center));
            _falloff = Math.Max(falloff, 1e-3f);
            _shift = shift;
        }

        public IReadOnlyList<int> Members { get; }

        public static Region Translation(IReadOnlyList<int> members, Vector2[] placed, Vector2 offset, float falloff) =>
            new(members, placed, falloff, _ => offset);

        // The similarity that takes the placed corners exactly onto the given ones (two points fix it).
        public static Region Mouth(IReadOnlyList<int> members, Vector2[] placed, Vector2 from0, Vector2 from1, Vector2 to0, Vector2 to1, float falloff)
        {
            var a = Divide(to1 - to0, from1 - from0);
            return new Region(members, placed, falloff, v => to0 + Rotate(a, v - from0) - v);
        }

        public Vector2 Shift(Vector2 v) => _shift(v);

        // 1 inside the disc, then smoothstep down to 0 over the falloff: continuous with a continuous slope.
        public float Weight(Vector2 v)
        {
            var t = (Vector2.Distance(v, _center) - _radius) / _falloff;
            if (t <= 0) return 1;
            if (t >= 1) return 0;
            var s = 1 - t;
            return s * s * (3 - 2 * s);
        }
    }

    private static void CheckRegion(IReadOnlyList<int> region, string name)
    {
        ArgumentNullException.ThrowIfNull(region, name);
        if (region.Count == 0 || region.Any(i => (uint)i >= DetectedFace.LandmarkCount))
            throw new ArgumentException($"The region must list landmark indices 0–{DetectedFace.LandmarkCount - 1}.", name);
    }

    private static Vector2 Mean(IEnumerable<Vector2> points)
    {
        var sum = Vector2.Zero;
        var count = 0;
        foreach (var p in points)
        {
            sum += p;
            count++;
        }
        return sum / count;
    }

    // Complex multiplication a·v and division a / b, points as complex numbers x + iy.
    private static Vector2 Rotate(Vector2 a, Vector2 v) => new(a.X * v.X - a.Y * v.Y, a.X * v.Y + a.Y * v.X);

    private static Vector2 Divide(Vector2 a, Vector2 b)
    {
        var d = b.LengthSquared();
        return new Vector2((a.X * b.X + a.Y * b.Y) / d, (a.Y * b.X - a.X * b.Y) / d);
    }
}
