using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Parla.Face.Models;

/// <summary>
/// MediaPipe's canonical face model as stored in <c>geometry_pipeline_metadata_landmarks.binarypb</c>:
/// 468 vertices in centimetres (x to the subject's left, y up, z towards the viewer), their texture
/// coordinates, and the triangles.
/// </summary>
internal sealed record CanonicalFaceMesh(Vector3[] Vertices, Vector2[] TextureCoordinates, int[] Triangles);

/// <summary>Reads what the face stage needs from the unpacked <c>@mediapipe/face_mesh</c> package.</summary>
internal static partial class FaceMeshPackageReader
{
    public const string GeometryAssetName = "geometry_pipeline_metadata_landmarks.binarypb";

    // GeometryPipelineMetadata { Mesh3d canonical_mesh = 1; } and Mesh3d { vertex_type = 1;
    // primitive_type = 2; repeated float vertex_buffer = 3; repeated uint32 index_buffer = 4; }
    // (mediapipe/modules/face_geometry/protos). VERTEX_PT = 0: five floats per vertex, x y z u v.
    private const int CanonicalMeshField = 1;
    private const int VertexTypeField = 1;
    private const int PrimitiveTypeField = 2;
    private const int VertexBufferField = 3;
    private const int IndexBufferField = 4;
    private const int FloatsPerVertex = 5;

    /// <summary>The canonical mesh from the package's packed assets.</summary>
    public static CanonicalFaceMesh ReadCanonicalMesh(string packageDirectory)
    {
        var loader = Path.Combine(packageDirectory, "face_mesh_solution_packed_assets_loader.js");
        var data = Path.Combine(packageDirectory, "face_mesh_solution_packed_assets.data");
        try
        {
            var table = PackedAssets.ParseLoader(File.ReadAllText(loader), loader);
            return ParseCanonicalMesh(PackedAssets.Extract(data, table, GeometryAssetName), $"{data}:{GeometryAssetName}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException($"The face mesh package in {packageDirectory} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Decodes a GeometryPipelineMetadata message; <paramref name="source"/> names it in errors.</summary>
    public static CanonicalFaceMesh ParseCanonicalMesh(ReadOnlySpan<byte> metadata, string source)
    {
        var floats = new List<float>(DetectedFace.LandmarkCount * FloatsPerVertex);
        var indices = new List<uint>();
        var found = false;
        var outer = new ProtoReader(metadata, source);
        while (outer.Next())
        {
            if (outer.Field != CanonicalMeshField || outer.WireType != ProtoReader.WireLengthDelimited) continue;
            found = true;
            var mesh = new ProtoReader(outer.Bytes, source);
            while (mesh.Next())
            {
                switch (mesh.Field)
                {
                    case VertexTypeField when mesh.Varint != 0:
                        throw new ModelException($"{source}: vertex type {mesh.Varint}, expected VERTEX_PT (0).");
                    case PrimitiveTypeField when mesh.Varint != 0:
                        throw new ModelException($"{source}: primitive type {mesh.Varint}, expected TRIANGLE (0).");
                    case VertexBufferField:
                        mesh.AddFloats(floats);
                        break;
                    case IndexBufferField:
                        mesh.AddUInt32s(indices);
                        break;
                }
            }
        }
        if (!found) throw new ModelException($"{source}: no canonical_mesh.");
        if (floats.Count != DetectedFace.LandmarkCount * FloatsPerVertex)
            throw new ModelException($"{source}: the canonical mesh has {floats.Count} vertex floats, expected {DetectedFace.LandmarkCount} × {FloatsPerVertex}.");
        if (indices.Count == 0 || indices.Count % 3 != 0 || indices.Any(i => i >= DetectedFace.LandmarkCount))
            throw new ModelException($"{source}: the canonical mesh's {indices.Count} triangle indices are not whole triangles of its {DetectedFace.LandmarkCount} vertices.");

        var vertices = new Vector3[DetectedFace.LandmarkCount];
        var uv = new Vector2[DetectedFace.LandmarkCount];
        for (var i = 0; i < vertices.Length; i++)
        {
            var o = i * FloatsPerVertex;
            vertices[i] = new Vector3(floats[o], floats[o + 1], floats[o + 2]);
            uv[i] = new Vector2(floats[o + 3], floats[o + 4]);
        }
        return new CanonicalFaceMesh(vertices, uv, indices.Select(i => (int)i).ToArray());
    }

    /// <summary>
    /// The landmark indices of a named region of <c>face_mesh.js</c> (e.g. <c>FACEMESH_LIPS</c>), in
    /// the order its edges first mention them. The minified script exports each region as
    /// <c>("FACEMESH_LIPS",Ed)</c> with <c>Ed=[[61,146],[146,91],…]</c> defined elsewhere in it.
    /// </summary>
    public static int[] ReadRegion(string faceMeshJs, string regionName, string source)
    {
        var export = Regex.Match(faceMeshJs, "\"" + Regex.Escape(regionName) + "\",([A-Za-z_$][\\w$]*)\\)");
        if (!export.Success) throw new ModelException($"{source}: {regionName} is not exported; the package layout has changed.");
        var variable = export.Groups[1].Value;
        var definition = Regex.Match(faceMeshJs, "(?<![\\w$.])" + Regex.Escape(variable) + "=(\\[\\[[0-9,\\[\\]\\s]*\\]\\])");
        if (!definition.Success) throw new ModelException($"{source}: the edge list of {regionName} ({variable}) is not found; the package layout has changed.");
        var indices = new List<int>();
        foreach (Match number in NumberPattern().Matches(definition.Groups[1].Value))
        {
            var index = int.Parse(number.Value, CultureInfo.InvariantCulture);
            if (index >= DetectedFace.LandmarkCount) throw new ModelException($"{source}: {regionName} names landmark {index}, the mesh has {DetectedFace.LandmarkCount}.");
            if (!indices.Contains(index)) indices.Add(index);
        }
        return [.. indices];
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex NumberPattern();
}
