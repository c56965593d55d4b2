using System.Numerics;
using System.Runtime.CompilerServices;
using Parla.Face.Rig;

namespace Parla.Rendering;

/// <summary>
/// Which of a rig's rest triangles holds a point: a uniform grid over the rest mesh, each cell
/// listing, in index order, the triangles whose bounding box overlaps it. Every triangle that holds
/// a point is listed in the point's cell, so scanning the cell's list in order finds the same first
/// triangle as scanning all triangles in order, at a few dozen triangles a point instead of all.
/// Each listed triangle carries its bounding box and doubled signed area, made once, so that a point
/// is compared with a box without reading the triangle's corners.
/// </summary>
internal sealed class RestMeshLocator
{
    private static readonly ConditionalWeakTable<FaceRig, RestMeshLocator> Cache = new();

    private readonly float _originX, _originY, _cellSize;
    private readonly int _columns, _rows;
    // Cell c's triangles are _boxes[_cellStart[c].._cellStart[c + 1]), in index order.
    private readonly int[] _cellStart;
    private readonly TriangleBox[] _boxes;
    private readonly Vector2[] _rest;
    private readonly int[] _triangles;

    private readonly record struct TriangleBox(float MinX, float MaxX, float MinY, float MaxY, float Area2, int Offset);

    private RestMeshLocator(Vector2[] rest, int[] triangles)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var p in rest)
        {
            min = Vector2.Min(min, p);
            max = Vector2.Max(max, p);
        }

        var count = triangles.Length / 3;
        var extent = Vector2.Max(max - min, Vector2.One);
        // About one triangle per cell on average; the face's small triangles share cells, the
        // border's large ones span many.
        _cellSize = MathF.Max(1, MathF.Sqrt(extent.X * extent.Y / Math.Max(1, count)));
        _originX = min.X;
        _originY = min.Y;
        _columns = Math.Max(1, (int)MathF.Floor(extent.X / _cellSize) + 1);
        _rows = Math.Max(1, (int)MathF.Floor(extent.Y / _cellSize) + 1);

        var counts = new int[(_columns * _rows) + 1];
        ForEachCell(rest, triangles, (cell, _) => counts[cell + 1]++);
        for (var c = 1; c < counts.Length; c++) counts[c] += counts[c - 1];
        _cellStart = counts;
        _boxes = new TriangleBox[counts[^1]];
        var fill = (int[])counts.Clone();
        ForEachCell(rest, triangles, (cell, i) =>
        {
            Vector2 a = rest[triangles[i]], b = rest[triangles[i + 1]], c = rest[triangles[i + 2]];
            _boxes[fill[cell]++] = new TriangleBox(Math.Min(a.X, Math.Min(b.X, c.X)), Math.Max(a.X, Math.Max(b.X, c.X)),
                Math.Min(a.Y, Math.Min(b.Y, c.Y)), Math.Max(a.Y, Math.Max(b.Y, c.Y)), RigDeformer.SignedArea2(a, b, c), i);
        });
        _rest = rest;
        _triangles = triangles;
    }

    /// <summary>The locator of <paramref name="rig"/>'s rest mesh, built once per rig.</summary>
    public static RestMeshLocator For(FaceRig rig) => Cache.GetValue(rig, r => new RestMeshLocator(r.Positions, r.Triangles));

    /// <summary>
    /// The first rest triangle, in index order, that holds <paramref name="p"/> (within 1e-5 of its
    /// barycentric range): its offset into the rig's triangle array and <paramref name="p"/>'s weights
    /// of its first two corners (the third's is 1 − both); −1 when none does.
    /// </summary>
    public int Locate(Vector2 p, out float wa, out float wb)
    {
        var cx = (int)MathF.Floor((p.X - _originX) / _cellSize);
        var cy = (int)MathF.Floor((p.Y - _originY) / _cellSize);
        if (cx >= 0 && cy >= 0 && cx < _columns && cy < _rows)
        {
            var cell = (cy * _columns) + cx;
            foreach (ref readonly var box in _boxes.AsSpan(_cellStart[cell], _cellStart[cell + 1] - _cellStart[cell]))
            {
                if (p.X < box.MinX || p.X > box.MaxX || p.Y < box.MinY || p.Y > box.MaxY) continue;
                var i = box.Offset;
                Vector2 a = _rest[_triangles[i]], b = _rest[_triangles[i + 1]], c = _rest[_triangles[i + 2]];
                wa = RigDeformer.SignedArea2(p, b, c) / box.Area2;
                wb = RigDeformer.SignedArea2(a, p, c) / box.Area2;
                if (wa < -1e-5f || wb < -1e-5f || 1 - wa - wb < -1e-5f) continue;
                return i;
            }
        }

        wa = wb = 0;
        return -1;
    }

    /// <summary>Calls <paramref name="visit"/>(cell, triangle offset) for every cell each triangle's box overlaps, triangles in order.</summary>
    private void ForEachCell(Vector2[] rest, int[] triangles, Action<int, int> visit)
    {
        for (var i = 0; i + 2 < triangles.Length; i += 3)
        {
            Vector2 a = rest[triangles[i]], b = rest[triangles[i + 1]], c = rest[triangles[i + 2]];
            var lo = Vector2.Min(a, Vector2.Min(b, c));
            var hi = Vector2.Max(a, Vector2.Max(b, c));
            // The same arithmetic as Locate, so a point inside the box lands in a listed cell.
            var x0 = Math.Clamp((int)MathF.Floor((lo.X - _originX) / _cellSize), 0, _columns - 1);
            var x1 = Math.Clamp((int)MathF.Floor((hi.X - _originX) / _cellSize), 0, _columns - 1);
            var y0 = Math.Clamp((int)MathF.Floor((lo.Y - _originY) / _cellSize), 0, _rows - 1);
            var y1 = Math.Clamp((int)MathF.Floor((hi.Y - _originY) / _cellSize), 0, _rows - 1);
            for (var y = y0; y <= y1; y++)
                for (var x = x0; x <= x1; x++)
                    visit((y * _columns) + x, i);
        }
    }
}
