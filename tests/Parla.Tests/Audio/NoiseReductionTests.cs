using Parla.Audio;

namespace Parla.Tests.Audio;

public sealed class NoiseReductionTests
{
    /// <summary>Voice-like bursts (a 150 Hz buzz with its harmonics, 0.3 s on, 0.2 s off) for 4 s.</summary>
    private static float[] Bursts()
    {
        var samples = new float[4 * 16000];
        for (var n = 0; n < samples.Length; n++)
        {
            if (n % 8000 >= 4800) continue;
            double x = 0;
            for (var h = 1; h <= 12; h++) x += Math.Sin(2 * Math.PI * 150 * h * n / 16000.0) / h;
            samples[n] = (float)(0.15 * x);
        }

        return samples;
    }

    private static short[] Pcm(float[] clean, float[] noise) =>
        clean.Select((x, i) => (short)Math.Clamp(Math.Round((x + noise[i]) * 32767), short.MinValue, short.MaxValue)).ToArray();

    /// <summary>Signal-to-error ratio of <paramref name="pcm"/> against <paramref name="clean"/>, in dB.</summary>
    private static double SignalToError(float[] clean, short[] pcm)
    {
        double signal = 0, error = 0;
        for (var i = 0; i < clean.Length; i++)
        {
            var c = clean[i] * 32767.0;
            signal += c * c;
            error += (pcm[i] - c) * (pcm[i] - c);
        }

        return 10 * Math.Log10(signal / error);
    }

    [Fact]
    public void FrameEnergies_EightAtATime_AreTheSumsOfOne_AndTheQuietestKeepFrameOrder()
    {
        // A real voice with digital silence before and after it (many frames of energy 0: ties) and a
        // length that leaves a part-filled block and fewer than eight frames at its end.
        var voice = Parla.Media.AudioDecoder.Decode(AudioTestData.Voice("librivox_0880.wav")).ToPcm16();
        var pcm = new short[16000 + voice.Length + 12345];
        voice.CopyTo(pcm, 16000);
        void Read(int start, Span<short> destination)
        {
            destination.Clear();
            var available = Math.Max(0, Math.Min(destination.Length, pcm.Length - start));
            pcm.AsSpan(start, available).CopyTo(destination);
        }

        var wide = NoiseReduction.FrameEnergies(pcm.Length, Read)!;
        var one = NoiseReduction.FrameEnergies(pcm.Length, Read, vectorized: false)!;
        Assert.Equal(one.Length, wide.Length);
        Assert.True(one.AsSpan().SequenceEqual(wide), "the energies differ");
        Assert.True(one.Count(e => e == 0) > 50 && one.Distinct().Count() > 100, $"{one.Count(e => e == 0)} silent frames, {one.Distinct().Count()} distinct energies of {one.Length}");

        var expected = Enumerable.Range(0, one.Length).OrderBy(f => one[f]).ThenBy(f => f).ToArray();
        Assert.Equal(expected, NoiseReduction.Quietest(one));
    }

    [Fact]
    public void NoisyVoice_IsFiltered_AndComesCloserToTheCleanOne()
    {
        var clean = Bursts();
        var pcm = Pcm(clean, AudioTestData.WhiteNoise(4, seed: 3, rms: 0.04));
        var before = SignalToError(clean, pcm);

        Assert.True(NoiseReduction.Apply(pcm, pcm.Length));
        var after = SignalToError(clean, pcm);
        Assert.True(after > before + 4, $"signal to error {before:0.0} dB before, {after:0.0} dB after");
    }

    [Fact]
    public void CleanVoice_IsLeftAsItIs()
    {
        var clean = Bursts();
        var pcm = Pcm(clean, AudioTestData.WhiteNoise(4, seed: 3, rms: 0.001));
        var copy = pcm.ToArray();

        Assert.False(NoiseReduction.Apply(pcm, pcm.Length));
        Assert.Equal(copy, pcm);
    }

