using System.Numerics;
using Parla.Media;

namespace Parla.Face;

/// <summary>
/// MediaPipe FaceMesh (468 landmarks): looks at a rotated square crop of the face (<see cref="FaceRoi"/>)
/// scaled to 192×192 and returns the landmarks in image pixels. Instances are thread-safe (runs are serialised).
/// </summary>
public sealed class FaceMeshModel : IDisposable
{
    public const int InputSize = 192;
    private const int Values = DetectedFace.LandmarkCount * 3;

    private readonly OnnxModelSession _session;
    private readonly Lock _lock = new();

    /// <param name="modelPath">The converted mesh model (<see cref="FaceModelFiles.MeshPath"/>).</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use inside one run.</param>
    public FaceMeshModel(string modelPath, int intraOpThreads = 1)
    {
        _session = new OnnxModelSession(modelPath, intraOpThreads,
            new TensorSpec("input", [1, InputSize, InputSize, 3]),
            [new TensorSpec("landmarks", [1, 1, 1, Values]), new TensorSpec("face_flag", [1, 1, 1, 1])]);
    }

    /// <summary>
    /// Runs the mesh on <paramref name="roi"/> of <paramref name="image"/> and writes the 468 points
    /// to <paramref name="points"/>: x, y in image pixels, z in the same pixel scale (smaller is
    /// nearer). Returns the model's face-presence probability in [0, 1].
    /// </summary>
    public float Run(Frame image, FaceRoi roi, Span<Vector3> points)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (points.Length < DetectedFace.LandmarkCount)
            throw new ArgumentException($"The span holds {points.Length} points, the mesh has {DetectedFace.LandmarkCount}.", nameof(points));
        if (!(roi.Side > 0) || !float.IsFinite(roi.Center.X) || !float.IsFinite(roi.Center.Y) || !float.IsFinite(roi.RotationRadians))
            throw new ArgumentException($"Invalid face region {roi}.", nameof(roi));

        var crop = roi.ToCrop(InputSize);
        lock (_lock)
        {
            // The model wants RGB in [0, 1]; MediaPipe repeats edge pixels where the ROI leaves the image.
            CropSampler.Sample(image, crop, InputSize, InputSize, _session.Input, 1f / 255f, 0f, replicateBorder: true);
            _session.Run();
            var raw = _session.Outputs[0];
            // Points come in crop pixels; z is on the same scale as x (MediaPipe projects z by the ROI width).
            var zScale = roi.Side / InputSize;
            for (var i = 0; i < DetectedFace.LandmarkCount; i++)
            {
                var p = crop.Apply(raw[3 * i], raw[3 * i + 1]);
                points[i] = new Vector3(p, raw[3 * i + 2] * zScale);
            }
            return 1f / (1f + MathF.Exp(-_session.Outputs[1][0]));
        }
    }

    public void Dispose() => _session.Dispose();
}
