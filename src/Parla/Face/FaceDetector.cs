using System.Numerics;
using Parla.Media;

namespace Parla.Face;

/// <summary>
/// A face found by the detector: score, box and six keypoints in image pixels. Keypoints in
/// MediaPipe's order: the subject's right eye (left in the image), left eye, nose tip, mouth
/// centre, right ear tragion, left ear tragion.
/// </summary>
public sealed record FaceDetection(float Score, BoxF Box, Vector2[] Keypoints)
{
    public const int KeypointCount = 6;
    public Vector2 RightEye => Keypoints[0];
    public Vector2 LeftEye => Keypoints[1];
}

/// <summary>
/// A square part of an image the detector looks at: centre and side in image pixels, rotation in
/// radians (clockwise on screen, as <see cref="FaceRoi"/>). The model sees it scaled to 128×128.
/// </summary>
public readonly record struct DetectionRegion(Vector2 Center, float Side, float RotationRadians = 0)
{
    /// <summary>The whole image, centred in a square of its longer side (MediaPipe's letterbox).</summary>
    public static DetectionRegion Whole(int width, int height) => new(new Vector2(width / 2f, height / 2f), Math.Max(width, height));

    /// <summary>
    /// The whole image turned by <paramref name="rotationRadians"/>: the smallest square, rotated by
    /// that angle about the image centre, that holds every pixel of the image.
    /// </summary>
    public static DetectionRegion WholeRotated(int width, int height, float rotationRadians)
    {
        var (sin, cos) = MathF.SinCos(rotationRadians);
        var side = Math.Max(width * MathF.Abs(cos) + height * MathF.Abs(sin), width * MathF.Abs(sin) + height * MathF.Abs(cos));
        return new DetectionRegion(new Vector2(width / 2f, height / 2f), side, rotationRadians);
    }
}

/// <summary>
/// MediaPipe BlazeFace (short range): finds faces that fill a fair part of the image (selfie and
/// portrait distance). The image is letterboxed to a square, scaled to 128×128, and the 896 anchor
/// predictions are decoded and merged by weighted non-maximum suppression, as MediaPipe's
/// face_detection_short_range graph does. Instances are thread-safe (runs are serialised).
/// </summary>
public sealed class FaceDetector : IDisposable
{
    public const int InputSize = 128;

    /// <summary>
    /// MediaPipe's default <c>min_detection_confidence</c>: below it, short-range BlazeFace's hits are
    /// mostly face-like texture rather than faces.
    /// </summary>
    public const float DefaultMinScore = 0.5f;

    /// <summary>IoU above which two detections are the same face (MediaPipe's min_suppression_threshold for this model).</summary>
    private const float SuppressionIou = 0.3f;

    private const int AnchorCount = 896;
    private const int ValuesPerAnchor = 16; // box (cx, cy, w, h) + 6 keypoints (x, y)

    /// <summary>MediaPipe clips raw scores to ±100 before the sigmoid (score_clipping_thresh).</summary>
    private const float ScoreClip = 100f;

    private static readonly Vector2[] Anchors = CreateAnchors();
    private readonly OnnxModelSession _session;
    private readonly Lock _lock = new();

    /// <param name="modelPath">The converted detector (<see cref="FaceModelFiles.DetectorPath"/>).</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use inside one run.</param>
    public FaceDetector(string modelPath, int intraOpThreads = 1)
    {
        _session = new OnnxModelSession(modelPath, intraOpThreads,
            new TensorSpec("input", [1, InputSize, InputSize, 3]),
            [new TensorSpec("regressors", [1, AnchorCount, ValuesPerAnchor]), new TensorSpec("classificators", [1, AnchorCount, 1])]);
    }

