using System.Globalization;

namespace Parla.Motion;

/// <summary>Settings of <see cref="MotionGenerator"/>; defaults give a calm, natural speaker at 25 frames per second.</summary>
public sealed record MotionOptions
{
    /// <summary>Video frames per second; default 25.</summary>
    public double FramesPerSecond { get; init; } = 25;

    /// <summary>Seed of every random choice (blink times, gaze, idle head motion): same inputs and seed, same track. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>How strongly the face acts, 0..2: scales jaw range, lip shapes, brows and prosodic nods; default 1.</summary>
    public double Expressiveness { get; init; } = 1;

    /// <summary>How much the head moves, 0 (still) .. 2; default 1 (roll ±2°, yaw ±3°, pitch ±2°).</summary>
    public double HeadMotion { get; init; } = 1;

    /// <summary>How the voice is performed (neutral, calm, happy, energetic, singing); default neutral.</summary>
    public MotionStyle Style { get; init; } = MotionStyle.Neutral;

    /// <summary>How far the mouth leads the sound, seconds; default 0.04 (mouth shapes form before the sound they make).</summary>
    public double MouthLeadSeconds { get; init; } = 0.04;

    /// <summary>Time constant of the jaw opening, seconds; default 0.03.</summary>
    public double JawAttackSeconds { get; init; } = 0.03;

    /// <summary>Time constant of the jaw closing, seconds; default 0.03 (it closes within the 50–80 ms of a nasal or a stop between syllables). The singing style closes twice as slowly, to hold its notes.</summary>
    public double JawReleaseSeconds { get; init; } = 0.03;

    /// <summary>Average blink rate, per minute; default 17 (people at rest blink 15–20 times a minute).</summary>
    public double BlinksPerMinute { get; init; } = 17;

    /// <summary>
    /// For each span of the features' frames (from, to): at how many of its frames the lips, not the tongue,
    /// close the sound (<see cref="Audio.Phonemes.LabialEvidence.LabialFrames"/>); the acoustic mouth then
    /// closes the lips on shallower murmurs than its formant rule alone trusts, and a sung voice's lips on
    /// its murmurs at all. Null: the formant rule alone.
    /// </summary>
    internal Func<IReadOnlyList<(int From, int To)>, int[]>? LabialFrames { get; init; }

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
        if (!(FramesPerSecond is >= 1 and <= 240))
        {
            errors.Add($"{nameof(FramesPerSecond)} must be in [1, 240] (got {F(FramesPerSecond)}).");
        }

        if (!(Expressiveness is >= 0 and <= 2))
        {
            errors.Add($"{nameof(Expressiveness)} must be in [0, 2] (got {F(Expressiveness)}).");
        }

        if (!(HeadMotion is >= 0 and <= 2))
        {
            errors.Add($"{nameof(HeadMotion)} must be in [0, 2] (got {F(HeadMotion)}).");
        }

        if (!(MouthLeadSeconds is >= -0.2 and <= 0.2))
        {
            errors.Add($"{nameof(MouthLeadSeconds)} must be in [-0.2, 0.2] (got {F(MouthLeadSeconds)}).");
        }

        if (!(JawAttackSeconds is > 0 and <= 0.5))
        {
            errors.Add($"{nameof(JawAttackSeconds)} must be in (0, 0.5] (got {F(JawAttackSeconds)}).");
        }

        if (!(JawReleaseSeconds is > 0 and <= 0.5))
        {
            errors.Add($"{nameof(JawReleaseSeconds)} must be in (0, 0.5] (got {F(JawReleaseSeconds)}).");
        }

        if (!(BlinksPerMinute is >= 0 and <= 60))
        {
            errors.Add($"{nameof(BlinksPerMinute)} must be in [0, 60] (got {F(BlinksPerMinute)}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid motion options: " + string.Join(" ", errors));
        }
    }
}
