using System.Numerics;
using System.Text.Json;

namespace Parla.Face.Rig;

/// <summary>An 8-bit sRGB colour.</summary>
public readonly record struct RigColor(byte R, byte G, byte B)
{
    /// <summary>Rec. 601 luma, 0..255.</summary>
    public float Luma => 0.299f * R + 0.587f * G + 0.114f * B;

    /// <summary>How colourful: the largest channel less the smallest (0 for a grey).</summary>
    public int Chroma => Math.Max(R, Math.Max(G, B)) - Math.Min(R, Math.Min(G, B));
}

/// <summary>
/// A face's own coordinate frame in the image, so that motion is defined in face units and works
/// on tilted faces: <see cref="Right"/> points from the image-left eye's outer corner to the
/// image-right one, <see cref="Down"/> is perpendicular to it towards the chin.
/// </summary>
public sealed record FaceFrame
{
    /// <summary>Midpoint of the two outer eye corners, in image pixels.</summary>
    public Vector2 Origin { get; init; }
    /// <summary>Unit vector of the face's x axis in the image.</summary>
    public Vector2 Right { get; init; }
    /// <summary>Unit vector of the face's y axis in the image (towards the chin).</summary>
    public Vector2 Down { get; init; }
    /// <summary>Distance between the outer eye corners (landmarks 33 and 263), in pixels.</summary>
    public float EyeDistancePixels { get; init; }
    /// <summary>Forehead top (10) to chin (152), in pixels.</summary>
    public float FaceHeightPixels { get; init; }
    /// <summary>Face width at the ears (234 to 454), in pixels.</summary>
    public float FaceWidthPixels { get; init; }
    /// <summary>Nose tip (1) to chin (152), in pixels, but at least 0.65 eye distances; the jaw's travel is defined from it.</summary>
    public float NoseToChinPixels { get; init; }

    /// <summary>Image point to face coordinates (pixels along <see cref="Right"/>, <see cref="Down"/> from the origin).</summary>
    public Vector2 ToFace(Vector2 image)
    {
        var d = image - Origin;
        return new Vector2(Vector2.Dot(d, Right), Vector2.Dot(d, Down));
    }

    /// <summary>A displacement in face axes to image axes.</summary>
    public Vector2 ToImageDelta(Vector2 face) => face.X * Right + face.Y * Down;
}

/// <summary>Landmark and vertex index lists of the rig's named regions, ordered image-left to image-right where they are contours.</summary>
public sealed record RigRegions
{
    public int[] OuterLipUpper { get; init; } = [];
    public int[] OuterLipLower { get; init; } = [];
    public int[] InnerLipUpper { get; init; } = [];
    public int[] InnerLipLower { get; init; } = [];
    public int[] ImageLeftEyeUpper { get; init; } = [];
    public int[] ImageLeftEyeLower { get; init; } = [];
    public int[] ImageRightEyeUpper { get; init; } = [];
    public int[] ImageRightEyeLower { get; init; } = [];
    /// <summary>Both rows of the brow on the image's left.</summary>
    public int[] ImageLeftBrow { get; init; } = [];
    public int[] ImageRightBrow { get; init; } = [];
    /// <summary>The lower half of the face oval, ear to ear through the chin.</summary>
    public int[] JawLine { get; init; } = [];
    public int[] Nose { get; init; } = [];
    /// <summary>The face oval loop (36 landmarks).</summary>
    public int[] FaceOval { get; init; } = [];
}

/// <summary>
/// The animatable model of one portrait, derived from its landmarks: a triangle mesh over face,
/// head and background out to the image border, per-vertex weights that say how each vertex
/// follows the head, the jaw, the lids and the brows, named regions, a head pivot and colours
/// sampled from the portrait. A plain data type: <see cref="Save(Stream)"/> and <see cref="Load(Stream)"/> round-trip it as JSON.
/// </summary>
/// <remarks>
/// Vertices 0..467 are the FaceMesh landmarks (in the same order); the rest are the rings around
/// the face and the border points. All per-vertex arrays have <see cref="VertexCount"/> entries.
/// </remarks>
public sealed partial record FaceRig
{
    /// <summary>Format version written by <see cref="Save(Stream)"/>.</summary>
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;
    public int ImageWidth { get; init; }
    public int ImageHeight { get; init; }

    /// <summary>Rest positions in source-image pixels (pixel centres at +0.5).</summary>
    public Vector2[] Positions { get; init; } = [];