    /// <summary>Faces with score ≥ <paramref name="minScore"/> in the whole image (letterboxed), best score first; empty if none.</summary>
    public IReadOnlyList<FaceDetection> Detect(Frame image, float minScore = DefaultMinScore)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Detect(image, DetectionRegion.Whole(image.Width, image.Height), minScore);
    }

    /// <summary>
    /// Faces with score ≥ <paramref name="minScore"/> in a square <paramref name="region"/> of the
    /// image (rotated, zoomed, or reaching past the image, where it is black), best score first, in
    /// image pixels. Boxes stay axis-aligned and keep their size; the keypoints carry the rotation.
    /// </summary>
    public IReadOnlyList<FaceDetection> Detect(Frame image, DetectionRegion region, float minScore = DefaultMinScore)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegative(minScore);
        if (!(region.Side > 0) || !float.IsFinite(region.Side) || !float.IsFinite(region.Center.X) || !float.IsFinite(region.Center.Y) || !float.IsFinite(region.RotationRadians))
            throw new ArgumentException($"Invalid detection region {region}.", nameof(region));
        var map = CropTransform.RotatedSquare(region.Center, region.Side, region.RotationRadians, InputSize);

        List<Candidate> candidates;
        lock (_lock)
        {
            // The model wants RGB in [-1, 1]; outside the image is black (-1), as MediaPipe's letterbox.
            CropSampler.Sample(image, map, InputSize, InputSize, _session.Input, 2f / 255f, -1f, replicateBorder: false);
            _session.Run();
            candidates = Decode(_session.Outputs[0], _session.Outputs[1], minScore);
        }

        var merged = WeightedNonMaxSuppression(candidates);
        return merged.Select(c => ToImage(c, map)).ToList();
    }

    public void Dispose() => _session.Dispose();

    // One decoded anchor in normalised letterbox coordinates [0, 1].
    private readonly record struct Candidate(float Score, float X0, float Y0, float X1, float Y1, Vector2[] Keypoints)
    {
        public float Area => Math.Max(0, X1 - X0) * Math.Max(0, Y1 - Y0);
    }

    private static List<Candidate> Decode(float[] regressors, float[] scores, float minScore)
    {
        var result = new List<Candidate>();
        for (var i = 0; i < AnchorCount; i++)
        {
            var score = Sigmoid(Math.Clamp(scores[i], -ScoreClip, ScoreClip));
            if (score < minScore) continue;
            var r = regressors.AsSpan(i * ValuesPerAnchor, ValuesPerAnchor);
            var anchor = Anchors[i];
            // Offsets are in input pixels relative to the anchor centre; anchors have unit size.
            var cx = r[0] / InputSize + anchor.X;
            var cy = r[1] / InputSize + anchor.Y;
            var w = r[2] / InputSize;
            var h = r[3] / InputSize;
            var keypoints = new Vector2[FaceDetection.KeypointCount];
            for (var k = 0; k < keypoints.Length; k++)
                keypoints[k] = new Vector2(r[4 + 2 * k] / InputSize + anchor.X, r[5 + 2 * k] / InputSize + anchor.Y);
            result.Add(new Candidate(score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, keypoints));
        }
        return result;
    }

    /// <summary>
    /// MediaPipe's weighted NMS: take the best remaining detection, gather every remaining one that
    /// overlaps it by more than the IoU threshold, and replace them by their score-weighted mean box
    /// and keypoints, keeping the best score. Averaging the anchors' votes steadies the box.
    /// </summary>
    private static List<Candidate> WeightedNonMaxSuppression(List<Candidate> candidates)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var result = new List<Candidate>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            // The best always belongs to its own cluster, even if its box is degenerate (IoU 0 with itself).
            List<Candidate> cluster = [best];
            var rest = new List<Candidate>(remaining.Count);
            for (var i = 1; i < remaining.Count; i++)
                (Iou(best, remaining[i]) > SuppressionIou ? cluster : rest).Add(remaining[i]);
            remaining = rest;
            float total = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            var keypoints = new Vector2[FaceDetection.KeypointCount];
            foreach (var c in cluster)
            {
                total += c.Score;
                x0 += c.X0 * c.Score;
                y0 += c.Y0 * c.Score;
                x1 += c.X1 * c.Score;
                y1 += c.Y1 * c.Score;
                for (var k = 0; k < keypoints.Length; k++) keypoints[k] += c.Keypoints[k] * c.Score;
            }
            for (var k = 0; k < keypoints.Length; k++) keypoints[k] /= total;
            result.Add(new Candidate(best.Score, x0 / total, y0 / total, x1 / total, y1 / total, keypoints));
        }
        return result;
    }

    private static float Iou(in Candidate a, in Candidate b)
    {
        var w = Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0);
        var h = Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0);
        if (w <= 0 || h <= 0) return 0;
        var intersection = w * h;
        return intersection / (a.Area + b.Area - intersection);
    }

    private static FaceDetection ToImage(Candidate c, in CropTransform map)
    {
        // Candidates are in [0, 1] of the model input; the map takes input pixels to the image.
        var keypoints = new Vector2[c.Keypoints.Length];
        for (var k = 0; k < keypoints.Length; k++) keypoints[k] = map.Apply(c.Keypoints[k].X * InputSize, c.Keypoints[k].Y * InputSize);
        var center = map.Apply((c.X0 + c.X1) / 2 * InputSize, (c.Y0 + c.Y1) / 2 * InputSize);
        var scale = map.AxisU.Length() * InputSize;
        var width = (c.X1 - c.X0) * scale;
        var height = (c.Y1 - c.Y0) * scale;
        return new FaceDetection(c.Score, new BoxF(center.X - width / 2, center.Y - height / 2, width, height), keypoints);
    }

    /// <summary>
    /// SSD anchors of the short-range model (MediaPipe SsdAnchorsCalculator: 4 layers, strides
    /// 8, 16, 16, 16, two anchors per layer, fixed size, offset 0.5). Layers with the same stride
    /// share a grid, so: a 16×16 grid with 2 anchors per cell, then an 8×8 grid with 6.
    /// </summary>
    private static Vector2[] CreateAnchors()
    {
        var anchors = new List<Vector2>(AnchorCount);
        foreach (var (stride, perCell) in new[] { (8, 2), (16, 6) })
        {
            var grid = InputSize / stride;
            for (var y = 0; y < grid; y++)
                for (var x = 0; x < grid; x++)
                    for (var a = 0; a < perCell; a++)
                        anchors.Add(new Vector2((x + 0.5f) / grid, (y + 0.5f) / grid));
        }
        return [.. anchors];
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
