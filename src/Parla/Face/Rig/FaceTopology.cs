using System.Globalization;
using System.Text.RegularExpressions;

namespace Parla.Face.Rig;

/// <summary>
/// An open polyline of landmark indices split into an upper and a lower half that share their end
/// points (the corners). Both halves run from the corner on the image's left to the corner on the
/// image's right, so <c>Upper[i]</c> and <c>Lower[i]</c> face each other when the halves have the same length.
/// </summary>
public sealed record ContourPair(int[] Upper, int[] Lower)
{
    /// <summary>The closed loop: <see cref="Upper"/> left to right, then <see cref="Lower"/> back, corners once.</summary>
    public int[] Loop()
    {
        var loop = new List<int>(Upper);
        for (var i = Lower.Length - 2; i >= 1; i--) loop.Add(Lower[i]);
        return [.. loop];
    }
}

/// <summary>
/// The FaceMesh landmark groups, read from the MediaPipe npm package's <c>face_mesh.js</c>
/// (<c>FACEMESH_LIPS</c>, <c>FACEMESH_LEFT_EYE</c>, …, <c>FACEMESH_TESSELATION</c>), and the ordered
/// contours derived from them.
/// </summary>
/// <remarks>
/// MediaPipe names sides from the subject's point of view: its <c>LEFT_EYE</c> is the subject's left
/// eye, which appears on the image's right. This type's contours are named by image side
/// (<see cref="ImageLeftEye"/> is MediaPipe's <c>RIGHT_EYE</c>); the raw groups in <see cref="Groups"/>
/// keep MediaPipe's names. Upper/lower and left/right are decided from the mesh graph alone (hops
/// to the brows and to each eye), not from any one face's geometry.
/// </remarks>
public sealed partial class FaceTopology
{
    /// <summary>The group names this type reads; each must be present in the script.</summary>
    public static readonly IReadOnlyList<string> RequiredGroups =
    [
        "FACEMESH_LIPS", "FACEMESH_LEFT_EYE", "FACEMESH_RIGHT_EYE", "FACEMESH_LEFT_EYEBROW",
        "FACEMESH_RIGHT_EYEBROW", "FACEMESH_FACE_OVAL", "FACEMESH_LEFT_IRIS", "FACEMESH_RIGHT_IRIS",
        "FACEMESH_TESSELATION",
    ];

    private FaceTopology(IReadOnlyDictionary<string, (int A, int B)[]> groups)
    {
        Groups = groups;
        var tessellation = groups["FACEMESH_TESSELATION"];
        var vertexCount = 0;
        foreach (var (a, b) in tessellation) vertexCount = Math.Max(vertexCount, Math.Max(a, b) + 1);
        VertexCount = vertexCount;

        var neighbours = new List<int>[vertexCount];
        for (var i = 0; i < vertexCount; i++) neighbours[i] = [];
        foreach (var (a, b) in tessellation)
        {
            if (!neighbours[a].Contains(b)) neighbours[a].Add(b);
            if (!neighbours[b].Contains(a)) neighbours[b].Add(a);
        }
        Neighbours = [.. neighbours.Select(n => n.ToArray())];

        // Landmarks reached in fewer hops from the brows lie higher on the face; the side whose eye
        // is nearer in hops is the side of that eye. MediaPipe RIGHT_* = subject's right = image left.
        var fromBrows = HopDistances(Vertices("FACEMESH_LEFT_EYEBROW").Concat(Vertices("FACEMESH_RIGHT_EYEBROW")));
        var fromImageLeft = HopDistances(Vertices("FACEMESH_RIGHT_EYE"));
        var fromImageRight = HopDistances(Vertices("FACEMESH_LEFT_EYE"));

        var lips = groups["FACEMESH_LIPS"];
        var lipLoops = SplitLoops(lips);
        if (lipLoops.Count != 2)
            throw new FormatException($"FACEMESH_LIPS should hold two closed loops, found {lipLoops.Count}.");
        // The inner lip loop is enclosed by the outer one: its vertices are further from the face oval.
        var fromOval = HopDistances(Vertices("FACEMESH_FACE_OVAL"));
        lipLoops.Sort((p, q) => p.Average(v => fromOval[v]).CompareTo(q.Average(v => fromOval[v])));
        OuterLips = SplitLoop(lipLoops[0], lips, fromBrows, fromImageLeft, fromImageRight);
        InnerLips = SplitLoop(lipLoops[1], lips, fromBrows, fromImageLeft, fromImageRight);
        ImageLeftEye = SplitLoop(SingleLoop("FACEMESH_RIGHT_EYE"), groups["FACEMESH_RIGHT_EYE"], fromBrows, fromImageLeft, fromImageRight);
        ImageRightEye = SplitLoop(SingleLoop("FACEMESH_LEFT_EYE"), groups["FACEMESH_LEFT_EYE"], fromBrows, fromImageLeft, fromImageRight);

        var fromEyes = HopDistances(Vertices("FACEMESH_LEFT_EYE").Concat(Vertices("FACEMESH_RIGHT_EYE")));
        ImageLeftBrow = BrowRows("FACEMESH_RIGHT_EYEBROW", fromEyes, fromImageLeft, fromImageRight);
        ImageRightBrow = BrowRows("FACEMESH_LEFT_EYEBROW", fromEyes, fromImageLeft, fromImageRight);
        FaceOval = [.. SingleLoop("FACEMESH_FACE_OVAL")];
    }

