using Parla.Audio;

namespace Parla.Motion;

/// <summary>Mouth parameters at the feature frame rate, before the lead and the resampling to video frames.</summary>
internal sealed record MouthCurves(float[] JawOpen, float[] LipRound, float[] LipWidth, float[] LipPress)
{
    /// <summary>Closures whose lips the acoustic model is still to hear (<see cref="MouthModel.Compute"/> with deferLips), in time order.</summary>
    public IReadOnlyList<UnheardClosure> Unheard { get; init; } = [];

    /// <summary>
    /// The part of <see cref="LipPress"/> that the sound says is the lips' own: murmurs the formant rule or
    /// the acoustic model takes for the lips (not the quiet gaps, which a t or a k makes as well).
    /// </summary>
    public float[] LabialPress { get; init; } = [];
}

/// <summary>
/// A murmur the formant rule did not take: pressed over mouth frames <paramref name="First"/>..<paramref name="Last"/>
/// (widened to a hold) if the acoustic model hears the lips in at least <paramref name="Heard"/> of frames
/// <paramref name="From"/>..<paramref name="To"/>, and joined to a press up to <paramref name="Join"/> frames
/// before or after it (sung).
/// </summary>
internal readonly record struct UnheardClosure(int First, int Last, int From, int To, int Hold, float Amplitude, int Heard, int Join = 0)
{
    /// <summary>The first mouth frame its press can touch.</summary>
    public int EarliestFrame => Math.Max(0, MouthModel.HeldStart(First, Last, Hold) - Join);
}

/// <summary>
/// The murmurs of <paramref name="curves"/> still to be heard (<see cref="MouthCurves.Unheard"/>), asked of the
/// acoustic model in time order, and how far the curves are final meanwhile.
/// </summary>
internal sealed class LipHearing(MouthCurves curves, double rate)
{
    // Per murmur: the first mouth frame it or any murmur after it can press.
    private readonly int[] _firstTouched = FirstTouched(curves.Unheard);

    /// <summary>Murmurs heard so far, from the first.</summary>
    public int Heard { get; private set; }

    /// <summary>Murmurs still to be heard.</summary>
    public int Unheard => _firstTouched.Length - Heard;

    /// <summary>Mouth frames from the start that no murmur still unheard can press.</summary>
    public int FramesFinal => Heard < _firstTouched.Length ? _firstTouched[Heard] : curves.JawOpen.Length;

    /// <summary>Asks <paramref name="labialFrames"/> about the next <paramref name="count"/> murmurs and presses the lips where it hears them.</summary>
    public void Hear(Func<IReadOnlyList<(int From, int To)>, int[]> labialFrames, int count)
    {
        count = Math.Min(count, Unheard);
        if (count <= 0) return;
        MouthModel.PressWhereHeard(curves, curves.Unheard.Skip(Heard).Take(count).ToList(), labialFrames, rate);
        Heard += count;
    }

    /// <summary>Hears every murmur still unheard that can press a frame before <paramref name="frame"/>.</summary>
    public void HearBefore(Func<IReadOnlyList<(int From, int To)>, int[]> labialFrames, int frame)
    {
        var count = 0;
        while (Heard + count < _firstTouched.Length && _firstTouched[Heard + count] < frame) count++;
        Hear(labialFrames, count);
    }

    private static int[] FirstTouched(IReadOnlyList<UnheardClosure> murmurs)
    {
        var first = new int[murmurs.Count];
        for (var k = first.Length - 1; k >= 0; k--)
        {
            first[k] = Math.Min(murmurs[k].EarliestFrame, k + 1 < first.Length ? first[k + 1] : int.MaxValue);
        }

        return first;
    }
}

/// <summary>
/// The acoustic mouth model: jaw opening from the loudness envelope shaped by a vowel/fricative
/// cue, lip rounding and spreading from the spectral centroid, lip press at abrupt closures.
/// Everything is normalised per clip by percentiles, so a quiet and a loud recording of the same
/// words move the mouth alike.
/// </summary>
internal static class MouthModel
{
    // Energy percentiles (over active frames) that map to a closed and a fully open jaw. The 30th
    // percentile sits at the dips between syllables and at weak consonants (nasal murmurs, voice
    // bars), so those close the lips; the 95th leaves the loudest vowels just saturating. With the
    // 15th, together with a jaw closing at 60 ms, a parted-lip portrait closed at 54–74 % of the
    // bilabial onsets of espeak-ng German, Spanish and French (eval/other-languages.sh); with the
    // 30th and 30 ms, 82–100 %, the lips pressed no more often (docs/visemes.md).
    private const double ClosedPercentile = 30;