    [Fact]
    public void SameNoisyPiece_IsFilteredTheSameEachTime()
    {
        var noisy = Pcm(Bursts(), AudioTestData.WhiteNoise(4, seed: 5, rms: 0.05));
        var a = noisy.ToArray();
        var b = noisy.ToArray();
        NoiseReduction.Apply(a, a.Length);
        NoiseReduction.Apply(b, b.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(noisy, a);
    }

    [Fact]
    public void NoisyClip_IsCleanedInATemporaryFile_AsTheSamplesWouldBeInMemory_AndACleanOneIsKept()
    {
        // Longer than a block of frames, so the clip is read and written in several.
        var clean = Enumerable.Repeat(Bursts(), 4).SelectMany(x => x).ToArray();
        var noisy = Pcm(clean, AudioTestData.WhiteNoise(16, seed: 9, rms: 0.04));
        using var clip = new Parla.Media.AudioClip(noisy.ToArray(), 16000);
        using var cleaned = NoiseReduction.Clean(clip);
        Assert.NotSame(clip, cleaned);
        Assert.True(NoiseReduction.Apply(noisy, noisy.Length));
        Assert.Equal(noisy, cleaned.ToPcm16());

        using var quiet = new Parla.Media.AudioClip(Pcm(clean, AudioTestData.WhiteNoise(16, seed: 9, rms: 0.001)), 16000);
        Assert.Same(quiet, NoiseReduction.Clean(quiet));
    }

    [Fact]
    public void LoudOverQuiet_FallsWithNoise_AndIsInfiniteForAVoiceTooShortToTell()
    {
        var clean = Enumerable.Repeat(Bursts(), 4).SelectMany(x => x).ToArray();
        double Measure(double noiseRms)
        {
            using var clip = new Parla.Media.AudioClip(Pcm(clean, AudioTestData.WhiteNoise(16, seed: 9, rms: noiseRms)), 16000);
            using var cleaned = NoiseReduction.Clean(clip, out var loudOverQuietDb);
            return loudOverQuietDb;
        }

        var quiet = Measure(0.001);
        var noisy = Measure(0.04);
        Assert.True(quiet > noisy + 10, $"{quiet:0.0} dB quiet, {noisy:0.0} dB noisy");
        using var tiny = new Parla.Media.AudioClip(new float[1000], 16000);
        Assert.Same(tiny, NoiseReduction.Clean(tiny, out var tinyDb));
        Assert.Equal(double.PositiveInfinity, tinyDb);
    }

    /// <summary>
    /// The LibriVox clips with white noise 11 dB under them: the voice-activity track (which closes
    /// the mouth in silence and finds the acoustic path's lip closures) agrees with the clean clip's
    /// on 93–95 % of frames once the voice is cleaned, on 52–85 % as it is.
    /// </summary>
    [Fact]
    public void NoisyVoice_Cleaned_KeepsTheVoiceActivityOfTheCleanOne()
    {
        double noisyAgreement = 0, cleanedAgreement = 0;
        var clips = Parla.Tests.Motion.LipSync.Clips;
        foreach (var name in clips)
        {
            using var clean = Parla.Media.AudioDecoder.Decode(AudioTestData.Voice($"librivox_{name}.wav"));
            using var noisy = Parla.Tests.Motion.VisemeAgreementTests.WithWhiteNoise(clean, snrDb: 11, seed: 3);
            using var cleaned = NoiseReduction.Clean(noisy);
            Assert.NotSame(noisy, cleaned);
            var reference = AudioAnalyzer.Analyze(clean);
            double Agreement(AudioFeatures features) =>
                Enumerable.Range(0, reference.FrameCount).Count(i => features.IsSpeech(i) == reference.IsSpeech(i)) / (double)reference.FrameCount;
            noisyAgreement += Agreement(AudioAnalyzer.Analyze(noisy)) / clips.Count;
            cleanedAgreement += Agreement(AudioAnalyzer.Analyze(cleaned)) / clips.Count;
        }

        Assert.True(cleanedAgreement >= 0.9 && noisyAgreement < 0.85, $"activity agreeing with the clean voice's: {noisyAgreement:P1} noisy, {cleanedAgreement:P1} cleaned");
    }

    /// <summary>A held sung note's quietest frames are the note: no noise to take away (it used to take the jaw from 0.92 to 0.42).</summary>
    [Fact]
    public void HeldSungNotes_AreNotTakenForNoise()
    {
        var held = Parla.Tests.Motion.MotionGeneratorTests.VibratoVowel(16.0);
        var legato = Enumerable.Range(0, 8).SelectMany(_ => Parla.Tests.Motion.MotionGeneratorTests.VibratoVowel(2.0, fadeSeconds: 0.02)).ToArray();
        foreach (var samples in new[] { held, legato })
        {
            using var clip = new Parla.Media.AudioClip(samples, 16000);
            Assert.Same(clip, NoiseReduction.Clean(clip));
        }
    }

    /// <summary>A held four-note chord (131, 262, 330, 392 Hz) with the RMS of <paramref name="like"/>.</summary>
    private static float[] HeldChord(float[] like)
    {
        var chord = Enumerable.Range(0, like.Length)
            .Select(n => (float)(Math.Sin(2 * Math.PI * 131 * n / 16000.0) + Math.Sin(2 * Math.PI * 262 * n / 16000.0) + Math.Sin(2 * Math.PI * 330 * n / 16000.0) + Math.Sin(2 * Math.PI * 392 * n / 16000.0)))
            .ToArray();
        var gain = (float)(Motion.MotionGeneratorTests.Rms(like) / Motion.MotionGeneratorTests.Rms(chord));
        return chord.Select(x => gain * x).ToArray();
    }

    private static double SpeechShare(AudioFeatures f) => (double)Enumerable.Range(0, f.FrameCount).Count(f.IsSpeech) / f.FrameCount;

    [Fact]
    public void AVoiceUnderAHeldChordAsLoud_IsFoundOnceTheSteadyChordIsTakenOut()
    {
        // The chord fills every pause, so the activity track takes it for the background and the
        // voice with it (voice in 1 % of the frames): the mouth stayed shut through the whole read.
        using var read = Parla.Media.AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        var voice = read.ToFloats();
        var chord = HeldChord(voice);
        var mix = voice.Select((x, i) => 0.5f * (x + chord[i])).ToArray();
        using var clip = new Parla.Media.AudioClip(mix, 16000);
        var before = AudioAnalyzer.Analyze(clip);
        Assert.True(SpeechShare(before) < 0.02, $"voice in {SpeechShare(before):P0} of the frames already");

        using var apart = NoiseReduction.WithoutSteadyBackground(clip);
        Assert.NotNull(apart);
        var after = AudioAnalyzer.Analyze(apart);
        Assert.InRange(SpeechShare(after), 0.3, 0.95);
    }

    [Fact]
    public void AHeldChordAlone_IsStillNoVoice_OnceTakenOut()
    {
        var chord = HeldChord(Enumerable.Repeat(0.05f, 5 * 16000).ToArray());
        using var clip = new Parla.Media.AudioClip(chord, 16000);
        using var apart = NoiseReduction.WithoutSteadyBackground(clip);
        var after = AudioAnalyzer.Analyze(apart ?? clip);
        Assert.True(SpeechShare(after) < 0.04, $"voice in {SpeechShare(after):P0} of a chord alone");
    }
}
