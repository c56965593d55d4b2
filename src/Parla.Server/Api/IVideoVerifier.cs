using Parla.Provenance;

namespace Parla.Server.Api;

/// <summary>Checks a video for Parla's traces, as <c>parla verify --json</c> does.</summary>
public interface IVideoVerifier
{
    /// <summary>Whether this build can verify at all.</summary>
    bool IsAvailable { get; }

    /// <summary>The JSON that <c>parla verify --json</c> prints for the video at <paramref name="videoPath"/>.</summary>
    /// <exception cref="InvalidInputException">The file is not a video that can be read.</exception>
    string VerifyJson(string videoPath, CancellationToken cancellationToken);
}

/// <summary>The provenance stage's verifier: watermark, embedded manifest, signature, stream hash.</summary>
public sealed class ProvenanceVerifier : IVideoVerifier
{
    public bool IsAvailable => true;

    public string VerifyJson(string videoPath, CancellationToken cancellationToken) =>
        Verifier.Verify(videoPath, null, cancellationToken: cancellationToken).ToJson();
}