    // A song is not speech: its jaw holds the notes. Sung, the jaw closes at the 15th percentile and
    // half as fast, as speech did before it followed consonants: a note's swells (a singer's vibrato
    // moves the level by a few decibels) would otherwise flap it (MotionGeneratorTests).
    private const double SungClosedPercentile = 15;
    private const double SungReleaseFactor = 2;
    private const double OpenPercentile = 95;

    // Sung, the jaw opens where a pitch is heard: in at least this share of the frames within
    // SungPitchWindowSeconds (fully from the second share up). Chords and drums before, between and
    // under the notes carry no single pitch, and a mouth that opened on them sang the accompaniment.
    private const float SungPitchShareClosed = 0.15f;
    private const float SungPitchShareOpen = 0.5f;
    private const double SungPitchWindowSeconds = 0.05;
    private const float MinRangeDb = 12f;

    // The band-ratio cue: open vowels have most energy below 900 Hz (ratio +20..+40 dB), sibilants
    // and fricatives above 3 kHz (−10..−30 dB). The jaw factor moves from 0.45 to 1 around +5 dB.
    private const float CueCentreDb = 5f;
    private const float CueWidthDb = 5f;
    private const float FricativeJawFactor = 0.45f;

    /// <summary>
    /// The mouth's curves from the sound. Murmurs the formant rule does not take are asked of
    /// <see cref="MotionOptions.LabialFrames"/> at once, or with <paramref name="deferLips"/> left in
    /// <see cref="MouthCurves.Unheard"/> for the caller to hear later (<see cref="PressWhereHeard"/>).
    /// </summary>
    public static MouthCurves Compute(AudioFeatures features, MotionOptions options, bool deferLips = false)
    {
        var n = features.FrameCount;
        var jaw = new float[n];
        var round = new float[n];
        var width = new float[n];
        var press = new float[n];
        var labial = new float[n];
        var energy = features.EnergyDb;
        var activeSpan = features.SortedOverSpeech(energy);
        if (activeSpan.Length == 0)
        {
            return new MouthCurves(jaw, round, width, press) { LabialPress = labial };
        }

        var openDb = Statistics.PercentileOfSorted(activeSpan, OpenPercentile);
        // At least MinRangeDb between closed and open: a held note has almost no spread in level, and
        // must neither turn tiny wobbles into full swings nor map its own level to "closed".
        var singing = options.Style == MotionStyle.Singing;
        var closedDb = Math.Max(Math.Min(Statistics.PercentileOfSorted(activeSpan, singing ? SungClosedPercentile : ClosedPercentile), openDb - MinRangeDb), features.ActivityThresholdDb);
        openDb = Math.Max(openDb, closedDb + 1f);
        var gain = (float)(0.55 + (0.45 * options.Expressiveness)); // 1 at the default expressiveness

        var target = new float[n];
        var pitched = singing ? PitchedShare(features, SungPitchWindowSeconds) : null;
        for (var i = 0; i < n; i++)
        {
            var level = Math.Clamp((energy[i] - closedDb) / (openDb - closedDb), 0f, 1f);
            var vowelness = 1f / (1f + MathF.Exp(-(features.BandRatioDb[i] - CueCentreDb) / CueWidthDb));
            var cue = FricativeJawFactor + ((1 - FricativeJawFactor) * vowelness);
            target[i] = Math.Min(1f, level * cue * features.SpeechProbability[i] * gain);
            if (pitched is not null)
            {
                var u = Math.Clamp((pitched[i] - SungPitchShareClosed) / (SungPitchShareOpen - SungPitchShareClosed), 0f, 1f);
                target[i] *= u * u * (3 - (2 * u));
            }
        }

        // One-pole attack/release follower: opens quickly, closes a little slower, as a jaw does.
        var dt = 1.0 / features.FrameRateHz;
        var attack = (float)(1 - Math.Exp(-dt / options.JawAttackSeconds));
        var release = (float)(1 - Math.Exp(-dt / (options.JawReleaseSeconds * (singing ? SungReleaseFactor : 1))));
        var state = 0f;
        for (var i = 0; i < n; i++)
        {
            var k = target[i] > state ? attack : release;
            state += k * (target[i] - state);
            jaw[i] = state;
        }

        LipShapes(features, jaw, options, round, width);
        // The murmurs the formant rule does not take, for the acoustic model: heard now, or by the caller.
        var unheard = deferLips || options.LabialFrames is not null ? new List<UnheardClosure>() : null;
        LipPress(features, activeSpan, closedDb, openDb, options, jaw, press, labial, unheard);
        var curves = new MouthCurves(jaw, round, width, press) { Unheard = deferLips ? unheard! : [], LabialPress = labial };
        if (!deferLips && unheard is not null)
        {
            PressWhereHeard(curves, unheard, options.LabialFrames!, features.FrameRateHz);
        }

        return curves;
    }