    /// <summary>Every group read from the script, by MediaPipe's name, as undirected edges (index pairs).</summary>
    public IReadOnlyDictionary<string, (int A, int B)[]> Groups { get; }

    /// <summary>Number of landmarks the tessellation uses (468).</summary>
    public int VertexCount { get; }

    /// <summary>Landmark neighbours in the tessellation graph, per landmark.</summary>
    public int[][] Neighbours { get; }

    /// <summary>The lips' outer edge (vermilion border), corners 61 and 291.</summary>
    public ContourPair OuterLips { get; }

    /// <summary>The line where the lips meet (inner lip edge), corners 78 and 308.</summary>
    public ContourPair InnerLips { get; }

    /// <summary>The eye on the image's left (MediaPipe <c>RIGHT_EYE</c>): upper and lower lid.</summary>
    public ContourPair ImageLeftEye { get; }

    /// <summary>The eye on the image's right (MediaPipe <c>LEFT_EYE</c>): upper and lower lid.</summary>
    public ContourPair ImageRightEye { get; }

    /// <summary>The brow on the image's left (MediaPipe <c>RIGHT_EYEBROW</c>): its upper and lower row, each ordered left to right.</summary>
    public ContourPair ImageLeftBrow { get; }

    /// <summary>The brow on the image's right (MediaPipe <c>LEFT_EYEBROW</c>).</summary>
    public ContourPair ImageRightBrow { get; }

    /// <summary>The face oval as a closed loop (36 landmarks), in the package's order starting at landmark 10.</summary>
    public int[] FaceOval { get; }

    /// <summary>Reads the groups from the text of <c>face_mesh.js</c> at <paramref name="faceMeshJsPath"/>.</summary>
    /// <exception cref="FormatException">A group is missing or its edges are not the expected shape.</exception>
    public static FaceTopology Load(string faceMeshJsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(faceMeshJsPath);
        return Parse(File.ReadAllText(faceMeshJsPath));
    }

    /// <summary>Reads the groups from the pinned face_mesh package of <paramref name="models"/> (fetched on first use).</summary>
    public static FaceTopology Load(FaceModelStore models, CancellationToken cancellationToken = default) =>
        Load(Path.Combine(models.EnsureFaceMeshPackage(cancellationToken), "face_mesh.js"));

    /// <summary>Reads the groups from the text of a <c>face_mesh.js</c> script.</summary>
    public static FaceTopology Parse(string script)
    {
        // The minified script exports each group as H("FACEMESH_X", value); value is either an array
        // literal or the name of a variable defined elsewhere as `name=[[a,b],...]`.
        var groups = new Dictionary<string, (int, int)[]>();
        // Where each variable holding an array of pairs is first defined: one pass over the script.
        var definitions = new Dictionary<string, int>();
        foreach (Match d in ArrayDefinition().Matches(script))
            definitions.TryAdd(d.Groups[1].Value, script.IndexOf('[', d.Index));
        foreach (Match m in GroupExport().Matches(script))
        {
            var name = m.Groups[1].Value;
            if (name == "FACEMESH_CONTOURS") continue; // a concatenation of the others
            int literalStart;
            if (m.Groups[2].Value == "[")
            {
                literalStart = m.Groups[2].Index;
            }
            else if (!definitions.TryGetValue(m.Groups[2].Value, out literalStart))
            {
                throw new FormatException($"{name} refers to '{m.Groups[2].Value}', whose definition is not in the script.");
            }
            groups[name] = ParseEdges(script, literalStart, name);
        }
        var missing = RequiredGroups.Where(g => !groups.ContainsKey(g)).ToList();
        if (missing.Count > 0)
            throw new FormatException($"face_mesh.js lacks the landmark groups {string.Join(", ", missing)}.");
        return new FaceTopology(groups);
    }

