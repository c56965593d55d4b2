using System.Numerics;

namespace Parla.Face;

/// <summary>
/// The square, rotated region of the image the face mesh looks at: centre and side in image
/// pixels, and the rotation (radians, clockwise on screen) that makes the eyes level in the crop.
/// </summary>
public readonly record struct FaceRoi(Vector2 Center, float Side, float RotationRadians)
{
    /// <summary>MediaPipe enlarges the face box 1.5× so the mesh sees the whole head outline.</summary>
    public const float Scale = 1.5f;

    // Landmarks MediaPipe uses for the roll of the refined ROI: the outer eye corners.
    private const int RightEyeOuterCorner = 33;
    private const int LeftEyeOuterCorner = 263;

    /// <summary>
    /// The ROI of a detection, as MediaPipe's face_detection_front_detection_to_roi: centred on the
    /// box, rotated so the line from the right eye to the left eye is horizontal, side 1.5× the box's longer side.
    /// </summary>
    public static FaceRoi FromDetection(FaceDetection detection)
    {
        var box = detection.Box;
        var rotation = Rotation(detection.RightEye, detection.LeftEye);
        return new FaceRoi(new Vector2(box.CenterX, box.CenterY), Math.Max(box.Width, box.Height) * Scale, rotation);
    }

    /// <summary>
    /// The ROI of a previous mesh (MediaPipe's face_landmark_landmarks_to_roi): centred on the
    /// points' bounding box, rotated by the outer eye corners, side 1.5× the box's longer side.
    /// </summary>
    public static FaceRoi FromLandmarks(ReadOnlySpan<Vector3> points)
    {
        if (points.Length < DetectedFace.LandmarkCount)
            throw new ArgumentException($"Expected {DetectedFace.LandmarkCount} points, got {points.Length}.", nameof(points));
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var p in points)
        {
            min = Vector2.Min(min, new Vector2(p.X, p.Y));
            max = Vector2.Max(max, new Vector2(p.X, p.Y));
        }
        var size = max - min;
        var rotation = Rotation(
            new Vector2(points[RightEyeOuterCorner].X, points[RightEyeOuterCorner].Y),
            new Vector2(points[LeftEyeOuterCorner].X, points[LeftEyeOuterCorner].Y));
        return new FaceRoi((min + max) / 2, Math.Max(size.X, size.Y) * Scale, rotation);
    }

    // MediaPipe: rotation = target − atan2(−(y1 − y0), x1 − x0) with target 0, i.e. the eye line's
    // angle in image coordinates (y down), so a face tilted clockwise on screen gets a positive angle.
    private static float Rotation(Vector2 from, Vector2 to) => MathF.Atan2(to.Y - from.Y, to.X - from.X);

    internal CropTransform ToCrop(int outputSize) => CropTransform.RotatedSquare(Center, Side, RotationRadians, outputSize);
}