    /// <summary>Asks <paramref name="labialFrames"/> about <paramref name="closures"/> and presses the lips of <paramref name="curves"/> over those it hears as the lips'.</summary>
    public static void PressWhereHeard(MouthCurves curves, IReadOnlyList<UnheardClosure> closures, Func<IReadOnlyList<(int From, int To)>, int[]> labialFrames, double rate)
    {
        if (closures.Count == 0) return;
        var heard = labialFrames(closures.Select(c => (c.From, c.To)).ToList());
        for (var k = 0; k < closures.Count; k++)
        {
            if (heard[k] < closures[k].Heard) continue;
            var (first, last, hold, amplitude, join) = (closures[k].First, closures[k].Last, closures[k].Hold, closures[k].Amplitude, closures[k].Join);
            foreach (var press in (float[][])[curves.LipPress, curves.LabialPress])
            {
                var pressed = PressAtLeast(press, first, last, hold, amplitude, rate);
                JoinNearPress(press, pressed.First, pressed.Last, join, amplitude);
            }
        }
    }

    /// <summary>
    /// Presses the lips from frames <paramref name="first"/>..<paramref name="last"/> (pressed) to the nearest
    /// frame within <paramref name="join"/> frames before or after them pressed at least half as hard, so that
    /// they do not open between the two.
    /// </summary>
    private static void JoinNearPress(float[] press, int first, int last, int join, float amplitude)
    {
        for (var k = first - 2; k >= Math.Max(0, first - join); k--)
        {
            if (press[k] >= amplitude / 2)
            {
                FillPressed(press, k, first, amplitude);
                break;
            }
        }

        for (var k = last + 2; k <= Math.Min(press.Length - 1, last + join); k++)
        {
            if (press[k] >= amplitude / 2)
            {
                FillPressed(press, last, k, amplitude);
                break;
            }
        }
    }

    private static void FillPressed(float[] press, int from, int to, float amplitude)
    {
        for (var k = from; k <= to; k++) press[k] = Math.Max(press[k], amplitude);
    }

    /// <summary>The share of frames within <paramref name="windowSeconds"/> either side of each frame in which a pitch is heard.</summary>
    private static float[] PitchedShare(AudioFeatures features, double windowSeconds)
    {
        var n = features.FrameCount;
        var half = Math.Max(1, (int)Math.Round(windowSeconds * features.FrameRateHz));
        var before = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            before[i + 1] = before[i] + (features.PitchHz[i] > 0 ? 1 : 0);
        }

        var share = new float[n];
        for (var i = 0; i < n; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(n, i + half + 1);
            share[i] = (float)(before[to] - before[from]) / (to - from);
        }

