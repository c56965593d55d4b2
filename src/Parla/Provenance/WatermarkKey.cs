using System.Security.Cryptography;
using System.Text;

namespace Parla.Provenance;

/// <summary>
/// The key that places and scrambles the watermark. <see cref="Project"/> is the one key every
/// Parla build uses: it is a project constant, public in the source code, not a per-user secret. It
/// keeps the mark from being found by chance or by a generic detector, but anyone who reads the
/// source can detect (and with effort, attack) it; the signed manifest, not the watermark, is what
/// proves a video was not altered.
/// </summary>
public sealed class WatermarkKey
{
    /// <summary>Name and version of the embedding scheme, recorded in manifests.</summary>
    public const string SchemeName = "parla-wm-v1";

    private readonly byte[] _secret;

    public WatermarkKey(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 16) throw new ArgumentException("A watermark key needs at least 16 bytes.", nameof(secret));
        _secret = secret.ToArray();
    }

    /// <summary>The Parla project key (see the class remarks: a constant, not a secret).</summary>
    public static WatermarkKey Project { get; } = new(Encoding.ASCII.GetBytes("parla-project-watermark-key/v1:7f3a9c21e84b05d6"));

    /// <summary>A 64-bit seed for one use of the key, so different layout parts draw independent sequences.</summary>
    internal ulong Seed(string purpose)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(purpose), mac);
        return BitConverter.ToUInt64(mac);
    }
}

/// <summary>SplitMix64: a small, fully specified generator, so the layout never depends on a runtime's Random.</summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n) (the modulo bias is below 2^-50 for the sizes used here).</summary>
    public int Below(int n) => (int)(Next() % (ulong)n);
}
