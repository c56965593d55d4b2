using System.Buffers;
using System.Numerics;
using Parla.Face;
using Parla.Face.Rig;
using Parla.Media;
using Parla.Motion;

namespace Parla.Rendering;

/// <summary>
/// Renders one portrait in any <see cref="FaceState"/>: the rig is deformed, the triangles that
/// moved are re-warped from the portrait's own pixels, and the mouth interior is painted where the
/// lips part. Everything outside the moving triangles is the portrait, byte for byte.
/// </summary>
/// <remarks>
/// Construct once per video. <see cref="Render"/> only reads the renderer's state and uses buffers
/// rented per call, so frames may be rendered in parallel into different destinations.
/// </remarks>
public sealed class FaceRenderer : IDisposable
{
    private readonly Frame _source;
    private readonly FaceRig _rig;
    private readonly bool _ownsSource;
    private readonly float _paintedTeeth;
    private readonly EyelidPainter.Closings _eyeClosings;

    /// <summary>Keeps a private copy of <paramref name="source"/> (the caller may dispose its frame).</summary>
    /// <exception cref="ArgumentException">The rig was built for an image of another size, or is inconsistent.</exception>
    public FaceRenderer(Frame source, FaceRig rig)
        : this(source, rig, copySource: true)
    {
    }

    private FaceRenderer(Frame source, FaceRig rig, bool copySource)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rig);
        if (rig.ImageWidth != source.Width || rig.ImageHeight != source.Height)
            throw new ArgumentException($"The rig is for a {rig.ImageWidth}x{rig.ImageHeight} image, the source is {source.Width}x{source.Height}.", nameof(rig));
        var errors = rig.Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid face rig: " + string.Join("; ", errors), nameof(rig));
        _rig = rig;
        _source = copySource ? source.Clone() : source;
        _ownsSource = copySource;
        MovingBounds = ComputeMovingBounds(rig);
        _paintedTeeth = MouthPainter.PaintedTeeth(rig, _source);
        _eyeClosings = EyelidPainter.Plan(rig, _source);
    }

    /// <summary>
    /// A renderer that reads <paramref name="source"/> itself, without a copy (a 4096² portrait is 67 MB):
    /// the caller keeps the frame unchanged and alive until the renderer is disposed, and disposes it.
    /// </summary>
    /// <exception cref="ArgumentException">The rig was built for an image of another size, or is inconsistent.</exception>
    public static FaceRenderer Over(Frame source, FaceRig rig) => new(source, rig, copySource: false);

    /// <summary>
    /// The only pixels any face state can change (even-aligned): the triangles around every vertex
    /// that can move, grown by the largest travel a clamped state gives. Outside it every frame is the source.
    /// </summary>
    public PixelRect MovingBounds { get; }

    public FaceRig Rig => _rig;
    public int Width => _source.Width;
    public int Height => _source.Height;

    /// <summary>Renders <paramref name="state"/> into <paramref name="destination"/> (same size as the source), overwriting all of it.</summary>
    public void Render(in FaceState state, Frame destination) => RenderRestoring(state, destination, PixelRect.Full(Width, Height));

    /// <summary>
    /// Renders <paramref name="state"/> touching only <see cref="MovingBounds"/>: for a destination that
    /// already holds the source (or the same frame stamped) outside it, as video frame buffers do.
    /// </summary>
    public void RenderMoving(in FaceState state, Frame destination) => RenderRestoring(state, destination, MovingBounds);

    private void RenderRestoring(in FaceState state, Frame destination, PixelRect restore)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Width != Width || destination.Height != Height)
            throw new ArgumentException($"The destination is {destination.Width}x{destination.Height}, the portrait {Width}x{Height}.", nameof(destination));
        var source = _source;
        var rig = _rig;
        var n = rig.VertexCount;
        var positions = ArrayPool<Vector2>.Shared.Rent(n);
        try
        {
            var deformed = positions.AsSpan(0, n);
            RigDeformer.Deform(rig, state, deformed);
            CopyRegion(source, destination, restore);
            WarpMoved(rig, source, deformed, destination);
            var clamped = RigDeformer.Clamp(state);
            GazePainter.Paint(rig, deformed, destination, clamped);
            MouthPainter.Paint(rig, deformed, source, destination, _paintedTeeth);
            EyelidPainter.Paint(rig, _eyeClosings, deformed, source, destination, clamped.BlinkLeft, clamped.BlinkRight);
        }
        finally
        {
            ArrayPool<Vector2>.Shared.Return(positions);
        }
    }

    /// <summary>Renders <paramref name="state"/> and writes it as a PNG file (for looking at poses).</summary>
    public void RenderPng(in FaceState state, string path)
    {
        using var frame = new Frame(Width, Height);
        Render(state, frame);
        FrameIo.SavePng(frame, path);
    }

    /// <summary>Re-warps every triangle with at least one vertex that moved; the rest keep the copied source.</summary>
    internal static void WarpMoved(FaceRig rig, Frame source, ReadOnlySpan<Vector2> deformed, Frame destination, bool all = false)
    {
        var rest = rig.Positions;
        var tris = rig.Triangles;
        // Below a thousandth of a pixel a move changes no sample (positions snap to 1/256 px).
        const float still = 1e-3f;
        for (var i = 0; i < tris.Length; i += 3)
        {
            int a = tris[i], b = tris[i + 1], c = tris[i + 2];
            if (!all &&
                Vector2.DistanceSquared(deformed[a], rest[a]) < still * still &&
                Vector2.DistanceSquared(deformed[b], rest[b]) < still * still &&
                Vector2.DistanceSquared(deformed[c], rest[c]) < still * still)
                continue;
            var t = new MeshWarp.Triangle(a, b, c, deformed, rest, destination.Height);
            MeshWarp.Fill(t, source, destination);
        }
    }

    private static void CopyRegion(Frame source, Frame destination, PixelRect region)
    {
        if (region.X == 0 && region.Width == source.Width)
        {
            source.Buffer.AsSpan(region.Y * source.Stride, region.Height * source.Stride)
                .CopyTo(destination.Buffer.AsSpan(region.Y * source.Stride));
            return;
        }
        for (var y = region.Y; y < region.Bottom; y++)
            source.GetRowSpan(y).Slice(region.X * 4, region.Width * 4).CopyTo(destination.GetRowSpan(y).Slice(region.X * 4));
    }

    private static PixelRect ComputeMovingBounds(FaceRig rig)
    {
        var p = rig.Positions;
        bool Moves(int v) => v < DetectedFace.LandmarkCount || rig.HeadWeight[v] > 0 || rig.JawWeight[v] > 0 ||
                             rig.UpperLipWeight[v] > 0 || rig.BrowWeight[v] > 0 || rig.LidFollowIndex[v] >= 0;
        var bounds = new PointBounds();
        var t = rig.Triangles;
        for (var i = 0; i < t.Length; i += 3)
        {
            if (!Moves(t[i]) && !Moves(t[i + 1]) && !Moves(t[i + 2])) continue;
            for (var k = 0; k < 3; k++) bounds.Add(p[t[i + k]]);
        }
        if (bounds.IsEmpty) return default;
        // Triangles that move stay inside their ring of static neighbours; the margin covers anti-aliased
        // edges and painters reaching a pixel past a contour.
        return bounds.ToPixelRect().Inflate(2).ClampTo(rig.ImageWidth, rig.ImageHeight).AlignEven();
    }

    public void Dispose()
    {
        if (_ownsSource) _source.Dispose();
    }
}
