using System.Numerics;

namespace Parla.Rendering;

/// <summary>
/// The own frame of an eye or a mouth as drawn: origin at its left corner, <c>a</c> along the line to
/// its right corner, <c>b</c> across it, downwards. The painters work in it so that a rolled head
/// needs no special case.
/// </summary>
internal readonly struct ContourFrame
{
    public ContourFrame(Vector2 leftCorner, Vector2 rightCorner)
    {
        Origin = leftCorner;
        var axis = rightCorner - leftCorner;
        Width = axis.Length();
        Axis = Width > 0 ? axis / Width : Vector2.UnitX;
        Down = new Vector2(-Axis.Y, Axis.X);
    }

    public Vector2 Origin { get; }

    /// <summary>Unit vector from the left corner to the right.</summary>
    public Vector2 Axis { get; }

    /// <summary>Unit vector across the feature, downwards for an upright face.</summary>
    public Vector2 Down { get; }

    /// <summary>Distance between the corners, pixels.</summary>
    public float Width { get; }

    /// <summary>The frame coordinates of the centre of pixel (x, y).</summary>
    public (float A, float B) OfPixel(int x, int y) => Of(new Vector2(x + 0.5f, y + 0.5f));

    /// <summary>The frame coordinates of an image point.</summary>
    public (float A, float B) Of(Vector2 point)
    {
        var d = point - Origin;
        return (Vector2.Dot(d, Axis), Vector2.Dot(d, Down));
    }

    /// <summary>Writes the frame coordinates of a chain of mesh points (left to right) into <paramref name="a"/> and <paramref name="b"/>.</summary>
    public void Project(ReadOnlySpan<Vector2> positions, ReadOnlySpan<int> chain, Span<float> a, Span<float> b)
    {
        for (var i = 0; i < chain.Length; i++)
            (a[i], b[i]) = Of(positions[chain[i]]);
    }
}
