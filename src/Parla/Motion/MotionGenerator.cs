using Parla.Audio;
using Parla.Audio.Phonemes;

namespace Parla.Motion;

/// <summary>
/// Turns audio features into a <see cref="MotionTrack"/>: the mouth follows the voice, the eyes
/// blink and glance, the head sways and nods. Same features, frame count and options (seed
/// included): the same track, bit for bit.
/// </summary>
public static class MotionGenerator
{
    /// <summary>
    /// Generates <paramref name="frameCount"/> face states at <see cref="MotionOptions.FramesPerSecond"/>
    /// (the caller gives ceil(duration × fps)). Frames past the end of the features are silence.
    /// </summary>
    public static MotionTrack Generate(AudioFeatures features, int frameCount, MotionOptions options) =>
        Generate(features, null, frameCount, options);

    /// <summary>
    /// As <see cref="Generate(AudioFeatures, int, MotionOptions)"/>, with the mouth from timed phones
    /// (visemes with coarticulation) when <paramref name="phones"/> is given, and from the acoustic
    /// model (any language, singing) when it is null.
    /// </summary>
    public static MotionTrack Generate(AudioFeatures features, IReadOnlyList<Phone>? phones, int frameCount, MotionOptions options)
    {
        var builder = new MotionBuilder(features, frameCount, options, fromPhones: phones is not null);
        if (phones is not null)
        {
            builder.Advance(phones, double.PositiveInfinity);
        }

        return builder.ToTrack();
    }

    /// <summary>Linear interpolation of <paramref name="curve"/> at a fractional index; 0 outside the curve (silence).</summary>
    internal static float Sample(float[] curve, double index)
    {
        if (curve.Length == 0 || index < 0 || index > curve.Length - 1)
        {
            return 0;
        }

        var i = (int)index;
        if (i >= curve.Length - 1)
        {
            return curve[^1];
        }

        var f = (float)(index - i);
        return curve[i] + ((curve[i + 1] - curve[i]) * f);
    }

    /// <summary>A per-model seed from the user's seed: a fixed mixing step (not <see cref="HashCode"/>, which differs between processes).</summary>
    internal static int DeriveSeed(int seed, int stream)
    {
        unchecked
        {
            var x = (uint)seed * 0x9E3779B1u;
            x ^= (uint)stream * 0x85EBCA6Bu;
            x ^= x >> 15;
            x *= 0xC2B2AE35u;
            x ^= x >> 13;
            return (int)(x & 0x7FFFFFFF);
        }
    }
}
