namespace Parla.Media;

/// <summary>A rectangle of whole pixels: columns [X, X + Width), rows [Y, Y + Height).</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width <= 0 || Height <= 0;

    /// <summary>The whole of a <paramref name="width"/> × <paramref name="height"/> image.</summary>
    public static PixelRect Full(int width, int height) => new(0, 0, width, height);

    /// <summary>The smallest rectangle holding the given bounds (may reach outside an image; see <see cref="ClampTo"/>).</summary>
    public static PixelRect FromBounds(float minX, float minY, float maxX, float maxY)
    {
        var x0 = (int)MathF.Floor(minX);
        var y0 = (int)MathF.Floor(minY);
        return new PixelRect(x0, y0, (int)MathF.Ceiling(maxX) - x0, (int)MathF.Ceiling(maxY) - y0);
    }

    /// <summary>This rectangle cut to a <paramref name="width"/> × <paramref name="height"/> image.</summary>
    public PixelRect ClampTo(int width, int height)
    {
        var x0 = Math.Clamp(X, 0, width);
        var y0 = Math.Clamp(Y, 0, height);
        return new PixelRect(x0, y0, Math.Clamp(Right, 0, width) - x0, Math.Clamp(Bottom, 0, height) - y0);
    }

    /// <summary>Grown outwards to even coordinates (a 4:2:0 chroma sample covers 2×2 pixels).</summary>
    public PixelRect AlignEven()
    {
        var x0 = X & ~1;
        var y0 = Y & ~1;
        return new PixelRect(x0, y0, ((Right + 1) & ~1) - x0, ((Bottom + 1) & ~1) - y0);
    }

    /// <summary>Grown by <paramref name="margin"/> pixels on every side.</summary>
    public PixelRect Inflate(int margin) => new(X - margin, Y - margin, Width + 2 * margin, Height + 2 * margin);
}
