using System.Security.Cryptography;
using Parla.Face.Rig;

namespace Parla.Pipeline;

/// <summary>
/// Rigs built for portraits, kept in the cache (<see cref="ParlaCache"/>) by the image file's content,
/// its size in the video, the face chosen and this build of Parla: animating the same portrait again
/// skips the face models (about 0.35 s of CPU before the first frame). A rig read back is the rig
/// that was built, to the bit (JSON floats round-trip), so the video is the same either way. Rigs
/// built with a warning (an uncertain face, a larger face the mesh could not fit) are not kept: the
/// warning is said every time.
/// </summary>
internal static class PortraitRigCache
{
    /// <summary>Rigs kept at most; past it the least recently written go (a server sees a new portrait with every upload).</summary>
    internal const int MaxKept = 256;

    /// <summary>The cache file for this portrait and these options; null when the face is not detected (landmarks or a rig are given).</summary>
    public static string? PathFor(string imagePath, PortraitOptions options)
    {
        if (options.LandmarksPath is not null || options.RigPath is not null) return null;
        try
        {
            using var image = File.OpenRead(imagePath);
            var content = Convert.ToHexStringLower(SHA256.HashData(image).AsSpan(0, 16));
            var build = typeof(FaceRig).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];
            return Path.Combine(ParlaCache.Root(), "rigs",
                $"{content}-{options.MaxSidePixels}-{options.FaceIndex}-v{FaceRig.CurrentVersion}-{build}.json");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The rig kept at <paramref name="path"/>, or null (none kept, or unreadable: it is then built again).</summary>
    public static FaceRig? TryLoad(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try
        {
            return FaceRig.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Keeps <paramref name="rig"/> at <paramref name="path"/> (written beside it, then moved into place); a cache that cannot be written is left alone.</summary>
    public static void Save(string? path, FaceRig rig)
    {
        if (path is null) return;
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp"; // unique: jobs of one server may keep the same portrait at once
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            rig.Save(temporary);
            File.Move(temporary, path, overwrite: true);
            Prune(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Leaves the <paramref name="maxKept"/> most recently written rigs in <paramref name="folder"/>.</summary>
    internal static void Prune(string folder, int maxKept = MaxKept)
    {
        var kept = new DirectoryInfo(folder).GetFiles("*.json");
        if (kept.Length <= maxKept) return;
        foreach (var old in kept.OrderByDescending(f => f.LastWriteTimeUtc).Skip(maxKept))
        {
            try { old.Delete(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
