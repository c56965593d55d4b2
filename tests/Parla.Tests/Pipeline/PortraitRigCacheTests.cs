using Parla.Face;
using Parla.Face.Rig;
using Parla.Pipeline;

namespace Parla.Tests.Pipeline;

/// <summary>A portrait animated again takes its rig from the cache, the same rig; what cannot be cached is not.</summary>
public sealed class PortraitRigCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-rigcache-").FullName;
    private readonly List<string> _cached = [];

    public void Dispose()
    {
        foreach (var path in _cached) File.Delete(path);
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A copy of a test portrait no cache has seen: its bytes end with a fresh tail, which JPEG decoders ignore.</summary>
    private string FreshPortrait()
    {
        var path = Path.Combine(_dir, "portrait.jpg");
        var bytes = File.ReadAllBytes(TestData.Portrait("grace_hopper.jpg")).Concat(Guid.NewGuid().ToByteArray()).ToArray();
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Where the cache keeps this portrait's rig; the file is removed after the test.</summary>
    private string KeptPathFor(string portrait, PortraitOptions options)
    {
        var kept = PortraitRigCache.PathFor(portrait, options)!;
        _cached.Add(kept);
        return kept;
    }

    [Fact]
    public void TheSecondLoad_TakesTheRigKept_TheSameRigToTheBit()
    {
        var portrait = FreshPortrait();
        var options = new PortraitOptions { MaxSidePixels = 256 };
        var kept = KeptPathFor(portrait, options);
        Assert.False(File.Exists(kept));

        using var built = RiggedPortrait.Load(portrait, options, new FaceModelStore());
        Assert.True(File.Exists(kept), "the rig built was not kept");
        using var again = RiggedPortrait.Load(portrait, options, new FaceModelStore());

        static byte[] Json(FaceRig rig)
        {
            using var stream = new MemoryStream();
            rig.Save(stream);
            return stream.ToArray();
        }

        Assert.Equal(Json(built.Rig), Json(again.Rig));

        // It is the kept file that is read: a rig changed there comes back changed.
        var changed = FaceRig.Load(kept) with { SkinColor = new RigColor(1, 2, 3) };
        changed.Save(kept);
        using var third = RiggedPortrait.Load(portrait, options, new FaceModelStore());
        Assert.Equal(new RigColor(1, 2, 3), third.Rig.SkinColor);
    }

    [Fact]
    public void AnotherSizeOrFace_IsAnotherEntry_AndGivenLandmarksOrRigsAreNotCached()
    {
        var portrait = FreshPortrait();
        var at256 = PortraitRigCache.PathFor(portrait, new PortraitOptions { MaxSidePixels = 256 });
        var at512 = PortraitRigCache.PathFor(portrait, new PortraitOptions { MaxSidePixels = 512 });
        var face1 = PortraitRigCache.PathFor(portrait, new PortraitOptions { MaxSidePixels = 256, FaceIndex = 1 });

        Assert.Equal(3, new[] { at256, at512, face1 }.Distinct().Count());
        Assert.Null(PortraitRigCache.PathFor(portrait, new PortraitOptions { LandmarksPath = "given.json" }));
        Assert.Null(PortraitRigCache.PathFor(portrait, new PortraitOptions { RigPath = "given.rig.json" }));
        Assert.Null(PortraitRigCache.PathFor(Path.Combine(_dir, "missing.jpg"), new PortraitOptions()));
    }

    [Fact]
    public void AnUnreadableKeptRig_IsBuiltAgain()
    {
        var portrait = FreshPortrait();
        var options = new PortraitOptions { MaxSidePixels = 256 };
        var kept = KeptPathFor(portrait, options);
        Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
        File.WriteAllText(kept, "{ not a rig");

        Assert.Null(PortraitRigCache.TryLoad(kept));
        using var loaded = RiggedPortrait.Load(portrait, options, new FaceModelStore());
        Assert.Empty(loaded.Rig.Validate());
        Assert.NotNull(PortraitRigCache.TryLoad(kept));
    }

    [Fact]
    public void PastItsBound_TheLeastRecentlyWrittenRigsGo()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "rigs")).FullName;
        var start = DateTime.UtcNow.AddHours(-1);
        for (var k = 0; k < 5; k++)
        {
            var path = Path.Combine(folder, $"rig{k}.json");
            File.WriteAllText(path, "{}");
            File.SetLastWriteTimeUtc(path, start.AddMinutes(k));
        }

        File.WriteAllText(Path.Combine(folder, "other.txt"), "not a rig");
        PortraitRigCache.Prune(folder, maxKept: 3);

        Assert.Equal(["other.txt", "rig2.json", "rig3.json", "rig4.json"], Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order().ToArray());
    }
}
