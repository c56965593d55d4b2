using System.Numerics;

namespace Parla.Media;

/// <summary>
/// The bounds of points added one at a time, for the pixel box a painter works in
/// (<see cref="ToPixelRect"/>). Empty until a point is added.
/// </summary>
public struct PointBounds
{
    public PointBounds()
    {
    }

    public float MinX { get; private set; } = float.MaxValue;
    public float MinY { get; private set; } = float.MaxValue;
    public float MaxX { get; private set; } = float.MinValue;
    public float MaxY { get; private set; } = float.MinValue;

    public readonly bool IsEmpty => MinX > MaxX;

    public void Add(Vector2 point)
    {
        MinX = Math.Min(MinX, point.X);
        MaxX = Math.Max(MaxX, point.X);
        AddY(point.Y);
    }

    /// <summary>Widens the vertical bounds only (a margin above or below, not a point).</summary>
    public void AddY(float y)
    {
        MinY = Math.Min(MinY, y);
        MaxY = Math.Max(MaxY, y);
    }

    /// <summary>The smallest pixel rectangle holding the points (see <see cref="PixelRect.FromBounds"/>).</summary>
    public readonly PixelRect ToPixelRect() => PixelRect.FromBounds(MinX, MinY, MaxX, MaxY);
}
