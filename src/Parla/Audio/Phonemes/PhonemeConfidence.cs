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
public sealed record PhonemeConfidence(
    double MeanAcousticScorePerFrame,
    double ActivityAgreement,
    double PhonesPerSecond,
    double LongestPhoneSeconds,
    double VoiceSeconds,
    double WordsPerSecond,
    double MeanLanguageScorePerWord)
{
    /// <summary>
    /// Whether the English path should drive the mouth. Measured (docs/visemes.md): LibriVox English
    /// agrees 0.87–0.89 with the voice-activity track at 3.0–4.2 words a second; espeak-ng English
    /// 0.87, French 0.81, German 0.65 at about 3.2 words a second; a synthetic sung melody 0.94 but at
    /// 0.9 words and 2.5 phones a second. Speech rate separates singing cleanly; agreement separates
    /// only some languages (French passes as English: its phones then still close the lips on its
    /// p, b and m).
    /// </summary>
    public bool IsConfident =>
        VoiceSeconds >= 0.5 && ActivityAgreement >= 0.75 && WordsPerSecond >= 1.8 && PhonesPerSecond >= 6 && MeanLanguageScorePerWord >= -520;

    /// <summary>Computes the measures from the decoded phones and words and the clip's features.</summary>
    public static PhonemeConfidence Measure(IReadOnlyList<Phone> phones, IReadOnlyList<Word> words, AudioFeatures features)
    {
        var n = features.FrameCount;
        var rate = features.FrameRateHz;
        double scoreSum = 0;
        var voiced = 0;
        var agree = 0;
        var p = 0;
        for (var i = 0; i < n; i++)
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
            n > 0 ? (double)agree / n : 0,
            voiceSeconds > 0 ? speechPhones.Count / voiceSeconds : 0,
            speechPhones.Count > 0 ? speechPhones.Max(ph => ph.DurationSeconds) : 0,
            voiceSeconds,
            voiceSeconds > 0 ? words.Count / voiceSeconds : 0,
            words.Count > 0 ? words.Average(w => (double)w.LanguageScore) : 0);
    }
}