        return share;
    }

    /// <summary>
    /// A low spectral centroid in a voiced frame means low formants (o, u, w: rounded lips); a high
    /// one means front vowels (i, e: spread lips). Normalised by the clip's own centroid spread, and
    /// kept modest: the centroid is only a rough proxy for the second formant.
    /// </summary>
    private static void LipShapes(AudioFeatures features, float[] jaw, MotionOptions options, float[] round, float[] width)
    {
        var n = features.FrameCount;
        var logCentroids = new List<float>(n);
        for (var i = 0; i < n; i++)
        {
            if (features.PitchHz[i] > 0 && features.SpectralCentroidHz[i] > 0)
            {
                logCentroids.Add(MathF.Log(features.SpectralCentroidHz[i]));
            }
        }

        if (logCentroids.Count < 10)
        {
            return;
        }

        var sorted = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(logCentroids);
        Statistics.Sort(sorted);
        var median = Statistics.PercentileOfSorted(sorted, 50);
        var spread = Math.Max(0.2f, (Statistics.PercentileOfSorted(sorted, 90) - Statistics.PercentileOfSorted(sorted, 10)) / 2);
        var scale = (float)(0.5 + (0.5 * options.Expressiveness));
        var smoothing = (float)(1 - Math.Exp(-1.0 / (features.FrameRateHz * 0.08))); // 80 ms: lips change shape slower than the jaw
        float r = 0, w = 0;
        for (var i = 0; i < n; i++)
        {
            float targetRound = 0, targetWidth = 0;
            if (features.PitchHz[i] > 0 && features.SpectralCentroidHz[i] > 0)
            {
                var z = Math.Clamp((MathF.Log(features.SpectralCentroidHz[i]) - median) / spread, -1.5f, 1.5f);
                var presence = Math.Min(1f, 0.3f + (2 * jaw[i])); // rounding shows on a moving mouth
                targetRound = 0.35f * Math.Clamp(-z, 0f, 1f) * presence;
                targetWidth = (0.15f * Math.Clamp(z, 0f, 1f) * presence) - (0.3f * targetRound);
            }

            r += smoothing * (targetRound - r);
            w += smoothing * (targetWidth - w);
            round[i] = Math.Clamp(r * scale, 0f, 1f);
            width[i] = Math.Clamp(w * scale, -0.5f, 1f);
        }
    }

    /// <summary>
    /// A crude bilabial cue: inside a phrase, energy that falls sharply to near silence for 30–200 ms
    /// and then comes back is most often a stop closure (p, b) or an m; the lips press shut over it.
    /// </summary>
    private static void LipPress(AudioFeatures features, float[] sortedActiveEnergy, float closedDb, float openDb, MotionOptions options, float[] jaw, float[] press, float[] labial,
        List<UnheardClosure>? unheard)
    {
        var n = features.FrameCount;
        var energy = features.EnergyDb;
        var rate = features.FrameRateHz;
        var minFrames = Math.Max(1, (int)Math.Round(0.03 * rate));
        var maxFrames = (int)Math.Round(0.2 * rate);
        var dropFrames = Math.Max(1, (int)Math.Round(0.04 * rate));
        var loudDb = closedDb + (0.5f * (openDb - closedDb));
        // Full strength at the default expressiveness: at 0.8 a portrait photographed with parted lips
        // kept a gap (the yardstick on the LibriVox read, astronaut: 4/18 bilabial onsets shut, 14/18 at 1).
        var amplitude = (float)Math.Min(1.0, 0.8 + (0.2 * options.Expressiveness));
        var i = 1;
        while (i < n)
        {
            if (energy[i] >= closedDb || energy[i - 1] < closedDb)
            {
                i++;
                continue;
            }

            // A run of quiet frames starts at i; find its end.
            var end = i;
            while (end < n && energy[end] < closedDb)
            {
                end++;
            }

            var length = end - i;
            var sharpDrop = false;
            for (var k = Math.Max(0, i - dropFrames); k < i; k++)
            {
                sharpDrop |= energy[k] >= loudDb;
            }

            var resumes = end < n && features.IsSpeech(end);
            if (sharpDrop && resumes && length >= minFrames && length <= maxFrames)
            {
                // A closure is a hold: ramp in and out over 20 ms each, pressed in between, so that
                // even a 25 fps frame landing anywhere in a short gap sees the lips shut.
                HoldPressed(press, i, length, amplitude, rate);
            }

            i = end + 1;
        }

        // A sung note can swell and fade by several decibels within a vibrato cycle; there the rule
        // would flap the lips at 6 Hz, so singing keeps only the quiet gaps.
        if (options.Style != MotionStyle.Singing)
        {
            VoicedClosures(features, sortedActiveEnergy, amplitude, press);
            LabialMurmurs(features, amplitude, labial, unheard);
            for (var k = 0; k < n; k++)
            {
                press[k] = Math.Max(press[k], labial[k]);
            }
        }
        else
        {
            SungConsonants(features, jaw, amplitude, press);
            ReleaseAtRest(jaw, (int)Math.Round(0.1 * rate), press);
            // A sung m or b between two notes keeps its pitch, and the level hardly dips: the model alone
            // tells it from a swell of the note.
            LabialMurmurs(features, amplitude, labial, unheard, sung: true);
        }
    }

    /// <summary>
    /// A sung closure belongs to the notes around it: where the jaw has rested (under
    /// <see cref="SungOpenJaw"/>) for <paramref name="reach"/> frames on both sides — before the voice
    /// comes in, under an instrumental passage — no press is kept; it closed the lips on the band's beat.
    /// </summary>
    private static void ReleaseAtRest(float[] jaw, int reach, float[] press)
    {
        var n = jaw.Length;
        var nextOpen = new int[n];
        var next = int.MaxValue / 2;
        for (var k = n - 1; k >= 0; k--)
        {
            if (jaw[k] >= SungOpenJaw) next = k;
            nextOpen[k] = next;
        }

        var lastOpen = int.MinValue / 2;
        for (var k = 0; k < n; k++)
        {
            if (jaw[k] >= SungOpenJaw) lastOpen = k;
            if (k - lastOpen > reach && nextOpen[k] - k > reach) press[k] = 0;
        }
    }

    /// <summary>
    /// Sung, a consonant between two notes silences the voice for 30–200 ms; under an accompaniment
    /// that silence is no quiet gap (the band plays on), but the sung pitch stops. Where the pitch
    /// track stops that long between two stretches of pitch of at least 100 ms each, with the jaw open
    /// on a note on both sides (not the accompaniment's own pitch before the voice comes in), the lips
    /// press, as the quiet-gap rule presses them in a song sung alone.
    /// </summary>
    private static void SungConsonants(AudioFeatures features, float[] jaw, float amplitude, float[] press)
    {
        var n = features.FrameCount;
        var pitch = features.PitchHz;
        var rate = features.FrameRateHz;
        var minGap = Math.Max(1, (int)Math.Round(0.03 * rate));
        var maxGap = (int)Math.Round(0.2 * rate);
        var minNote = Math.Max(1, (int)Math.Round(0.1 * rate));
        var hold = Math.Max(1, (int)Math.Round(0.05 * rate));
        var pitchedBefore = 0;
        var i = 0;
        while (i < n)
        {
            if (pitch[i] > 0)
            {
                pitchedBefore++;
                i++;
                continue;
            }

            var end = i;
            while (end < n && pitch[end] <= 0) end++;
            var after = end;
            while (after < n && pitch[after] > 0 && after - end < minNote) after++;
            var length = end - i;
            if (pitchedBefore >= minNote && after - end >= minNote && length >= minGap && length <= maxGap
                && MaxOf(jaw, i - minNote, i) >= SungOpenJaw && MaxOf(jaw, end, end + minNote) >= SungOpenJaw)
            {
                PressAtLeast(press, i, end - 1, hold, amplitude, rate);
            }

            pitchedBefore = 0;
            i = end;
        }
    }

    /// <summary>
    /// The lip closures <see cref="VoicedClosures"/> cannot hear: an m or a b between vowels whose whole
    /// level hardly dips (a nasal murmur after a high vowel, as in "he might", dips 6 dB), but whose
    /// 1–3 kHz band drops by at least <see cref="MidBandDipDb"/> (less in a voice whose band has less range:
    /// <see cref="DipAskedOf"/>) — a closure, of the lips or the tongue.
    /// The lips are told apart from the tongue by the second formant at the closure's edges (the
    /// formant transitions that point to where the mouth closes): toward about 1 kHz for the lips,
    /// toward about 1.8 kHz for the tongue tip (n, d, t). Measured on the LibriVox read: the edges of
    /// m and b closures reach 830–1140 Hz where the full-band rule missed them, of n and d 1370 Hz
    /// and above (the rounded w of "woman", 1030 Hz, presses too). In higher voices an m's edges reach
    /// 1.4–1.7 kHz: a murmur the formants do not take (from a 6-dB dip on) is pressed where the acoustic
    /// model hears the lips: such murmurs go to <paramref name="unheard"/> (null: the formant rule alone).
    /// <paramref name="sung"/>: every murmur goes to the model, which must hear the lips in
    /// <see cref="SungLabialFrames"/> of its frames (a note's swells dip the band too).
    /// </summary>
    private static void LabialMurmurs(AudioFeatures features, float amplitude, float[] press, List<UnheardClosure>? unheard, bool sung = false)
    {
        var n = features.FrameCount;
        var mid = features.MidBandDb;
        var rate = features.FrameRateHz;
        var reach = Math.Max(2, (int)Math.Round(0.1 * rate));
        var maxFrames = (int)Math.Round(0.2 * rate);
        var hold = Math.Max(1, (int)Math.Round(0.05 * rate));
        var dipDb = DipAskedOf(features.SortedOverSpeech(mid), MidBandDipShare, MinMidBandDipDb, MidBandDipDb);
        var edgeFrames = Math.Max(1, (int)Math.Round(0.03 * rate));
        var nucleusFrames = Math.Max(1, (int)Math.Round(0.04 * rate));
        var heardReach = Math.Max(1, (int)Math.Round(0.02 * rate));
        for (var i = 1; i < n - 1; i++)
        {
            if (!MurmurMinimum(features, mid, i, reach, out var left, out var right))
            {
                continue;
            }

            var dip = Math.Min(left, right) - mid[i];
            // Sung, an m after a consonant ("and many") lies on a shelf above the closure before it: a
            // dip on one side will do, where the model hears the lips as in any sung murmur.
            var shelf = sung && unheard is not null && Math.Max(left, right) - mid[i] >= HeardLabialDipDb;
            if (dip < (unheard is not null ? Math.Min(dipDb, HeardLabialDipDb) : dipDb) && !shelf)
            {
                continue;
            }

            // The closure's edges: the last frame before it and the first after it within 6 dB of the band's level there.
            var from = i;
            while (from > 0 && mid[from] < left - 6) from--;
            var to = i;
            while (to < n - 1 && mid[to] < right - 6) to++;
            if (to - from - 1 > maxFrames)
            {
                continue;
            }

            // Each side: the formant at the closure's edge, and in the vowel beyond it; the lips pull it
            // down into the closure, a tongue tip after a back vowel pulls it up toward 1.8 kHz.
            var leftEdge = EdgeFormant(features, from - edgeFrames + 1, from);
            var leftVowel = EdgeFormant(features, from - (2 * nucleusFrames), from - nucleusFrames);
            var rightEdge = EdgeFormant(features, to, to + edgeFrames - 1);
            var rightVowel = EdgeFormant(features, to + nucleusFrames, to + (2 * nucleusFrames));
            var (edge, vowel) = leftEdge <= rightEdge ? (leftEdge, leftVowel) : (rightEdge, rightVowel);
            if (!sung && dip >= dipDb && edge < LabialLocusHz && (float.IsPositiveInfinity(vowel) || edge <= vowel + 50))
            {
                // The closure lies between its edges (the dip's depth keeps them apart).
                PressAtLeast(press, from + 1, to - 1, hold, amplitude, rate);
            }
            else
            {
                // The formants miss the lips in high voices; where the acoustic model hears them close
                // near the minimum, a shallower dip will do.
                // A sung press joins one that ends or starts close to it: two presses of one m opened the
                // lips for a video frame between them.
                unheard?.Add(new UnheardClosure(from + 1, to - 1, i - heardReach, i + heardReach, hold, amplitude,
                    sung ? SungLabialFrames : 1, sung ? (int)Math.Round(SungJoinSeconds * rate) : 0));
            }
        }
    }

    /// <summary>
    /// The dip a closure must show in a track (dB per frame) whose values over the voice's frames are
    /// <paramref name="sortedOverVoice"/> (<see cref="AudioFeatures.SortedOverSpeech"/>): <paramref name="share"/>
    /// of the spread between their 10th and 90th percentiles, clamped to
    /// [<paramref name="least"/>, <paramref name="most"/>]. Reverb, noise or a music bed fill the
    /// closures and squeeze that spread; a clean voice keeps the full <paramref name="most"/>.
    /// </summary>
    /// <remarks>
    /// Spreads (LibriVox read; with reverb; white noise; a piano 10–20 dB under it): the whole level
    /// 17.1 / 10.3–14.2 / 8.9 / 12–16 dB; the 1–3 kHz band 27.6 / 19–21 / 14 / 21–22 dB. Astronaut,
    /// acoustic path, bilabial onsets closed, presses a minute: the read with reverb `60 50 80`
    /// 13 → 18 of 18 (68 → 99), `40 50 60` 15 → 17 (107 → 121), with the piano 20 dB under 17 → 18
    /// (99 → 119), 10 dB under 14 → 14, white noise 15 → 16 (61 → 80); the clean read, four of the
    /// five LibriVox clips, espeak-ng English and German identical to the bit, Spanish one frame
    /// half-pressed, LibriVox 0890 alone (a narrower range) two presses more, near "to" and "rather". Of the presses
    /// added on those degraded reads about 80 % fall on m, b, p, v or w ("to be", "married", "made",
    /// "respectable", "himself"). Under 12 dB of band dip a held note's vibrato pressed the lips; at
    /// 0.6 of the band's spread the clean read lost a bilabial.
    /// </remarks>
    private static float DipAskedOf(float[] sortedOverVoice, float share, float least, float most)
    {
        if (sortedOverVoice.Length == 0) return most;
        var spread = Statistics.PercentileOfSorted(sortedOverVoice, 90) - Statistics.PercentileOfSorted(sortedOverVoice, 10);
        return Math.Clamp(share * spread, least, most);
    }

    /// <summary>The median second formant of the voiced frames in [<paramref name="from"/>, <paramref name="to"/>]; infinity where none has one.</summary>
    private static float EdgeFormant(AudioFeatures features, int from, int to)
    {
        Span<float> values = stackalloc float[Math.Max(0, to - from + 1)];
        var count = 0;
        for (var k = Math.Max(0, from); k <= Math.Min(features.FrameCount - 1, to); k++)
        {
            if (features.SecondFormantHz[k] > 0 && features.Voicing[k] >= 0.5f) values[count++] = features.SecondFormantHz[k];
        }

        if (count == 0) return float.PositiveInfinity;
        values = values[..count];
        values.Sort();
        return Statistics.PercentileOfSorted(values, 50);
    }

    /// <summary>
    /// The voiced closures the quiet-gap rule misses (m, b, and p between voiced sounds): inside speech
    /// the level dips by at least <see cref="VoicedDipDb"/> (less in a voice with less range: <see cref="DipAskedOf"/>) below the loudest frames within 100 ms on
    /// both sides, for 20–150 ms, and what sounds in the dip is a low murmur (energy below 900 Hz well
    /// above that over 3 kHz, as in a nasal or a voice bar; fricatives are the opposite). The lips
    /// press shut over the dip, held at least 50 ms so that a 25 fps frame sees it.
    /// </summary>
    private static void VoicedClosures(AudioFeatures features, float[] sortedActiveEnergy, float amplitude, float[] press)
    {
        var n = features.FrameCount;
        var energy = features.EnergyDb;
        var rate = features.FrameRateHz;
        var reach = Math.Max(2, (int)Math.Round(0.1 * rate));
        var minFrames = Math.Max(1, (int)Math.Round(0.02 * rate));
        var maxFrames = (int)Math.Round(0.15 * rate);
        var hold = Math.Max(1, (int)Math.Round(0.05 * rate));
        var dipDb = DipAskedOf(sortedActiveEnergy, VoicedDipShare, MinVoicedDipDb, VoicedDipDb);
        for (var i = 1; i < n - 1; i++)
        {
            if (!MurmurMinimum(features, energy, i, reach, out var left, out var right) || Math.Min(left, right) - energy[i] < dipDb)
            {
                continue;
            }

            // The dip: the frames around the minimum within 3 dB of it.
            int from = i, to = i;
            while (from > 0 && energy[from - 1] <= energy[i] + 3) from--;
            while (to < n - 1 && energy[to + 1] <= energy[i] + 3) to++;
            var length = to - from + 1;
            if (length < minFrames || length > maxFrames)
            {
                continue;
            }

            PressAtLeast(press, from, to, hold, amplitude, rate);
        }
    }

    /// <summary>
    /// Whether frame <paramref name="i"/> is a local minimum of <paramref name="track"/> inside speech
    /// with a low murmur sounding (energy below 900 Hz well above that over 3 kHz: a nasal or a voice
    /// bar, not a fricative); and the track's highest value within <paramref name="reach"/> frames on
    /// each side, for the dip's depth.
    /// </summary>
    private static bool MurmurMinimum(AudioFeatures features, float[] track, int i, int reach, out float left, out float right)
    {
        left = right = float.MinValue;
        if (!features.IsSpeech(i) || track[i] > track[i - 1] || track[i] > track[i + 1] || features.BandRatioDb[i] < MurmurBandRatioDb)
        {
            return false;
        }

        left = MaxOf(track, i - reach, i);
        right = MaxOf(track, i + 1, i + reach + 1);
        return true;
    }

    /// <summary>Presses the lips over frames <paramref name="first"/>..<paramref name="last"/>, widened about their middle to at least <paramref name="hold"/> frames so that a 25 fps frame sees the closure; the frames pressed.</summary>
    private static (int First, int Last) PressAtLeast(float[] press, int first, int last, int hold, float amplitude, double rate)
    {
        var length = last - first + 1;
        if (length < hold)
        {
            first = HeldStart(first, last, hold);
            length = Math.Min(hold, press.Length - first);
        }

        HoldPressed(press, first, length, amplitude, rate);
        return (first, first + length - 1);
    }

    /// <summary>Where a press over frames <paramref name="first"/>..<paramref name="last"/> starts once widened about its middle to <paramref name="hold"/> frames.</summary>
    internal static int HeldStart(int first, int last, int hold) =>
        last - first + 1 < hold ? Math.Max(0, ((first + last) / 2) - (hold / 2)) : first;

    /// <summary>The highest of <paramref name="values"/> in [<paramref name="from"/>, <paramref name="to"/>), clamped to the array; float.MinValue when empty.</summary>
    private static float MaxOf(float[] values, int from, int to)
    {
        var max = float.MinValue;
        for (var k = Math.Max(0, from); k < Math.Min(values.Length, to); k++) max = Math.Max(max, values[k]);
        return max;
    }

    /// <summary>Presses the lips over <paramref name="length"/> frames from <paramref name="from"/>, ramping in and out over 20 ms each (never lowering a press already there).</summary>
    private static void HoldPressed(float[] press, int from, int length, float amplitude, double rate)
    {
        var ramp = Math.Max(1.0, 0.02 * rate);
        for (var k = 0; k < length; k++)
        {
            var edge = Math.Min(k + 1, length - k) / ramp;
            press[from + k] = Math.Max(press[from + k], amplitude * (float)Math.Min(1.0, edge));
        }
    }

    private const float VoicedDipDb = 8f;
    private const float VoicedDipShare = 0.5f;
    private const float MinVoicedDipDb = 6f;
    private const float MurmurBandRatioDb = 10f;
    private const float MidBandDipDb = 20f;
    private const float MidBandDipShare = 0.75f;
    private const float MinMidBandDipDb = 12f;
    private const float SungOpenJaw = 0.3f;
    private const float LabialLocusHz = 1300f;
    private const float HeardLabialDipDb = 6f;

    // Of the five frames around a sung murmur, those the acoustic model must hear as the lips': a note's
    // tremolo dips its level six times a second, and the model heard the lips in one or two frames of
    // some dips of a synthetic "ah" (never three); a sung m or b: three to five.
    private const int SungLabialFrames = 3;

    /// <summary>A sung press this close (s) to another is joined to it.</summary>
    private const double SungJoinSeconds = 0.08;
}
