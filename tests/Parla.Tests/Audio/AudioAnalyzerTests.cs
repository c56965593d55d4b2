using System.Diagnostics;
using Parla.Audio;
using Parla.Media;

namespace Parla.Tests.Audio;

public sealed class AudioAnalyzerTests
{
    private const int Rate = 16000;

    // Frames within half a span (20 ms) of either end see the zero padding; known answers skip them.
    private const int EdgeFrames = 3;

    [Theory]
    [InlineData(80.0)]
    [InlineData(120.0)]
    [InlineData(200.0)]
    [InlineData(310.0)]
    [InlineData(450.0)]
    public void Sine_GivesItsFrequencyAsPitchAndFullVoicing(double frequencyHz)
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioTestData.Sine(frequencyHz, 1.0), Rate));

        foreach (var i in Middle(features))
        {
            // Parabolic interpolation of the autocorrelation peak: well within 1% of the true F0.
            Assert.InRange(features.PitchHz[i], frequencyHz * 0.99, frequencyHz * 1.01);
            Assert.InRange(features.Voicing[i], 0.98f, 1f);
            Assert.True(features.IsSpeech(i));
        }
    }

    [Fact]
    public void Sine200_HasItsLevelCentroidAndALowBandRatio()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioTestData.Sine(200, 1.0, amplitude: 0.5), Rate));

        foreach (var i in Middle(features))
        {
            // RMS of a 0.5-amplitude sine is 0.354: -9.03 dBFS; the window normalisation is exact to a few hundredths of a dB.
            Assert.InRange(features.EnergyDb[i], -9.2f, -8.85f);
            // Hann leakage spreads a few bins (31.25 Hz each) around 200 Hz.
            Assert.InRange(features.SpectralCentroidHz[i], 170f, 260f);
            Assert.True(features.BandRatioDb[i] > 30f, $"band ratio {features.BandRatioDb[i]} dB");
        }
    }

    [Fact]
    public void Silence_IsQuietInactiveAndUnvoiced()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(new float[Rate], Rate));

        Assert.Equal(100, features.FrameCount);
        Assert.All(features.EnergyDb, e => Assert.Equal(-120f, e));
        Assert.All(features.SpeechProbability, p => Assert.True(p < 0.01f));
        Assert.All(features.Voicing, v => Assert.Equal(0f, v));
        Assert.All(features.PitchHz, f => Assert.Equal(0f, f));
    }

    [Fact]
    public void ToneAfterQuietNoise_IsActiveOnlyWhereTheToneIs()
    {
        var noise = AudioTestData.WhiteNoise(1.0, seed: 3, rms: 0.001); // -60 dBFS room noise
        var tone = AudioTestData.Sine(200, 1.0, amplitude: 0.3);
        var features = AudioAnalyzer.Analyze(new AudioClip([.. noise, .. tone], Rate));

        for (var i = EdgeFrames; i < 100 - EdgeFrames; i++)
        {
            Assert.False(features.IsSpeech(i), $"frame {i} of the noise counted as voice");
        }

        for (var i = 100 + EdgeFrames; i < 200 - EdgeFrames; i++)
        {
            Assert.True(features.IsSpeech(i), $"frame {i} of the tone not counted as voice");
        }
    }

    [Fact]
    public void WhiteNoise_IsUnvoicedWithAHighCentroid()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioTestData.WhiteNoise(1.0, seed: 11, rms: 0.1), Rate));

        foreach (var i in Middle(features))
        {
            // Chance correlation over ~400-sample overlaps has a standard deviation near 0.05;
            // the best of 200 lags stays well below the voicing threshold.
            Assert.InRange(features.Voicing[i], 0f, 0.35f);
            Assert.Equal(0f, features.PitchHz[i]);
            // A flat spectrum from 0 to 8 kHz has its centroid at 4 kHz.
            // (slightly above, since the 60 Hz high-pass removes the lowest bins; one frame's periodogram wanders by a few hundred Hz).
            Assert.InRange(features.SpectralCentroidHz[i], 3400f, 4800f);
            // Flat spectrum: 800 Hz of low band against 5000 Hz of high band is -8 dB on average; one frame's periodogram varies by a few dB.
            Assert.True(features.BandRatioDb[i] < -2f, $"band ratio {features.BandRatioDb[i]} dB");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(159)]
    [InlineData(160)]
    [InlineData(161)]
    [InlineData(16000)]
    public void FrameCount_IsSamplesOverHopRoundedUp(int samples)
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioTestData.Sine(200, samples / (double)Rate), Rate));

        Assert.Equal((samples + 159) / 160, features.FrameCount);
        Assert.Equal(100.0, features.FrameRateHz);
    }

    [Fact]
    public void Streaming_InChunksOfAnySize_EqualsBatch()
    {
        // Long enough that the batch analysis splits its frames between threads and works in more
        // than one segment (8192 frames); the stream gets the clip's own (16-bit) samples.
        var clip = new AudioClip(Speechlike(seconds: 90.0, seed: 5), Rate);
        var samples = clip.ToFloats();
        var batch = AudioAnalyzer.Analyze(clip, degreeOfParallelism: 2);
        var serial = AudioAnalyzer.Analyze(clip, degreeOfParallelism: 1);
        Assert.Equal(serial.EnergyDb, batch.EnergyDb);
        Assert.Equal(serial.PitchHz, batch.PitchHz);

        var stream = new AudioFeatureStream(Rate);
        var random = new Random(17);
        var framesSeen = 0;
        for (var start = 0; start < samples.Length;)
        {
            var length = Math.Min(samples.Length - start, random.Next(1, 2000));
            stream.Push(samples.AsSpan(start, length));
            start += length;
            Assert.True(stream.FramesReady >= framesSeen, "frames are never taken back");
            framesSeen = stream.FramesReady;
        }

        var streamed = stream.Complete();

        Assert.Equal(batch.EnergyDb, streamed.EnergyDb);
        Assert.Equal(batch.SpeechProbability, streamed.SpeechProbability);
        Assert.Equal(batch.Voicing, streamed.Voicing);
        Assert.Equal(batch.PitchHz, streamed.PitchHz);
        Assert.Equal(batch.SpectralCentroidHz, streamed.SpectralCentroidHz);
        Assert.Equal(batch.BandRatioDb, streamed.BandRatioDb);
        Assert.Equal(batch.MidBandDb, streamed.MidBandDb);
        Assert.Equal(batch.SecondFormantHz, streamed.SecondFormantHz);
    }

    [Theory]
    [InlineData(90.0)] // more than one segment of frames (8192), ending within one
    [InlineData(3.3)]
    public async Task WhileDecoding_SamplesArrivingInPieces_EqualsBatch(double seconds)
    {
        // The samples are written to the file a random piece at a time, as ffmpeg's output arrives,
        // while the analysis reads what has arrived.
        var clip = new AudioClip(Speechlike(seconds, seed: 8), Rate);
        var pcm = clip.ToPcm16();
        using var file = AudioDecoder.NewTemporaryFile(Path.GetTempPath());
        var voice = new DecodingVoice(file, Rate);
        var analysis = Task.Run(() => AudioAnalyzer.AnalyzeWhileDecoding(voice));
        var random = new Random(3);
        for (var written = 0; written < pcm.Length;)
        {
            var piece = Math.Min(pcm.Length - written, random.Next(1, 40_000));
            RandomAccess.Write(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm.AsSpan(written, piece)), (long)written * sizeof(short));
            written += piece;
            voice.Arrived(written);
            if (random.Next(4) == 0) Thread.Sleep(1);
        }

        Assert.False(analysis.IsCompleted, "the analysis waits for the decoding's end");
        voice.Complete(pcm.Length);
        AssertSameFeatures(AudioAnalyzer.Analyze(clip), await analysis.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task WhileDecoding_AVoicesFirstSamples_AreAnalysedAsTheirSlice_WithoutWaitingForTheRest()
    {
        // A long voice's first chapter is analysed while the voice decodes; its features are those of
        // the chapter's own slice, and they do not wait for the decoding's end. A limit past the
        // voice's end is the whole voice.
        var clip = new AudioClip(Speechlike(30, seed: 9), Rate);
        var pcm = clip.ToPcm16();
        using var file = AudioDecoder.NewTemporaryFile(Path.GetTempPath());
        var voice = new DecodingVoice(file, Rate);
        var limit = (12 * Rate) + 123;
        var first = Task.Run(() => AudioAnalyzer.AnalyzeWhileDecoding(new ArrivingPrefix(voice, limit)));
        var whole = Task.Run(() => AudioAnalyzer.AnalyzeWhileDecoding(new ArrivingPrefix(voice, pcm.Length + 1)));
        var written = 0;
        foreach (var end in new[] { 5 * Rate, limit - 1, limit + 7, 20 * Rate })
        {
            RandomAccess.Write(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm.AsSpan(written, end - written)), (long)written * sizeof(short));
            written = end;
            voice.Arrived(written);
            if (end > limit) break;
            Thread.Sleep(20);
            Assert.False(first.IsCompleted, "the first samples' analysis waits for them");
        }

        // Done while the rest is still decoding.
        var firstFeatures = await first.WaitAsync(TimeSpan.FromSeconds(60));
        using (var slice = clip.Slice(0, limit))
        {
            AssertSameFeatures(AudioAnalyzer.Analyze(slice), firstFeatures);
        }

        RandomAccess.Write(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pcm.AsSpan(written)), (long)written * sizeof(short));
        Assert.False(whole.IsCompleted, "the whole voice's analysis waits for the decoding's end");
        voice.Complete(pcm.Length);
        AssertSameFeatures(AudioAnalyzer.Analyze(clip), await whole.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task WhileDecoding_AFailedDecoding_StopsTheAnalysis()
    {
        using var file = AudioDecoder.NewTemporaryFile(Path.GetTempPath());
        var voice = new DecodingVoice(file, Rate);
        var analysis = Task.Run(() => AudioAnalyzer.AnalyzeWhileDecoding(voice));
        voice.Arrived(0);
        voice.Fail();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => analysis.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    internal static void AssertSameFeatures(AudioFeatures expected, AudioFeatures actual)
    {
        Assert.Equal(expected.FrameCount, actual.FrameCount);
        Assert.Equal(expected.DurationSeconds, actual.DurationSeconds);
        Assert.Equal(expected.NoiseFloorDb, actual.NoiseFloorDb);
        Assert.Equal(expected.ActivityThresholdDb, actual.ActivityThresholdDb);
        Assert.Equal(expected.EnergyDb, actual.EnergyDb);
        Assert.Equal(expected.SpeechProbability, actual.SpeechProbability);
        Assert.Equal(expected.Voicing, actual.Voicing);
        Assert.Equal(expected.PitchHz, actual.PitchHz);
        Assert.Equal(expected.SpectralCentroidHz, actual.SpectralCentroidHz);
        Assert.Equal(expected.BandRatioDb, actual.BandRatioDb);
        Assert.Equal(expected.MidBandDb, actual.MidBandDb);
        Assert.Equal(expected.SecondFormantHz, actual.SecondFormantHz);
        Assert.Equal(expected.StruckNote, actual.StruckNote);
    }

    [Theory]
    [InlineData(700, 1200)] // "a"
    [InlineData(300, 2300)] // "ee"
    [InlineData(450, 900)]  // "o"
    public void SecondFormant_OfAVowel_IsWhereItsSecondResonanceIs(double f1, double f2)
    {
        // A 120 Hz voice whose harmonics are shaped by three resonances (the third at 2.6 kHz).
        var samples = new float[Rate];
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            double v = 0;
            for (var h = 1; h * 120 < 4000; h++)
            {
                var f = h * 120.0;
                var gain = (1 / (1 + Math.Pow((f - f1) / 80, 2))) + (0.5 / (1 + Math.Pow((f - f2) / 100, 2))) + (0.3 / (1 + Math.Pow((f - 2600) / 150, 2)));
                v += gain * Math.Sin(2 * Math.PI * f * t);
            }

            samples[n] = (float)(0.1 * v);
        }

        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var found = Middle(features).Select(i => features.SecondFormantHz[i]).ToArray();
        var median = found.Order().ElementAt(found.Length / 2);

        Assert.InRange(median, f2 - 120, f2 + 120);
        Assert.True(found.Count(hz => Math.Abs(hz - f2) <= 150) >= 0.9 * found.Length, $"second formant off in {found.Count(hz => Math.Abs(hz - f2) > 150)} of {found.Length} frames");
    }

    [Fact]
    public void MidBand_DropsWhereTheSecondAndThirdFormantsGo()
    {
        // "a" then a nasal murmur (the first resonance alone, 4 dB quieter): the whole level hardly
        // dips, the 1–3 kHz band by far more.
        var samples = new float[Rate];
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            var murmur = t >= 0.4 && t < 0.6;
            double v = 0;
            for (var h = 1; h * 120 < 4000; h++)
            {
                var f = h * 120.0;
                var upper = murmur ? 0.02 : 1.0;
                v += ((1 / (1 + Math.Pow((f - (murmur ? 250 : 700)) / 80, 2))) + (upper * 0.5 / (1 + Math.Pow((f - 1200) / 100, 2))) + (upper * 0.3 / (1 + Math.Pow((f - 2600) / 150, 2)))) * Math.Sin(2 * Math.PI * f * t);
            }

            samples[n] = (float)(0.1 * v * (murmur ? 0.63 : 1));
        }

        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var vowel = features.MidBandDb[20] - features.MidBandDb[50];
        var whole = features.EnergyDb[20] - features.EnergyDb[50];

        Assert.True(vowel >= 20, $"the 1–3 kHz band dips {vowel:F1} dB");
        Assert.True(whole < 8, $"the whole level dips {whole:F1} dB");
    }

    [Fact]
    public void LongInput_FrameFeaturesMatchThoseOfItsOwnBeginning()
    {
        // Three minutes: the frame-local features of the first 2 s do not depend on what follows.
        var minute = Speechlike(seconds: 60.0, seed: 8);
        var samples = new float[minute.Length * 3];
        for (var k = 0; k < 3; k++)
        {
            minute.CopyTo(samples, k * minute.Length);
        }

        var full = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var head = AudioAnalyzer.Analyze(new AudioClip(samples[..(2 * Rate)], Rate));

        Assert.Equal(18000, full.FrameCount);
        for (var i = 0; i < head.FrameCount - EdgeFrames; i++)
        {
            Assert.Equal(head.EnergyDb[i], full.EnergyDb[i]);
            Assert.Equal(head.PitchHz[i] > 0 ? head.PitchHz[i] : 0, full.Voicing[i] >= 0.5f && full.IsSpeech(i) ? full.PitchHz[i] : 0, 3);
            Assert.Equal(head.SpectralCentroidHz[i], full.SpectralCentroidHz[i]);
        }

        // The third repetition of the minute gives the same frame values as the first (buffers are
        // reused cleanly). Not bit-exact: the high-pass filter enters the repetition with a slightly
        // different state (the end of the previous minute instead of silence), a difference of
        // order 1e-7 relative, hence the tolerances.
        for (var i = EdgeFrames; i < 6000 - EdgeFrames; i++)
        {
            Assert.Equal(full.EnergyDb[i], full.EnergyDb[i + 12000], 0.01f);
            Assert.Equal(full.Voicing[i], full.Voicing[i + 12000], 1e-4f);
        }
    }

    [Fact]
    public void LibriVoxSpeech_HasPausesALowVoiceAndVowelLikeBandRatios()
    {
        var features = AudioAnalyzer.Analyze(AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav")));

        var active = Enumerable.Range(0, features.FrameCount).Count(features.IsSpeech) / (double)features.FrameCount;
        Assert.InRange(active, 0.5, 0.95);
        var pitches = features.PitchHz.Where(f => f > 0).Order().ToArray();
        Assert.True(pitches.Length > features.FrameCount / 4, $"only {pitches.Length} voiced frames");
        // The reader's harmonics (sox stat -freq) sit at multiples of about 95 Hz: a low voice.
        Assert.InRange(pitches[pitches.Length / 2], 80f, 130f);
        var voicedRatio = Enumerable.Range(0, features.FrameCount).Where(i => features.PitchHz[i] > 0).Average(i => features.BandRatioDb[i]);
        Assert.True(voicedRatio > 10, $"mean band ratio of voiced frames {voicedRatio} dB");
    }

    [Fact]
    public void Options_ReportEveryProblemTogether()
    {
        var options = new AudioAnalysisOptions { HopSeconds = 0, MinPitchHz = 600, VoicingThreshold = 2 };

        var errors = options.Validate(16000);

        Assert.Contains(errors, e => e.Contains(nameof(AudioAnalysisOptions.HopSeconds), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(nameof(AudioAnalysisOptions.MinPitchHz), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(nameof(AudioAnalysisOptions.VoicingThreshold), StringComparison.Ordinal));
        Assert.Empty(new AudioAnalysisOptions().Validate(16000));
        Assert.Throws<ArgumentException>(() => new AudioFeatureStream(16000, options));
    }

    [Fact]
    public void Fft_KnownAnswers()
    {
        var fft = new Fft(16);
        var re = new float[16];
        var im = new float[16];
        re[0] = 1;
        fft.Forward(re, im);
        Assert.All(re, v => Assert.Equal(1f, v, 1e-6f));
        Assert.All(im, v => Assert.Equal(0f, v, 1e-6f));

        for (var n = 0; n < 16; n++)
        {
            re[n] = MathF.Cos(2 * MathF.PI * 3 * n / 16);
            im[n] = 0;
        }

        fft.Forward(re, im);
        for (var k = 0; k < 16; k++)
        {
            Assert.Equal(k is 3 or 13 ? 8f : 0f, re[k], 1e-5f);
            Assert.Equal(0f, im[k], 1e-5f);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(64)]
    [InlineData(512)]
    public void Fft_MatchesTheDefinition_OnNoise(int size)
    {
        // Sizes whose later stages run a vector of butterflies at a time, and one too small for that.
        var re = NoiseFrame(size, seed: size);
        var im = NoiseFrame(size, seed: size + 100);
        var (inRe, inIm) = (re.ToArray(), im.ToArray());
        new Fft(size).Forward(re, im);
        for (var k = 0; k < size; k++)
        {
            var (sumRe, sumIm) = Transform(inRe, inIm, k);
            Assert.Equal(sumRe, re[k], 1e-4);
            Assert.Equal(sumIm, im[k], 1e-4);
        }
    }

    /// <summary>Uniform values in [−0.5, 0.5), from a seeded generator.</summary>
    private static float[] NoiseFrame(int size, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    }

    /// <summary>Bin <paramref name="k"/> of the discrete Fourier transform of (<paramref name="re"/>, <paramref name="im"/>), by its definition.</summary>
    private static (double Re, double Im) Transform(float[] re, float[] im, int k)
    {
        double sumRe = 0, sumIm = 0;
        for (var n = 0; n < re.Length; n++)
        {
            var angle = -2 * Math.PI * k * n / re.Length;
            sumRe += (re[n] * Math.Cos(angle)) - (im[n] * Math.Sin(angle));
            sumIm += (re[n] * Math.Sin(angle)) + (im[n] * Math.Cos(angle));
        }

        return (sumRe, sumIm);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(512)]
    public void RealFft_MatchesTheDefinition_OnNoise(int size)
    {
        // 64 and 512 take their bins eight at a time; 4 and 16 one at a time.
        var input = NoiseFrame(size, seed: size + 1);
        var re = new float[(size / 2) + 1];
        var im = new float[(size / 2) + 1];
        new RealFft(size).Forward(input, re, im);
        for (var k = 0; k <= size / 2; k++)
        {
            var (sumRe, sumIm) = Transform(input, new float[size], k);
            Assert.Equal(sumRe, re[k], 1e-4);
            Assert.Equal(sumIm, im[k], 1e-4);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(512)]
    public void RealFft_InverseGivesTheFrameBack(int size)
    {
        var frame = NoiseFrame(size, seed: size + 2);
        var re = new float[(size / 2) + 1];
        var im = new float[(size / 2) + 1];
        var fft = new RealFft(size);
        fft.Forward(frame, re, im);
        var back = new float[size];
        fft.Inverse(re, im, back);
        for (var n = 0; n < size; n++) Assert.Equal(frame[n], back[n], 1e-5f);
    }

    [Fact]
    public void RealFft_InverseOfOneBin_IsACosine()
    {
        // Bin 3 of 64 and its mirror: 2/64 · cos(2π · 3n/64).
        var re = new float[33];
        var im = new float[33];
        re[3] = 1;
        var back = new float[64];
        new RealFft(64).Inverse(re, im, back);
        for (var n = 0; n < 64; n++) Assert.Equal(2.0 / 64 * Math.Cos(2 * Math.PI * 3 * n / 64), back[n], 1e-6);
    }

    [Theory]
    [InlineData(75.0)]
    [InlineData(118.0)]
    [InlineData(190.0)]
    [InlineData(260.0)]
    [InlineData(333.0)]
    [InlineData(480.0)]
    public void PulseTrain_GivesItsFundamentalNotAMultipleOfItsPeriod(double frequencyHz)
    {
        // Glottal-like pulses: every harmonic as loud as the fundamental, so that the correlation is as
        // high at two periods as at one, and the pitch must come from the first of them.
        var samples = new float[Rate];
        var random = new Random(7);
        for (var n = 0; n < samples.Length; n++)
        {
            var phase = n * frequencyHz / Rate % 1.0;
            samples[n] = (float)((phase < 0.1 ? 0.5 * Math.Sin(Math.PI * phase / 0.1) : 0) + (0.01 * (random.NextDouble() - 0.5)));
        }

        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));

        foreach (var i in Middle(features))
        {
            Assert.InRange(features.PitchHz[i], frequencyHz * 0.99, frequencyHz * 1.01);
            Assert.InRange(features.Voicing[i], 0.9f, 1f);
        }
    }

    [Fact]
    public void TwoPassPitch_FindsTheBestCorrelationOfEveryLag_OnSpeech()
    {
        // The two passes look at the full rate only around the half rate's peaks; the voicing they give
        // is the best correlation over every lag, as a full search finds it, on nearly every frame.
        var options = new AudioAnalysisOptions { HighPassHz = 0 };
        using var clip = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav"));
        var samples = new float[clip.Length];
        clip.CopyTo(0, samples);
        var features = AudioAnalyzer.Analyze(clip, options);
        var window = (int)Math.Round(options.PitchWindowSeconds * Rate);
        var minLag = (int)Math.Floor(Rate / options.MaxPitchHz);
        var maxLag = (int)Math.Ceiling(Rate / options.MinPitchHz);
        int voiced = 0, close = 0;
        for (var i = EdgeFrames; i < features.FrameCount - EdgeFrames; i++)
        {
            var best = BestCorrelation(samples, (i * 160) - (window / 2), window, minLag, maxLag);
            Assert.True(features.Voicing[i] <= Math.Max(0, best) + 1e-4, $"frame {i}: voicing {features.Voicing[i]} above the full search's best {best}");
            if (best < options.VoicingThreshold) continue;
            voiced++;
            if (best - features.Voicing[i] < 0.001) close++;
        }

        Assert.True(voiced > 200, $"{voiced} voiced frames");
        // 534 of 536 here; with the full rate's lags looked at three lags off the candidates, 456.
        Assert.True(close >= 0.99 * voiced, $"the best correlation found on {close} of {voiced} voiced frames");
    }

    /// <summary>The largest normalised cross-correlation of the mean-removed frame at <paramref name="start"/> over the lags, by a full search.</summary>
    private static double BestCorrelation(float[] samples, int start, int length, int minLag, int maxLag)
    {
        var x = new double[length];
        for (var n = 0; n < length; n++)
        {
            var at = start + n;
            x[n] = at >= 0 && at < samples.Length ? samples[at] : 0;
        }

        var mean = x.Average();
        for (var n = 0; n < length; n++) x[n] -= mean;
        var best = double.NegativeInfinity;
        for (var lag = minLag; lag <= maxLag; lag++)
        {
            double products = 0, head = 0, tail = 0;
            for (var n = 0; n + lag < length; n++)
            {
                products += x[n] * x[n + lag];
                head += x[n] * x[n];
                tail += x[n + lag] * x[n + lag];
            }

            if (head * tail > 0) best = Math.Max(best, products / Math.Sqrt(head * tail));
        }

        return best;
    }

    /// <summary>Syllable-like bursts: a 180 Hz harmonic tone under a 5 Hz envelope, with a pause every second, over quiet noise.</summary>
    internal static float[] Speechlike(double seconds, int seed)
    {
        var noise = AudioTestData.WhiteNoise(seconds, seed, rms: 0.002);
        for (var n = 0; n < noise.Length; n++)
        {
            var t = (double)n / Rate;
            var envelope = Math.Max(0, Math.Sin(Math.PI * 5 * t)); // 5 syllables a second
            var phrase = (t % 2.0) < 1.4 ? 1.0 : 0.0; // 0.6 s pause every 2 s
            var f0 = 180 + (20 * Math.Sin(2 * Math.PI * 0.7 * t));
            var phase = 2 * Math.PI * f0 * t;
            var voice = (0.3 * Math.Sin(phase)) + (0.15 * Math.Sin(2 * phase)) + (0.08 * Math.Sin(3 * phase));
            noise[n] += (float)(envelope * phrase * voice);
        }

        return noise;
    }

    private static IEnumerable<int> Middle(AudioFeatures f) => Enumerable.Range(EdgeFrames, f.FrameCount - (2 * EdgeFrames));
}
