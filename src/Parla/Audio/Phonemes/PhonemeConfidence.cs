using System.Globalization;

namespace Parla.Audio.Phonemes;

/// <summary>
/// How well the English phone decoder explains a voice. Measured per clip over the frames that
/// hold voice (see <see cref="AudioFeatures.IsSpeech"/>).
/// </summary>
/// <param name="MeanAcousticScorePerFrame">Mean over voiced frames of the acoustic score per frame of the phone covering them.</param>
/// <param name="ActivityAgreement">Share of frames where "a speech phone is decoded" agrees with "the voice-activity track says voice", 0..1.</param>
/// <param name="PhonesPerSecond">Speech phones per second of voice: about 10–15 for speech, far fewer for held sung notes.</param>
/// <param name="LongestPhoneSeconds">The longest speech phone: speech rarely holds one over 0.3 s, singing does.</param>
/// <param name="VoiceSeconds">Seconds of voice in the clip.</param>
/// <param name="WordsPerSecond">Recognised words per second of voice: 2–4 for English speech.</param>
/// <param name="MeanLanguageScorePerWord">Mean trigram log-probability of the recognised words (decoder units): English word sequences score higher than the word salad a foreign language is heard as.</param>
/// <param name="VoiceCoverage">Share of the voice-activity track's voice frames that a decoded speech phone covers, 0..1: English is explained almost everywhere, a foreign language in patches.</param>
public sealed record PhonemeConfidence(
    double MeanAcousticScorePerFrame,
    double ActivityAgreement,
    double PhonesPerSecond,
    double LongestPhoneSeconds,
    double VoiceSeconds,
    double WordsPerSecond,
    double MeanLanguageScorePerWord,
    double VoiceCoverage)
{
    /// <summary>
    /// Whether the English path should drive the mouth. Measured (docs/visemes.md): of the voice the
    /// voice-activity track finds, the decoder covers with speech phones 1.00 of the LibriVox read,
    /// 0.98 with white noise about 15 dB under it, 1.00 with reverb; espeak-ng German 0.59, Spanish
    /// 0.55, French 0.44 (and an espeak English sentence it mishears, 0.37). The older measure, agreement
    /// both ways, mixed in the frames the activity track misses in noise (0.71 for the noisy read
    /// against German's 0.65). Noise loud enough to pass for voice everywhere is heard as a word salad
    /// of 11 words a second: English speech stays under 6 (the read at ×1.25 tempo: 4.3). A synthetic
    /// sung melody has 0.9 words and 2.5 phones a second: speech rate separates singing.
    /// </summary>
    public bool IsConfident => Doubt is null;

    /// <summary>Why the English path is not taken, in a few words; null where it is (<see cref="IsConfident"/>).</summary>
    public string? Doubt =>
        VoiceSeconds < 0.5 ? "too little voice to tell"
        : VoiceCoverage < 0.75 ? string.Create(CultureInfo.InvariantCulture, $"English words explain only {VoiceCoverage:0%} of it")
        : WordsPerSecond is < 1.8 or > 6 ? string.Create(CultureInfo.InvariantCulture, $"{WordsPerSecond:0.0} English words a second, not speech's 1.8–6")
        : PhonesPerSecond < 6 ? string.Create(CultureInfo.InvariantCulture, $"{PhonesPerSecond:0.0} phones a second, not speech's 6 or more")
        : MeanLanguageScorePerWord < -520 ? "its English words make no English sentences"
        : MeanAcousticScorePerFrame < FitsTheAcousticModelFrom ? "the English acoustic model fits the voice poorly"
        : null;

    /// <summary>
    /// The least <see cref="MeanAcousticScorePerFrame"/> of a voice the English acoustic model fits: its
    /// aligned phones' score per frame, against each frame's best senone (pocketsphinx normalises every
    /// frame to its best). Not a language test but a fit: where the model fits a voice poorly its words
    /// are misheard and their phones misplaced, and the acoustic path closes more of the lips. Measured
    /// on the 4-s prefix auto decides on: English voices −48.6 to −62.7 (the LibriVox read and clips, at
    /// tempo 0.85 and 1.25, with reverb, quiet, with noise, two semitones up or down; festival's and
    /// flite's slt). Under the bar: the read 5 semitones lower −64.5 to −65.0, 25 % higher and faster
    /// −65.8 to −65.9, made "female" −66.0, festival's Italian and Czech −66.1, espeak-ng en+f3 −72.3;
    /// bilabial onsets closed there (yardstick, astronaut) from the sound against English phones: 18 / 18,
    /// 18 / 16–17, 18 / 17 of 18, 33 / 34 of 38, 27 / 24 of 29, 25 / 21 of 29. festival's Catalan lies at
    /// −61.7 to −63.5 (by the resampler that made it 16 kHz) and stays English: 35 of 38 against 38.
    /// </summary>
    public const double FitsTheAcousticModelFrom = -64;

    /// <summary>
    /// Computes the measures from the decoded phones and words and the clip's features, over the frames
    /// from <paramref name="fromSeconds"/> (default: the start) until <paramref name="untilSeconds"/>
    /// (default: the end); <paramref name="phones"/> and <paramref name="words"/> are those of that stretch.
    /// </summary>
    public static PhonemeConfidence Measure(IReadOnlyList<Phone> phones, IReadOnlyList<Word> words, AudioFeatures features,
        double untilSeconds = double.PositiveInfinity, double fromSeconds = 0)
    {
        var n = features.FrameCount;
        while (n > 0 && features.TimeOf(n - 1) >= untilSeconds)
        {
            n--;
        }

        var rate = features.FrameRateHz;
        double scoreSum = 0;
        var voiced = 0;
        var agree = 0;
        var covered = 0;
        var p = 0;
        var first = 0;
        while (first < n && features.TimeOf(first) < fromSeconds)
        {
            first++;
        }

        for (var i = first; i < n; i++)
        {
            var t = features.TimeOf(i);
            while (p + 1 < phones.Count && phones[p].EndSeconds <= t)
            {
                p++;
            }

            var phoneIsSpeech = phones.Count > 0 && phones[p].StartSeconds <= t && !phones[p].IsSilence;
            var isVoice = features.IsSpeech(i);
            if (phoneIsSpeech == isVoice)
            {
                agree++;
            }

            if (isVoice)
            {
                voiced++;
                if (phoneIsSpeech)
                {
                    covered++;
                }

                if (phones.Count > 0)
                {
                    scoreSum += phones[p].AcousticScorePerFrame;
                }
            }
        }

        var speechPhones = phones.Where(ph => !ph.IsSilence).ToList();
        var voiceSeconds = voiced / rate;
        return new PhonemeConfidence(
            voiced > 0 ? scoreSum / voiced : 0,
            n > first ? (double)agree / (n - first) : 0,
            voiceSeconds > 0 ? speechPhones.Count / voiceSeconds : 0,
            speechPhones.Count > 0 ? speechPhones.Max(ph => ph.DurationSeconds) : 0,
            voiceSeconds,
            voiceSeconds > 0 ? words.Count / voiceSeconds : 0,
            words.Count > 0 ? words.Average(w => (double)w.LanguageScore) : 0,
            voiced > 0 ? (double)covered / voiced : 0);
    }
}
