namespace Parla.Server.Api;

/// <summary>
/// Reads a video's provenance (watermark, manifest) for <c>POST /api/verify</c>. The provenance stage
/// supplies the real one; until then <see cref="UnavailableVerifier"/> makes the endpoint answer 501.
/// </summary>
public interface IVideoVerifier
{
    /// <summary>Whether this build can verify at all.</summary>
    bool IsAvailable { get; }

    /// <summary>The JSON that <c>parla verify --json</c> prints for the video at <paramref name="videoPath"/>.</summary>
    /// <exception cref="InvalidInputException">The file is not a video that can be read.</exception>
    string VerifyJson(string videoPath, CancellationToken cancellationToken);
}

/// <summary>The verifier of a build without the provenance stage.</summary>
public sealed class UnavailableVerifier : IVideoVerifier
{
    public const string Message = "verification is not available yet in this version of Parla.";

    public bool IsAvailable => false;

    public string VerifyJson(string videoPath, CancellationToken cancellationToken) => throw new NotSupportedException(Message);
}
