namespace Parla.Audio;

/// <summary>
/// The frames of struck notes sounding with no voice: a piano's, a guitar's, a plucked string's. Such
/// a note starts at once and then only dies away, at its own exact pitch, until the next note is
/// struck or it is gone; a voice holds or swells its level and wavers in pitch (vibrato, drift), and
/// under a struck note it stops the decay where its own level is reached. The activity track and the
/// pitch track hear these notes as they hear a voice; <see cref="AudioFeatureStream"/> takes them out
/// of the voice (<see cref="AudioAnalysisOptions.SeparateStruckNotes"/>).
/// </summary>
internal static class StruckNotes
{
    // A note's onset: a local peak of the level at least this far above the level 20–30 ms before it.
    private const float OnsetRiseDb = 3f;

    // The decay: the level never rises more than this above its lowest since the peak...
    private const float DecayToleranceDb = 0.5f;

    // ...for at least this long, falling at least this fast on average (a piano's or a guitar's string
    // falls 10–30 dB a second after its attack; a singer's diminuendo, slower and never this smoothly).
    private const double MinDecaySeconds = 0.15;
    private const double MinDecayDbPerSecond = 8;

    // ...and falling from the start: at least this much in the first 0.1 s after the peak (a string
    // struck with a 0.8-s time constant, 1.1 dB). A steady synthetic vowel that then drops into a
    // murmur holds its level first: a plateau and a step, not a decay.
    private const float MinEarlyFallDb = 0.8f;
    private const double EarlyFallSeconds = 0.1;

    // The decay ends as a struck note's does: the next note struck (the level up this far within
    // 20 ms), or the sound gone; a voice under the note ends it by rising slowly, at its own level.
    private const float NextOnsetRiseDb = 3f;

    // A string holds its pitch to within a few cents; a voice under it moves the track more than this.
    private const double MaxPitchSpreadCents = 30;

    /// <summary>
    /// For each frame, whether it lies in a struck note sounding alone, from the frames' level
    /// (<paramref name="energy"/>, dB), voice activity (<paramref name="speechProbability"/>, a frame
    /// sounding from 0.5) and pitch (<paramref name="pitchHz"/>, 0 where none) at <paramref name="rate"/> frames a second.
    /// </summary>
    public static bool[] Find(float[] energy, float[] speechProbability, float[] pitchHz, double rate)
    {
        var n = energy.Length;
        bool Sounding(int frame) => speechProbability[frame] >= 0.5f;
        var minRun = Math.Max(2, (int)Math.Round(MinDecaySeconds * rate));
        var lead = Math.Max(1, (int)Math.Round(0.03 * rate));
        var early = Math.Max(1, (int)Math.Round(EarlyFallSeconds * rate));
        var struck = new bool[n];
        for (var peak = 0; peak < n - 1; peak++)
        {
            // Before the clip, silence: a note struck as it begins rises from nothing.
            var before = peak >= lead ? Math.Min(energy[peak - lead], energy[peak - lead + 1]) : float.NegativeInfinity;
            if ((peak > 0 && energy[peak] < energy[peak - 1]) || energy[peak] <= energy[peak + 1] || !Sounding(peak)
                || energy[peak] - before < OnsetRiseDb)
            {
                continue;
            }

            // Follow the decay while the level only falls (within the tolerance).
            var lowest = energy[peak];
            var end = peak + 1;
            for (; end < n && energy[end] <= lowest + DecayToleranceDb && Sounding(end); end++)
            {
                lowest = Math.Min(lowest, energy[end]);
            }

            var length = end - peak;
            if (length < minRun || (energy[peak] - lowest) / (length / rate) < MinDecayDbPerSecond
                || energy[peak] - energy[peak + early] < MinEarlyFallDb)
            {
                continue;
            }

            var endedStruck = end >= n || !Sounding(end)
                || (end + 2 < n && Math.Max(energy[end + 1], energy[end + 2]) - lowest >= NextOnsetRiseDb);
            if (!endedStruck || !HoldsItsPitch(pitchHz, peak + 2, end - 3))
            {
                continue;
            }

            for (var k = Math.Max(0, peak - lead); k < end; k++) struck[k] = true;
        }

        return struck;
    }

    /// <summary>
    /// Whether at least half the frames in [<paramref name="from"/>, <paramref name="to"/>) have a pitch and all of
    /// them lie within <see cref="MaxPitchSpreadCents"/> (the attack and the last frames, which already hear the next note, left out by the caller).
    /// </summary>
    private static bool HoldsItsPitch(float[] pitch, int from, int to)
    {
        double low = double.MaxValue, high = double.MinValue;
        var pitched = 0;
        for (var k = from; k < to; k++)
        {
            if (pitch[k] <= 0) continue;
            pitched++;
            var cents = 1200 * Math.Log2(pitch[k]);
            low = Math.Min(low, cents);
            high = Math.Max(high, cents);
        }

        return pitched > 0 && 2 * pitched >= to - from && high - low <= MaxPitchSpreadCents;
    }
}
