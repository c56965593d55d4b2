using System.Collections;
using Parla.Provenance;

namespace Parla.Tests.Provenance;

/// <summary>
/// One stamped and sealed 3-second clip of the astronaut portrait (512×512, 25 fps, label and
/// watermark, fixed manifest id), its unstamped twin, a second sealed clip with another payload,
/// and a signing key in a private config folder: made once for all the tests that need videos.
/// </summary>
public sealed class StampedClipFixture : IDisposable
{
    public const string ManifestId = "0123456789abcdef8899aabbccddeeff";
    public const ulong Payload = 0x0123456789abcdefUL;
    public const string OtherManifestId = "fedcba98765432100011223344556677";

    public StampedClipFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("prov-clips-").FullName;
        Environment = new Hashtable { ["PARLA_CONFIG_DIR"] = Path.Combine(Directory, "config") };
        Portrait = TestData.Portrait("astronaut.png");
        Marked = Path.Combine(Directory, "marked.mp4");
        Clean = Path.Combine(Directory, "clean.mp4");
        Other = Path.Combine(Directory, "other.mp4");
        Manifest = MakeSealed(Marked, ManifestId, 75);
        OtherManifest = MakeSealed(Other, OtherManifestId, 50);
        ProvenanceClips.Make(Portrait, Clean, 75, 25, null);
    }

    public string Directory { get; }
    public Hashtable Environment { get; }
    public string Portrait { get; }
    public string Marked { get; }
    public string Clean { get; }
    public string Other { get; }
    public Manifest Manifest { get; }
    public Manifest OtherManifest { get; }

    public ProvenanceOptions Options(string manifestId) => new()
    {
        ManifestId = manifestId,
        Environment = Environment,
        TimeProvider = new FixedTime(new DateTimeOffset(2025, 5, 1, 12, 0, 0, TimeSpan.Zero)),
    };

    private Manifest MakeSealed(string path, string manifestId, int frames)
    {
        var (w, h) = ProvenanceClips.VideoSize(Portrait);
        var stamp = new ProvenanceStamp(w, h, Options(manifestId));
        ProvenanceClips.Make(Portrait, path, frames, 25, stamp.Apply);
        var claims = ManifestClaims.ForInputs(Portrait, null, ConsentStatement.Create("I have the subject's written permission"),
            new Dictionary<string, string> { ["style"] = "neutral", ["fps"] = "25" });
        return stamp.Seal(path, claims);
    }

    /// <summary>A path in the fixture's folder for a derived video.</summary>
    public string PathFor(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

[CollectionDefinition(Name)]
public sealed class StampedClipCollection : ICollectionFixture<StampedClipFixture>
{
    public const string Name = "Stamped clip";
}
