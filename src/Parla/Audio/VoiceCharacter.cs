namespace Parla.Audio;

/// <summary>Clip-level traits of a voice, from its features: how much of it is held, sung tone rather than speech.</summary>
public static class VoiceCharacter
{
    // Speech is voiced in syllable-long runs (0.1–0.3 s) with pitch gliding freely; singing holds
    // notes: 0.4 s and more whose pitch stays within about a semitone of where the note began (6 Hz
    // vibrato of ±2 % is a third of a semitone).
    private const double HeldRunSeconds = 0.4;
    private const double HeldSemitones = 1.0;

    // A note may be interrupted this long by frames off its pitch: an accompaniment's pluck or
    // strum pulls the pitch track to its own notes for a few frames. With this and octaves folded
    // (below), a sung melody over plucked chords struck every half second, 6 dB under the voice,
    // holds 0.98 of its voiced time in notes (0.48 before: under the bar, so it was taken for speech);
    // with the chords every second 0.95 (0.74). Speech stays far under the bar: the LibriVox clips
    // 0.00–0.24, the read with noise or reverb 0.00–0.09, espeak-ng English, German, Spanish and
    // French 0.00–0.11 (the old rule: 0.00–0.25).
    private const double NoteInterruptionSeconds = 0.05;

    // A note may lose its pitch track this long: under an accompaniment the track drops out of a sung
    // note for a frame or two. Longer gaps end the voiced run (a stop or a fricative between syllables).
    // A synthetic song (sung syllables over a kick, a hi-hat and plucked chords) with the accompaniment
    // 3 dB louder than the voice, as loud, 3 dB under: held share 0.36 → 0.54, 0.51 → 0.64,
    // 0.71 → 0.83 (the first was taken for speech). Speech: the LibriVox clips, a male voice, the read
    // with noise unchanged; with reverb 0.16 → 0.26 and 0.04 → 0.11; espeak-ng's flat synthetic
    // voices 0.00–0.11 → 0.06–0.31. At 50 ms (the off-pitch allowance) they rose to 0.32.
    private const double PitchDropoutSeconds = 0.02;

    /// <summary>Share, 0..1, of the voiced time that lies in held notes (at least 0.4 s at a steady pitch).</summary>
    public static double HeldNoteShare(AudioFeatures features)
    {
        var (voiced, held) = VoicedAndHeldFrames(features);
        return voiced == 0 ? 0 : (double)held / voiced;
    }

    /// <summary>
    /// Whether the clip sounds sung: most of its voiced time in held notes, and at least a second of
    /// them (a few notes the analysis could not tell from a piano's are no song).
    /// </summary>
    public static bool SoundsSung(AudioFeatures features)
    {
        var (voiced, held) = VoicedAndHeldFrames(features);
        return voiced > 0 && held >= 0.5 * voiced && held >= MinHeldSeconds * features.FrameRateHz;
    }

    private const double MinHeldSeconds = 1.0;

    /// <summary>The frames with a pitch and those of them in held notes.</summary>
    private static (int Voiced, int Held) VoicedAndHeldFrames(AudioFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var n = features.FrameCount;
        var pitch = features.PitchHz;
        var minNote = (int)Math.Ceiling(HeldRunSeconds * features.FrameRateHz);
        var maxInterruption = (int)Math.Round(NoteInterruptionSeconds * features.FrameRateHz);
        var maxDropout = (int)Math.Round(PitchDropoutSeconds * features.FrameRateHz);
        var voiced = 0;
        var held = 0;
        var i = 0;
        while (i < n)
        {
            if (pitch[i] <= 0)
            {
                i++;
                continue;
            }

            // A voiced run, through drop-outs of the pitch track up to PitchDropoutSeconds.
            var end = i;
            for (var gap = 0; end < n && gap <= maxDropout; end++)
            {
                gap = pitch[end] > 0 ? 0 : gap + 1;
            }

            while (pitch[end - 1] <= 0) end--;
            var run = pitch.AsSpan(i, end - i);
            foreach (var p in run) voiced += p > 0 ? 1 : 0;
            held += HeldFrames(run, minNote, maxInterruption);
            i = end;
        }

        return (voiced, held);
    }

    /// <summary>
    /// The frames of a voiced run that lie in notes: stretches of at least <paramref name="minNote"/>
    /// frames within a semitone (or octaves and a semitone) of the median of their first five,
    /// off-pitch frames allowed inside them for at most <paramref name="maxInterruption"/> in a row.
    /// </summary>
    private static int HeldFrames(ReadOnlySpan<float> pitch, int minNote, int maxInterruption)
    {
        var held = 0;
        Span<float> head = stackalloc float[5];
        var k = 0;
        while (k < pitch.Length)
        {
            if (pitch[k] <= 0)
            {
                k++;
                continue;
            }

            // The note: the median of its first five voiced frames.
            var count = 0;
            for (var j = k; j < pitch.Length && count < head.Length; j++)
            {
                if (pitch[j] > 0) head[count++] = pitch[j];
            }

            var start = head[..count];
            start.Sort();
            var note = start[count / 2];
            int last = k, off = 0;
            for (var j = k; j < pitch.Length; j++)
            {
                // An octave off is the same note: the pitch track of a voice over chords slips to the octave below.
                // A frame without pitch is off it too (a drop-out of the track, not a new note).
                var semitones = pitch[j] > 0 ? 12 * Math.Log2(pitch[j] / note) : double.NaN;
                if (Math.Abs(semitones - (12 * Math.Round(semitones / 12))) <= HeldSemitones)
                {
                    last = j;
                    off = 0;
                }
                else if (++off > maxInterruption)
                {
                    break;
                }
            }

            var length = last - k + 1;
            if (length >= minNote)
            {
                foreach (var p in pitch.Slice(k, length)) held += p > 0 ? 1 : 0;
            }

            k = Math.Max(k + 1, last + 1);
        }

        return held;
    }
}