    private static (int, int)[] ParseEdges(string script, int start, string name)
    {
        var depth = 0;
        var end = start;
        for (; end < script.Length; end++)
        {
            if (script[end] == '[') depth++;
            else if (script[end] == ']' && --depth == 0) break;
        }
        if (depth != 0) throw new FormatException($"{name}: unterminated array literal.");
        var body = script.AsSpan(start, end - start + 1);
        var edges = new List<(int, int)>();
        foreach (Match pair in EdgePair().Matches(body.ToString()))
        {
            edges.Add((int.Parse(pair.Groups[1].Value, CultureInfo.InvariantCulture),
                       int.Parse(pair.Groups[2].Value, CultureInfo.InvariantCulture)));
        }
        if (edges.Count == 0) throw new FormatException($"{name}: no edges.");
        return [.. edges];
    }

    // Source-generated, and the definitions found in one pass: the script was scanned once per
    // referenced variable, each time with a regex built for it (parsing took 37–76 ms of the
    // portrait's analysis, now 22–60 ms; the rest of the topology's 45–90 ms is its constructor).
    [GeneratedRegex("\\w+\\(\"(FACEMESH_[A-Z_]+)\",\\s*(\\[|[A-Za-z_$][\\w$]*)")]
    private static partial Regex GroupExport();

    /// <summary><c>name=[[</c>, the name not part of a longer name or a property.</summary>
    [GeneratedRegex("(?<![\\w$.])([A-Za-z_$][\\w$]*)\\s*=\\s*\\[\\s*\\[")]
    private static partial Regex ArrayDefinition();

    [GeneratedRegex("\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]")]
    private static partial Regex EdgePair();

    private IEnumerable<int> Vertices(string group) => Groups[group].SelectMany(e => new[] { e.A, e.B }).Distinct();

