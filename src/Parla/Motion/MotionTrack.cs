namespace Parla.Motion;

/// <summary>The per-frame face states of a whole video.</summary>
public sealed class MotionTrack
{
    public MotionTrack(double framesPerSecond, FaceState[] frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(framesPerSecond, 0);
        FramesPerSecond = framesPerSecond;
        Frames = frames;
    }

    public double FramesPerSecond { get; }

    public FaceState[] Frames { get; }

    public int FrameCount => Frames.Length;
}
