using System.Numerics;

namespace Parla.Face;

/// <summary>An axis-aligned box in image pixels.</summary>
public readonly record struct BoxF(float X, float Y, float Width, float Height)
{
    public float CenterX => X + Width / 2;
    public float CenterY => Y + Height / 2;
    public float Area => Width * Height;

    /// <summary>The smallest box holding the points' x and y.</summary>
    public static BoxF Around(ReadOnlySpan<Vector3> points)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var p in points)
        {
            min = Vector2.Min(min, new Vector2(p.X, p.Y));
            max = Vector2.Max(max, new Vector2(p.X, p.Y));
        }
        return new BoxF(min.X, min.Y, max.X - min.X, max.Y - min.Y);
    }
}

/// <summary>
/// One face found in a portrait: detector score, face box and the 468 FaceMesh landmarks, all in
/// image pixels of the (EXIF-oriented) image. <c>Z</c> is depth in the same pixel scale, smaller is
/// nearer the camera, as FaceMesh reports it.
/// </summary>
public sealed record DetectedFace(float Score, BoxF Box, Vector3[] Points)
{
    public const int LandmarkCount = 468;

    /// <summary>
    /// The face mesh's face-presence probability (0–1) on its final crop; 1 for faces that did not
    /// come from the mesh (read from a file, fitted to given points).
    /// </summary>
    public float Presence { get; init; } = 1f;

    /// <summary>The face in an image <paramref name="factor"/> times as large: box and points (depth too) scaled.</summary>
    public DetectedFace Scaled(float factor) => factor == 1f ? this : this with
    {
        Box = new BoxF(Box.X * factor, Box.Y * factor, Box.Width * factor, Box.Height * factor),
        Points = Points.Select(p => p * factor).ToArray(),
    };
}
