using Microsoft.ML.OnnxRuntime;
using Parla.Face;
using Parla.Face.Models;

namespace Parla.Tests.Face;

[Collection(FaceModelsCollection.Name)]
public sealed class FaceModelStoreTests(FaceModelsFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-models-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ImportedModels_LoadInOnnxRuntime_WithTheDocumentedSignature()
    {
        // Sessions made here directly, as Parla's are: its telemetry off first (OnnxTelemetry).
        Parla.Face.OnnxTelemetry.Off();
        using (var detector = new InferenceSession(fixture.Models.DetectorPath))
        {
            Assert.Equal([1, 128, 128, 3], detector.InputMetadata["input"].Dimensions);
            Assert.Equal([1, 896, 16], detector.OutputMetadata["regressors"].Dimensions);
            Assert.Equal([1, 896, 1], detector.OutputMetadata["classificators"].Dimensions);
        }
        using var mesh = new InferenceSession(fixture.Models.MeshPath);
        Assert.Equal([1, 192, 192, 3], mesh.InputMetadata["input"].Dimensions);
        Assert.Equal([1, 1, 1, 1404], mesh.OutputMetadata["landmarks"].Dimensions);
        Assert.Equal([1, 1, 1, 1], mesh.OutputMetadata["face_flag"].Dimensions);
    }

    [Fact]
    public void FaceMeshPackage_HoldsTheTopologyScript()
    {
        Assert.True(File.Exists(Path.Combine(fixture.Models.FaceMeshPackageDirectory, "face_mesh.js")));
        Assert.Equal(fixture.Models.FaceMeshPackageDirectory, fixture.Store.EnsureFaceMeshPackage());
    }

    [Fact]
    public void PackedAssets_TableComesFromTheLoaderScript()
    {
        var loader = Path.Combine(fixture.Models.FaceMeshPackageDirectory, "face_mesh_solution_packed_assets_loader.js");
        var table = PackedAssets.ParseLoader(File.ReadAllText(loader), loader);
        var mesh = Assert.Single(table, a => a.FileName.EndsWith("/face_landmark.tflite", StringComparison.Ordinal));
        Assert.True(mesh.End - mesh.Start > 1_000_000, "the 468-point model is over 1 MB");
        Assert.Contains(table, a => a.FileName.EndsWith("/face_landmark_with_attention.tflite", StringComparison.Ordinal));
    }

    [Fact]
    public void DamagedCache_IsDetectedAndRebuilt()
    {
        // Seed a private cache with the already verified tarballs so that only the rebuild runs.
        var shared = fixture.Store.CacheDirectory;
        foreach (var package in new[] { FaceModelStore.FaceDetection, FaceModelStore.FaceMesh })
            File.Copy(Path.Combine(shared, package.FileStem + ".tgz"), Path.Combine(_dir, package.FileStem + ".tgz"));
        var store = new FaceModelStore(_dir);
        var first = store.EnsureModels();
        var good = File.ReadAllBytes(first.MeshPath);

        // A half-written model, a damaged package directory and a truncated tarball.
        File.WriteAllBytes(first.MeshPath, good.AsSpan(0, good.Length / 2).ToArray());
        File.Delete(Path.Combine(first.FaceDetectionPackageDirectory, "face_detection_short_range.tflite"));
        File.Delete(Path.Combine(first.FaceMeshPackageDirectory, ".parla-complete"));
        var tarball = Path.Combine(_dir, FaceModelStore.FaceDetection.FileStem + ".tgz");
        File.WriteAllBytes(tarball, File.ReadAllBytes(tarball).AsSpan(0, 1000).ToArray());

        var second = store.EnsureModels();
        Assert.Equal(good, File.ReadAllBytes(second.MeshPath));
        Assert.True(File.Exists(Path.Combine(second.FaceDetectionPackageDirectory, "face_detection_short_range.tflite")));
        Assert.True(File.Exists(Path.Combine(second.FaceMeshPackageDirectory, ".parla-complete")));
        Parla.Face.OnnxTelemetry.Off();
        using var session = new InferenceSession(second.MeshPath);
        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.tmp-*"));
        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.partial-*"));
    }

    [Fact]
    public async Task APreparedCacheWhoseLockCannotBeMade_IsReadAsItIs_AtOnce()
    {
        // A cache prepared once and then made read-only (a shared disk): its lock file cannot be made,
        // which was taken for another process holding it, and every run waited ten minutes. Here the
        // lock's path leads into a folder that does not exist, an error as final as a read-only disk's.
        var prepared = fixture.Store.CacheDirectory;
        foreach (var entry in Directory.GetFileSystemEntries(prepared).Where(e => Path.GetFileName(e) != ".lock"))
            File.CreateSymbolicLink(Path.Combine(_dir, Path.GetFileName(entry)), entry);
        File.CreateSymbolicLink(Path.Combine(_dir, ".lock"), Path.Combine(_dir, "no such folder", ".lock"));

        var models = await Task.Run(() => new FaceModelStore(_dir).EnsureModels()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(File.ReadAllBytes(fixture.Models.MeshPath), File.ReadAllBytes(models.MeshPath));
    }

    [Fact]
    public void CacheDirectory_FollowsParlaCacheDir()
    {
        var previous = Environment.GetEnvironmentVariable("PARLA_CACHE_DIR");
        try
        {
            Environment.SetEnvironmentVariable("PARLA_CACHE_DIR", _dir);
            Assert.Equal(Path.Combine(_dir, "models"), FaceModelStore.DefaultCacheDirectory());
            Assert.Equal(Path.Combine(_dir, "models"), new FaceModelStore().CacheDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PARLA_CACHE_DIR", previous);
        }
        Assert.Equal(Path.GetFullPath("/tmp/x"), new FaceModelStore("/tmp/x").CacheDirectory);
    }

    [Fact]
    public void NpmPackage_FileStemIsWhatNpmPackWrites() =>
        Assert.Equal("mediapipe-face_mesh-0.4.1657299874", FaceModelStore.FaceMesh.FileStem);
}
