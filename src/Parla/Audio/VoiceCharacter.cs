namespace Parla.Audio;

/// <summary>Clip-level traits of a voice, from its features: how much of it is held, sung tone rather than speech.</summary>
public static class VoiceCharacter
{
    // Speech is voiced in syllable-long runs (0.1–0.3 s) with pitch gliding freely; singing holds
    // notes: voiced runs of 0.4 s and more whose pitch stays within about a semitone of its median
    // (6 Hz vibrato of ±2 % is a third of a semitone).
    private const double HeldRunSeconds = 0.4;
    private const double HeldSemitones = 1.0;

    /// <summary>Share, 0..1, of the voiced time that lies in held notes (voiced runs of at least 0.4 s at a steady pitch).</summary>
    public static double HeldNoteShare(AudioFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var n = features.FrameCount;
        var minRun = (int)Math.Ceiling(HeldRunSeconds * features.FrameRateHz);
        var voiced = 0;
        var held = 0;
        var i = 0;
        while (i < n)
        {
            if (features.PitchHz[i] <= 0)
            {
                i++;
                continue;
            }

            var end = i;
            while (end < n && features.PitchHz[end] > 0)
            {
                end++;
            }

            var length = end - i;
            voiced += length;
            if (length >= minRun && Steady(features.PitchHz.AsSpan(i, length)))
            {
                held += length;
            }

            i = end;
        }

        return voiced == 0 ? 0 : (double)held / voiced;
    }

    /// <summary>Whether the clip sounds sung: most of its voiced time in held notes.</summary>
    public static bool SoundsSung(AudioFeatures features) => HeldNoteShare(features) >= 0.5;

    private static bool Steady(ReadOnlySpan<float> pitch)
    {
        // 80 % of the frames within HeldSemitones of the run's median: a note, even with vibrato, or glides between notes.
        var sorted = pitch.ToArray();
        Array.Sort(sorted);
        var median = sorted[sorted.Length / 2];
        var near = 0;
        foreach (var f in pitch)
        {
            near += Math.Abs(12 * Math.Log2(f / median)) <= HeldSemitones ? 1 : 0;
        }

        return near >= 0.8 * pitch.Length;
    }
}
