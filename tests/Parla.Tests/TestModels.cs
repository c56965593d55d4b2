using Parla.Face;

namespace Parla.Tests;

/// <summary>
/// Files from the MediaPipe npm packages that tests read, through the library's own model store
/// (fetched with npm on first use). A test that cannot get them fails saying what is missing.
/// </summary>
internal static class TestModels
{
    private static readonly Lazy<string> FaceMeshPackage = new(() => new FaceModelStore().EnsureFaceMeshPackage());

    /// <summary>The path of <c>face_mesh.js</c> from the pinned face_mesh package.</summary>
    public static string FaceMeshJs() => Path.Combine(FaceMeshPackage.Value, "face_mesh.js");
}
