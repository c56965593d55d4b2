using System.Numerics;
using Parla.Face.Rig;

namespace Parla.Tests.Face.Rig;

public class DelaunayTests
{
    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 300)]
    [InlineData(3, 1000)]
    public void Triangulate_RandomPoints_IsDelaunayAndCoversTheHull(int seed, int count)
    {
        var random = new Random(seed);
        var points = Enumerable.Range(0, count).Select(_ => new Vector2(random.NextSingle() * 500, random.NextSingle() * 400)).ToArray();
        AssertDelaunay(points, Delaunay.Triangulate(points));
    }

    [Fact]
    public void Triangulate_CollinearBorderAndGrid_CoversTheRectangleExactly()
    {
        // The rig's worst case: many collinear points along the image border, plus cocircular grid points.
        var points = new List<Vector2>();
        for (var i = 0; i <= 8; i++)
        for (var j = 0; j <= 6; j++)
            points.Add(new Vector2(i * 64, j * 50));
        var tris = Delaunay.Triangulate(points.ToArray());
        AssertCoverage(points.ToArray(), tris, 512 * 300);
    }

    [Fact]
    public async Task Triangulate_ADenseRunOfPointsOnTheBorder_TilesTheRectangle_LeavingOutOnlyPointsOnThatLine()
    {
        // A face cut by the image's left edge: its landmarks beyond the edge clamp onto x = 0 among the
        // border's own points, with the face's points and a few just inside the line. The cavities went
        // wrong there and the triangles multiplied without end.
        var random = new Random(5);
        var points = new List<Vector2>();
        for (var i = 0; i < 80; i++) points.Add(new Vector2(0, 140 + random.NextSingle() * 170));
        for (var i = 0; i < 150; i++) points.Add(new Vector2(random.NextSingle() * 200, 100 + random.NextSingle() * 300));
        for (var i = 0; i < 4; i++) points.Add(new Vector2(random.NextSingle() * 0.6f, 150 + random.NextSingle() * 150));
        for (var i = 0; i <= 12; i++)
        {
            points.Add(new Vector2(0, i * 50)); points.Add(new Vector2(300, i * 50));
        }
        for (var i = 1; i < 6; i++)
        {
            points.Add(new Vector2(i * 50, 0)); points.Add(new Vector2(i * 50, 600));
        }
        var all = points.ToArray();
        // Still triangulating after 30 s fails the test (TimeoutException) instead of hanging the run.
        var tris = await Task.Run(() => Delaunay.Triangulate(all)).WaitAsync(TimeSpan.FromSeconds(30));
        AssertTiles(all, tris, 300 * 600);
        var used = new HashSet<int>(tris);
        Assert.All(Enumerable.Range(0, all.Length).Where(i => all[i].X > 0), i => Assert.Contains(i, used));
    }

    private static void AssertDelaunay(Vector2[] points, int[] tris)
    {
        AssertCoverage(points, tris, HullArea(points));
        for (var t = 0; t < tris.Length; t += 3)
        {
            var (centre, radius2) = Circumcircle(points[tris[t]], points[tris[t + 1]], points[tris[t + 2]]);
            for (var p = 0; p < points.Length; p++)
            {
                if (p == tris[t] || p == tris[t + 1] || p == tris[t + 2]) continue;
                var d2 = Vector2.DistanceSquared(new Vector2((float)centre.X, (float)centre.Y), points[p]);
                // Relative tolerance for float rounding: a point on the circle is allowed.
                Assert.True(d2 >= radius2 * (1 - 1e-5), $"point {p} lies inside the circumcircle of triangle {t / 3}");
            }
        }
    }

    private static void AssertCoverage(Vector2[] points, int[] tris, double expectedArea)
    {
        AssertTiles(points, tris, expectedArea);
        var used = new bool[points.Length];
        foreach (var v in tris) used[v] = true;
        Assert.All(used, Assert.True);
    }

    private static void AssertTiles(Vector2[] points, int[] tris, double expectedArea)
    {
        Assert.Equal(0, tris.Length % 3);
        double area = 0;
        for (var t = 0; t < tris.Length; t += 3)
        {
            var a2 = Cross(points[tris[t]], points[tris[t + 1]], points[tris[t + 2]]);
            Assert.True(a2 > 0, $"triangle {t / 3} has signed area {a2 / 2}");
            area += a2 / 2;
        }
        // Triangles with positive areas summing to the hull's area tile the hull without overlap.
        Assert.Equal(expectedArea, area, expectedArea * 1e-6);
    }

    private static double Cross(Vector2 a, Vector2 b, Vector2 c) => ((double)b.X - a.X) * ((double)c.Y - a.Y) - ((double)b.Y - a.Y) * ((double)c.X - a.X);

    private static ((double X, double Y), double) Circumcircle(Vector2 a, Vector2 b, Vector2 c)
    {
        double bx = b.X - a.X, by = b.Y - a.Y, cx = c.X - a.X, cy = c.Y - a.Y;
        var d = 2 * (bx * cy - by * cx);
        var b2 = bx * bx + by * by;
        var c2 = cx * cx + cy * cy;
        double ox = (cy * b2 - by * c2) / d, oy = (bx * c2 - cx * b2) / d;
        return ((a.X + ox, a.Y + oy), ox * ox + oy * oy);
    }

    private static double HullArea(Vector2[] points)
    {
        // Andrew's monotone chain, then the shoelace formula.
        var p = points.OrderBy(q => q.X).ThenBy(q => q.Y).ToArray();
        var hull = new List<Vector2>();
        for (var pass = 0; pass < 2; pass++)
        {
            var start = hull.Count;
            foreach (var q in pass == 0 ? p : p.Reverse())
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], q) <= 0) hull.RemoveAt(hull.Count - 1);
                hull.Add(q);
            }
            hull.RemoveAt(hull.Count - 1);
        }
        double area = 0;
        for (var i = 0; i < hull.Count; i++)
        {
            var a = hull[i];
            var b = hull[(i + 1) % hull.Count];
            area += (double)a.X * b.Y - (double)b.X * a.Y;
        }
        return Math.Abs(area) / 2;
    }
}