    /// <summary>
    /// Mesh-edge hops from the nearest of <paramref name="sources"/> to every vertex, walking no further
    /// than <paramref name="maxHops"/> and never through <paramref name="walls"/>; int.MaxValue where not reached.
    /// </summary>
    internal int[] HopDistances(IEnumerable<int> sources, int maxHops = int.MaxValue, IReadOnlySet<int>? walls = null)
    {
        var dist = new int[VertexCount];
        Array.Fill(dist, int.MaxValue);
        var queue = new Queue<int>();
        foreach (var s in sources)
        {
            if (dist[s] == 0) continue;
            dist[s] = 0;
            queue.Enqueue(s);
        }
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            if (dist[v] >= maxHops) continue;
            foreach (var n in Neighbours[v])
            {
                if (dist[n] != int.MaxValue || (walls is not null && walls.Contains(n))) continue;
                dist[n] = dist[v] + 1;
                queue.Enqueue(n);
            }
        }
        return dist;
    }

    private List<int> SingleLoop(string group)
    {
        var loops = SplitLoops(Groups[group]);
        if (loops.Count != 1) throw new FormatException($"{group} should be one closed loop, found {loops.Count}.");
        return loops[0];
    }

    /// <summary>Splits an edge list whose vertices all have degree 2 into its cycles, each in walking order.</summary>
    private static List<List<int>> SplitLoops((int A, int B)[] edges)
    {
        var adj = new Dictionary<int, List<int>>();
        foreach (var (a, b) in edges)
        {
            (adj.TryGetValue(a, out var la) ? la : adj[a] = []).Add(b);
            (adj.TryGetValue(b, out var lb) ? lb : adj[b] = []).Add(a);
        }
        if (adj.Values.Any(l => l.Count != 2)) throw new FormatException("A contour group is not made of closed loops.");
        var seen = new HashSet<int>();
        var loops = new List<List<int>>();
        // Start each loop at its first vertex in the package's order, so the result is stable.
        foreach (var (start, _) in edges)
        {
            if (!seen.Add(start)) continue;
            var loop = new List<int> { start };
            int prev = start, cur = adj[start][0];
            while (cur != start)
            {
                seen.Add(cur);
                loop.Add(cur);
                var next = adj[cur][0] == prev ? adj[cur][1] : adj[cur][0];
                prev = cur;
                cur = next;
            }
            loops.Add(loop);
        }
        return loops;
    }

    /// <summary>
    /// Cuts a loop at its two corners into upper and lower halves. The package writes each of these
    /// loops as two directed chains from one corner to the other, so the corners are the vertices
    /// that start (or end) two edges; which corner is on the image's left, and which half is upper,
    /// is decided by hops in the tessellation graph.
    /// </summary>
    private static ContourPair SplitLoop(List<int> loop, (int A, int B)[] edges, int[] fromBrows, int[] fromImageLeft, int[] fromImageRight)
    {
        var starts = edges.GroupBy(e => e.A).Where(g => g.Count() == 2).Select(g => g.Key).ToList();
        var ends = edges.GroupBy(e => e.B).Where(g => g.Count() == 2).Select(g => g.Key).ToList();
        var corners = starts.Concat(ends).Where(loop.Contains).Distinct().ToList();
        if (corners.Count != 2)
            throw new FormatException($"A contour loop of {loop.Count} landmarks does not have two marked corners.");
        int Side(int v) => fromImageLeft[v] - fromImageRight[v]; // more negative = further image-left
        if (Side(corners[0]) > Side(corners[1])) corners.Reverse();
        int left = loop.IndexOf(corners[0]), right = loop.IndexOf(corners[1]);
        var a = Walk(loop, left, right, +1);
        var b = Walk(loop, left, right, -1);
        var aHigher = Interior(a).Average(v => fromBrows[v]) < Interior(b).Average(v => fromBrows[v]);
        return aHigher ? new ContourPair(a, b) : new ContourPair(b, a);
    }

    private static int[] Walk(List<int> loop, int from, int to, int step)
    {
        var path = new List<int>();
        for (var i = from; ; i = (i + step + loop.Count) % loop.Count)
        {
            path.Add(loop[i]);
            if (i == to) break;
        }
        return [.. path];
    }

    private static IEnumerable<int> Interior(int[] path) => path.Length > 2 ? path[1..^1] : path;

    private ContourPair BrowRows(string group, int[] fromEyes, int[] fromImageLeft, int[] fromImageRight)
    {
        // A brow group is two open polylines (upper and lower row of the brow).
        var edges = Groups[group];
        var degree = new Dictionary<int, int>();
        foreach (var (a, b) in edges)
        {
            degree[a] = degree.GetValueOrDefault(a) + 1;
            degree[b] = degree.GetValueOrDefault(b) + 1;
        }
        var rows = new List<int[]>();
        var used = new HashSet<int>();
        foreach (var end in degree.Where(d => d.Value == 1).Select(d => d.Key).OrderBy(v => v))
        {
            if (used.Contains(end)) continue;
            var row = new List<int> { end };
            used.Add(end);
            var cur = end;
            while (true)
            {
                var next = edges.Where(e => e.A == cur || e.B == cur).Select(e => e.A == cur ? e.B : e.A).FirstOrDefault(v => !used.Contains(v), -1);
                if (next < 0) break;
                row.Add(next);
                used.Add(next);
                cur = next;
            }
            if (fromImageLeft[row[0]] - fromImageRight[row[0]] > fromImageLeft[row[^1]] - fromImageRight[row[^1]]) row.Reverse();
            rows.Add([.. row]);
        }
        if (rows.Count != 2) throw new FormatException($"{group} should be two polylines, found {rows.Count}.");
        // The lower row is nearer the eyes.
        rows.Sort((p, q) => q.Average(v => fromEyes[v]).CompareTo(p.Average(v => fromEyes[v])));
        return new ContourPair(rows[0], rows[1]);
    }
}