    /// <summary>Depth relative to the head pivot in eye distances (smaller = nearer the camera).</summary>
    public float[] Depth { get; init; } = [];

    /// <summary>How much a vertex follows head rotation and shift: 1 on the face, smoothly 0 at the outer ring and the border.</summary>
    public float[] HeadWeight { get; init; } = [];

    /// <summary>How much a vertex follows the opening jaw: ~1 for lower lip, chin and lower jaw; 0 for the upper lip and above.</summary>
    public float[] JawWeight { get; init; } = [];

    /// <summary>How much a vertex takes part in the upper lip's lift as the mouth opens (1 at the middle of the upper lip).</summary>
    public float[] UpperLipWeight { get; init; } = [];

    /// <summary>How much a vertex follows the brows (1 on the brows, falling off over forehead and upper lid crease).</summary>
    public float[] BrowWeight { get; init; } = [];

    /// <summary>For vertices near a lid: the lid vertex whose blink motion they follow, or −1.</summary>
    public int[] LidFollowIndex { get; init; } = [];

    /// <summary>The fraction of the followed lid vertex's blink motion a vertex takes (0..1).</summary>
    public float[] LidFollowWeight { get; init; } = [];

    /// <summary>Mesh triangles as vertex index triples with positive signed area in image coordinates.</summary>
    public int[] Triangles { get; init; } = [];

    public RigRegions Regions { get; init; } = new();
    public FaceFrame Frame { get; init; } = new();

    /// <summary>Head rotation centre: image x, y in pixels, z in the landmarks' pixel depth scale.</summary>
    public Vector3 PivotPixels { get; init; }

    /// <summary>
    /// How much of the rest gap between the inner lips' middles is teeth that FaceMesh had counted as
    /// lip, in pixels (the contours were moved off them when the rig was built; 0 for most portraits).
    /// The jaw's opening is counted from the gap less this, so a mouth opens as it did before the move,
    /// while lips pressed shut close the whole gap.
    /// </summary>
    public float TeethInLipGapPixels { get; init; }

    public RigColor SkinColor { get; init; }
    public RigColor LipColor { get; init; }
    public RigColor MouthInteriorColor { get; init; }
    public RigColor TeethColor { get; init; }

    public int VertexCount => Positions.Length;
    public int TriangleCount => Triangles.Length / 3;

    /// <summary>Writes the rig as JSON.</summary>
    public void Save(Stream destination) => FaceRigJson.Write(destination, this);

    /// <summary>Writes the rig as JSON to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        Save(file);
    }

    /// <summary>Reads a rig written by <see cref="Save(Stream)"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a rig of this version, or its arrays disagree in length.</exception>
    public static FaceRig Load(Stream source)
    {
        FaceRig rig;
        try
        {
            rig = FaceRigJson.Read(source);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a face rig: {e.Message}", e);
        }
        var errors = rig.Validate();
        if (errors.Count > 0) throw new InvalidDataException("Invalid face rig: " + string.Join("; ", errors));
        return rig;
    }

    /// <summary>Reads a rig from the JSON file at <paramref name="path"/>.</summary>
    public static FaceRig Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>Every inconsistency found (empty when the rig is usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Version != CurrentVersion) errors.Add($"version {Version}, expected {CurrentVersion}");
        if (ImageWidth < 1 || ImageHeight < 1) errors.Add($"image size {ImageWidth}x{ImageHeight}");
        var n = Positions.Length;
        if (n < DetectedFace.LandmarkCount) errors.Add($"{n} vertices, fewer than the {DetectedFace.LandmarkCount} landmarks");
        void Same(string name, int length)
        {
            if (length != n) errors.Add($"{name} has {length} entries for {n} vertices");
        }
        Same(nameof(Depth), Depth.Length);
        Same(nameof(HeadWeight), HeadWeight.Length);
        Same(nameof(JawWeight), JawWeight.Length);
        Same(nameof(UpperLipWeight), UpperLipWeight.Length);
        Same(nameof(BrowWeight), BrowWeight.Length);
        Same(nameof(LidFollowIndex), LidFollowIndex.Length);
        Same(nameof(LidFollowWeight), LidFollowWeight.Length);
        if (Triangles.Length % 3 != 0) errors.Add("triangle index count is not a multiple of 3");
        if (Triangles.Any(i => (uint)i >= (uint)n)) errors.Add("a triangle refers to a vertex that does not exist");
        if (LidFollowIndex.Any(i => i >= n)) errors.Add("a lid follower refers to a vertex that does not exist");
        return errors;
    }
}
