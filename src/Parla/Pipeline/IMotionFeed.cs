using Parla.Motion;

namespace Parla.Pipeline;

/// <summary>The motion as the renderer takes it, frame by frame: one voice's (<see cref="MotionFeed"/>) or a long voice's chapters' (<see cref="ChapteredFeed"/>).</summary>
internal interface IMotionFeed : IDisposable
{
    /// <summary>What moves the mouth and why, one phrase (<see cref="AnimateResult.Mouth"/>).</summary>
    string Mouth { get; }

    /// <summary>Frame <paramref name="index"/>, once it is known. Each frame is asked for once, in about the order of the video.</summary>
    FaceState Frame(int index, CancellationToken ct = default);

    /// <summary>How many phone decoders go on beside the renderer (see <see cref="MotionFeed.SetDecodersBesideRenderer"/>).</summary>
    void SetDecodersBesideRenderer(int decoders, bool waitForTheOthers, CancellationToken ct = default);

    /// <summary>The whole track, once every frame has been asked for.</summary>
    MotionTrack Complete();
}
