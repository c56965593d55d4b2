using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Tests.Rendering;

/// <summary>The two test portraits with their rigs, built once per test run.</summary>
internal static class RenderFixture
{
    public static readonly string[] Names = ["astronaut", "grace_hopper"];
    private static readonly Lazy<FaceTopology> LazyTopology = new(() => FaceTopology.Load(TestModels.FaceMeshJs()));
    private static readonly Dictionary<string, (Frame Image, FaceRig Rig)> Cache = [];
    private static readonly Lock Gate = new();

    public static FaceTopology Topology => LazyTopology.Value;

    /// <summary>The portrait of a fixture; <c>sylvie_anime_parla</c> is Sylvie with the landmarks Parla's own detector finds.</summary>
    public static string ImageFile(string name) => name == "astronaut" ? "astronaut.png" : name.StartsWith("sylvie_anime", StringComparison.Ordinal) ? "sylvie_anime.png" : "grace_hopper.jpg";

    /// <summary>The portrait (shared: do not dispose or modify) and its rig.</summary>
    public static (Frame Image, FaceRig Rig) Get(string name)
    {
        lock (Gate)
        {
            if (Cache.TryGetValue(name, out var hit)) return hit;
            var image = TestData.LoadImage(ImageFile(name));
            var rig = FaceRig.Build(TestData.ReadFace(name), image.Width, image.Height, Topology, image);
            return Cache[name] = (image, rig);
        }
    }
}
