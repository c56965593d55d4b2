using System.Numerics;

namespace Parla.Face.Rig;

/// <summary>
/// Delaunay triangulation by Bowyer–Watson insertion (Bowyer 1981, Watson 1981): each point
/// removes the triangles whose circumcircle contains it and re-fans the cavity it leaves.
/// O(n²) in the worst case, which is a few milliseconds for a rig's ~600 points.
/// </summary>
internal static class Delaunay
{
    /// <summary>
    /// Triangulates <paramref name="points"/>. Returns vertex index triples, each with positive signed
    /// area <c>(b − a) × (c − a) &gt; 0</c> (clockwise on screen, where y points down), that tile the
    /// points' hull without overlapping. A point whose insertion would break that (a duplicate, or a
    /// degenerate run of collinear points that doubles cannot resolve) is left out: no triple names it.
    /// </summary>
    public static int[] Triangulate(ReadOnlySpan<Vector2> points)
    {
        var n = points.Length;
        if (n < 3) return [];

        // Doubles throughout: the in-circle determinant of image-sized coordinates loses too much in float.
        var xs = new double[n + 3];
        var ys = new double[n + 3];
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (var i = 0; i < n; i++)
        {
            xs[i] = points[i].X;
            ys[i] = points[i].Y;
            minX = Math.Min(minX, xs[i]); maxX = Math.Max(maxX, xs[i]);
            minY = Math.Min(minY, ys[i]); maxY = Math.Max(maxY, ys[i]);
        }
        // A super-triangle far larger than the points, so that its vertices act as points at
        // infinity and the hull of the real points comes out right (collinear border points included).
        var size = Math.Max(maxX - minX, maxY - minY) + 1;
        double cx = (minX + maxX) / 2, cy = (minY + maxY) / 2, r = size * 1000;
        xs[n] = cx - r; ys[n] = cy - r;
        xs[n + 1] = cx + r; ys[n + 1] = cy - r;
        xs[n + 2] = cx; ys[n + 2] = cy + r;

        var tris = new List<Tri> { MakeTri(n, n + 1, n + 2, xs, ys) };
        var edges = new List<(int A, int B)>();
        var keep = new List<Tri>();
        for (var p = 0; p < n; p++)
        {
            double px = xs[p], py = ys[p];
            edges.Clear();
            keep.Clear();
            var removed = 0;
            foreach (var t in tris)
            {
                var dx = px - t.Cx;
                var dy = py - t.Cy;
                if (dx * dx + dy * dy < t.R2)
                {
                    AddCavityEdge(edges, t.A, t.B);
                    AddCavityEdge(edges, t.B, t.C);
                    AddCavityEdge(edges, t.C, t.A);
                    removed++;
                }
                else
                {
                    keep.Add(t);
                }
            }

            // The cavity must be a polygon that the point sees from inside: two boundary edges more than
            // the triangles it held, each with the point on the side its removed triangle lay. Where the
            // points are degenerate (a face cut by the image's edge: dozens of landmarks clamped onto one
            // border line, circles through them and the far super-triangle too large for doubles to tell
            // inside from outside), a cavity can come out otherwise, and re-fanning it overlapped
            // triangles until their number exploded. Such a point is left out of the triangulation (no
            // triangle uses it); every other point is inserted as before.
            var proper = edges.Count == removed + 2;
            for (var e = 0; proper && e < edges.Count; e++)
            {
                var (a, b) = edges[e];
                proper = Orientation(a, b, p, xs, ys) > 0;
            }
            if (!proper) continue;
            foreach (var (a, b) in edges) keep.Add(MakeTri(a, b, p, xs, ys));
            (tris, keep) = (keep, tris);
        }

        var result = new List<int>(tris.Count * 3);
        foreach (var t in tris)
        {
            if (t.A >= n || t.B >= n || t.C >= n) continue;
            result.Add(t.A); result.Add(t.B); result.Add(t.C);
        }
        return [.. result];
    }

    // The cavity's boundary is the set of edges used by exactly one removed triangle: an edge shared
    // by two removed triangles appears once in each direction and cancels.
    private static void AddCavityEdge(List<(int A, int B)> edges, int a, int b)
    {
        var i = edges.IndexOf((b, a));
        if (i >= 0)
        {
            edges[i] = edges[^1];
            edges.RemoveAt(edges.Count - 1);
        }
        else
        {
            edges.Add((a, b));
        }
    }

    /// <summary>Twice the signed area of triangle (a, b, c): positive where it turns as the triangles here do.</summary>
    private static double Orientation(int a, int b, int c, double[] xs, double[] ys) =>
        (xs[b] - xs[a]) * (ys[c] - ys[a]) - (ys[b] - ys[a]) * (xs[c] - xs[a]);

    private static Tri MakeTri(int a, int b, int c, double[] xs, double[] ys)
    {
        double ax = xs[a], ay = ys[a], bx = xs[b], by = ys[b], qx = xs[c], qy = ys[c];
        var cross = Orientation(a, b, c, xs, ys);
        if (cross < 0)
        {
            (b, c) = (c, b);
            (bx, by, qx, qy) = (qx, qy, bx, by);
            cross = -cross;
        }
        // Circumcentre relative to a (standard formula), kept with its squared radius.
        double bx0 = bx - ax, by0 = by - ay, cx0 = qx - ax, cy0 = qy - ay;
        var d = 2 * cross;
        double ox, oy;
        if (d == 0)
        {
            // Degenerate (collinear) triangle: give it an infinite circle so the next point inside
            // its span removes it.
            return new Tri(a, b, c, ax, ay, double.PositiveInfinity);
        }
        var b2 = bx0 * bx0 + by0 * by0;
        var c2 = cx0 * cx0 + cy0 * cy0;
        ox = (cy0 * b2 - by0 * c2) / d;
        oy = (bx0 * c2 - cx0 * b2) / d;
        return new Tri(a, b, c, ax + ox, ay + oy, ox * ox + oy * oy);
    }

    private readonly record struct Tri(int A, int B, int C, double Cx, double Cy, double R2);
}
