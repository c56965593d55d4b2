using Parla.Audio;
using Parla.Audio.Phonemes;
using Parla.Media;
using Parla.Motion;
using Parla.Tests.Audio;
using Xunit.Abstractions;

namespace Parla.Tests.Motion;

public sealed class VisemeTests(ITestOutputHelper output)
{
    private const int Rate = 16000;

    [Theory]
    [InlineData("P", Viseme.PP)]
    [InlineData("B", Viseme.PP)]
    [InlineData("M", Viseme.PP)]
    [InlineData("F", Viseme.FF)]
    [InlineData("V", Viseme.FF)]
    [InlineData("DH", Viseme.TH)]
    [InlineData("T", Viseme.DD)]
    [InlineData("NG", Viseme.Kk)]
    [InlineData("SH", Viseme.CH)]
    [InlineData("Z", Viseme.SS)]
    [InlineData("L", Viseme.Nn)]
    [InlineData("ER", Viseme.RR)]
    [InlineData("AA1", Viseme.Aa)]
    [InlineData("EY", Viseme.E)]
    [InlineData("IY", Viseme.Ih)]
    [InlineData("OW", Viseme.Oh)]
    [InlineData("W", Viseme.Ou)]
    [InlineData("SIL", Viseme.Sil)]
    [InlineData("+NSN+", Viseme.Sil)]
    public void Arpabet_MapsToOculusVisemes(string phone, Viseme expected) => Assert.Equal(expected, VisemeMap.Of(phone));

    [Fact]
    public void EveryArpabetPhone_HasASpeechViseme()
    {
        string[] phones = ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"];
        Assert.All(phones, p => Assert.NotEqual(Viseme.Sil, VisemeMap.Of(p)));
    }

    [Fact]
    public void KnownPhoneTiming_GivesTheShapesAtTheirTimes_LeadingTheSound()
    {
        // "ma-poo" on a steady voiced tone: m 0.50–0.58, aa 0.58–0.80, p 0.80–0.86, uw 0.86–1.10.
        var voice = Voiced(1.6);
        Array.Clear(voice, 0, (int)(0.5 * Rate));
        Array.Clear(voice, (int)(1.1 * Rate), voice.Length - (int)(1.1 * Rate));
        var features = AudioAnalyzer.Analyze(new AudioClip(voice, Rate));
        Phone[] phones =
        [
            new("SIL", 0, 0.5, 0), new("M", 0.5, 0.58, 0), new("AA", 0.58, 0.8, 0), new("P", 0.8, 0.86, 0),
            new("UW", 0.86, 1.1, 0), new("SIL", 1.1, 1.6, 0),
        ];
        var options = new MotionOptions { FramesPerSecond = 100 };
        var track = MotionGenerator.Generate(features, phones, 160, options);
        FaceState At(double t) => track.Frames[(int)Math.Round((t - options.MouthLeadSeconds) * 100)];

        Assert.True(At(0.2).JawOpen < 0.02f, "silence keeps the mouth closed");
        foreach (var closure in new[] { 0.54, 0.83 })
        {
            Assert.Equal(1f, At(closure).LipPress);
            Assert.True(At(closure).JawOpen <= 0.02f, $"jaw {At(closure).JawOpen} at the closure {closure}");
        }

        Assert.True(At(0.7).JawOpen > 0.3f, $"aa opens the jaw ({At(0.7).JawOpen})");
        Assert.True(At(0.7).LipRound < 0.1f);
        Assert.True(At(1.0).LipRound > 0.5f, $"uw rounds the lips ({At(1.0).LipRound})");
        Assert.True(At(1.0).JawOpen < At(0.7).JawOpen);
        // Coarticulation: rounding for the uw begins before the p releases into it.
        Assert.True(At(0.84).LipRound > 0.1f, $"anticipatory rounding {At(0.84).LipRound}");
        Assert.True(At(1.5).JawOpen < 0.02f && At(1.5).LipRound < 0.02f, "the mouth closes again in the pause");
    }

    [Fact]
    public void SilentPhones_KeepTheMouthClosed()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(new float[2 * Rate], Rate));
        var track = MotionGenerator.Generate(features, [new Phone("SIL", 0, 2, 0)], 50, new MotionOptions());
        Assert.All(track.Frames, s => Assert.True(s.JawOpen == 0 && s.LipPress == 0 && s.LipRound == 0));
    }

    [Fact]
    public void SustainedVowelWithVibrato_SoundsSung_SpeechDoesNot()
    {
        var sung = AudioAnalyzer.Analyze(new AudioClip(Voiced(3.0, vibratoHz: 6), Rate));
        var speech = AudioAnalyzer.Analyze(AudioDecoder.Decode(TestData.Voice("librivox_0870.wav")));

        Assert.True(VoiceCharacter.SoundsSung(sung), $"held share {VoiceCharacter.HeldNoteShare(sung):0.00}");
        Assert.False(VoiceCharacter.SoundsSung(speech), $"held share {VoiceCharacter.HeldNoteShare(speech):0.00}");
    }

    [Fact]
    public void EnglishRead_IsConfidentEnglish_AndDecodesTheSameOnOneThreadOrTwo()
    {
        var clip = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        var features = AudioAnalyzer.Analyze(clip);
        // Short pieces, so that even this 7 s clip is cut and decoded in parallel.
        var options = new PhonemeAnalysisOptions { MinPieceSeconds = 1.5, MinPauseSeconds = 0.05 };

        var reports = new System.Collections.Concurrent.ConcurrentBag<(int Done, int Total)>();
        var two = PhonemeAnalyzer.Analyze(clip, features, options with { DegreeOfParallelism = 2 }, piecesDone: (d, t) => reports.Add((d, t)));
        var one = PhonemeAnalyzer.Analyze(clip, features, options with { DegreeOfParallelism = 1 });

        var pieces = PhonemeAnalyzer.Cut(features, clip.Length, options).Count;
        Assert.True(pieces >= 2);
        // Progress: one report per piece, the counts 1..pieces, each of the same total.
        Assert.Equal(Enumerable.Range(1, pieces), reports.Select(r => r.Done).Order());
        Assert.All(reports, r => Assert.Equal(pieces, r.Total));
        Assert.Equal(one.Phones, two.Phones);
        Assert.True(two.Confidence.IsConfident, two.Confidence.ToString());
        Assert.Contains(two.Words, w => w.Text == "consider");
    }

    [Fact]
    public void DecodingInPrefixes_GivesTheWholeTrack_WhateverThreadsGoOnAfterThePrefix()
    {
        var clip = AudioDecoder.Decode(TestData.Voice("librivox_0870.wav"));
        var features = AudioAnalyzer.Analyze(clip);
        var options = new PhonemeAnalysisOptions { MinPieceSeconds = 1.5, MinPauseSeconds = 0.05, DegreeOfParallelism = 2 };
        var whole = PhonemeAnalyzer.Analyze(clip, features, options);

        foreach (var after in new[] { 1, 2 })
        {
            using var decoding = PhonemeAnalyzer.Start(clip, features, options with { ParallelPrefixVoiceSeconds = 2 });
            Assert.InRange(decoding.ParallelPieces, 1, decoding.PieceCount - 1);
            // The prefix both threads decode is there before anyone says how many go on.
            var prefix = decoding.WaitForPrefix(decoding.ParallelPieces);
            Assert.True(prefix.PieceCount >= decoding.ParallelPieces && !prefix.IsComplete);
            Assert.Equal(whole.Phones.Take(prefix.Phones.Count), prefix.Phones);
            Assert.Equal(prefix.EndSeconds, prefix.Phones[^1].EndSeconds, 6);
            // Asked for the phones after those already seen, it gives just those.
            var later = decoding.WaitForPrefix(decoding.ParallelPieces, phonesFrom: 5);
            Assert.Equal(5, later.FirstPhone);
            Assert.Equal(whole.Phones.Skip(5).Take(later.Phones.Count), later.Phones);
            decoding.SetThreadsAfterPrefix(after);
            // Those told to stop have stopped (and freed their recognisers) once the wait returns.
            decoding.WaitForThreadsAtMost(after);
            Assert.InRange(decoding.ThreadsDecoding, 0, after);
            var track = decoding.Complete();
            Assert.Equal(whole.Phones, track.Phones);
            Assert.Equal(whole.Words, track.Words);
            Assert.Equal(whole.Confidence, track.Confidence);
        }
    }

    [Fact]
    public void PrefixThatDecidesTheLanguage_IsCutInShortPieces_TheRestInLongOnes()
    {
        var samples = LibriVoxRead();
        using var clip = new AudioClip(samples, 16000);
        var features = AudioAnalyzer.Analyze(clip);
        var options = new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = 4 };

        var pieces = PhonemeAnalyzer.Cut(features, clip.Length, options).Select(p => p.Length / 16000.0).ToList();
        var plain = PhonemeAnalyzer.Cut(features, clip.Length, new PhonemeAnalysisOptions()).Select(p => p.Length / 16000.0).ToList();
        using var decoding = PhonemeAnalyzer.Start(clip, features, options);
        var prefix = decoding.ParallelPieces;

        // Both cores get a piece of the prefix, none longer than 3 s; after it, pieces of 4 s or more (the last may be shorter).
        Assert.InRange(prefix, 2, pieces.Count - 1);
        Assert.All(pieces.Take(prefix), seconds => Assert.InRange(seconds, 0.5, 3.0));
        Assert.All(pieces.Skip(prefix).SkipLast(1), seconds => Assert.True(seconds >= 4, string.Join(", ", pieces)));
        Assert.True(plain[0] > 3, $"without a prefix the first piece is a long one ({plain[0]:0.0} s)");
        Assert.Equal(clip.DurationSeconds, pieces.Sum(), 3);
    }

    [Fact]
    public void PrefixOfASoundWithLittleVoice_EndsAfterThriceItsVoiceSeconds_AndTheSilenceIsNotDecoded()
    {
        // A second of a held vowel, 20 s of silence, then 10 s of vowel: 4 s of voice come only at
        // 24 s, but the prefix stops once it spans 12 s from the first voice. Its piece with voice
        // stays short; the silence, cut off half a second before the voice returns, is one piece
        // that nothing decodes (it holds no frame of voice), so the first frame does not wait on it.
        var vowel = Voiced(1.0);
        var samples = vowel.Concat(new float[20 * 16000]).Concat(Voiced(10.0)).ToArray();
        using var clip = new AudioClip(samples, 16000);
        var features = AudioAnalyzer.Analyze(clip);
        var options = new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = 4 };

        var pieces = PhonemeAnalyzer.Cut(features, clip.Length, options);
        using var decoding = PhonemeAnalyzer.Start(clip, features, options);
        var prefix = pieces.Take(decoding.ParallelPieces).ToList();

        Assert.Equal(2, prefix.Count);
        Assert.InRange(prefix[0].Length / 16000.0, 0.5, 3.0);
        Assert.Equal(20.5, (prefix[1].Start + prefix[1].Length) / 16000.0, 2);
        var known = decoding.WaitForPrefix(2);
        Assert.All(known.Phones.Where(ph => ph.StartSeconds >= prefix[1].Start / 16000.0), ph => Assert.Equal("SIL", ph.Symbol));
    }

    [Fact]
    public void ALongPauseAndTheSilenceAtTheEnd_ArePiecesOfTheirOwn_ThatHoldNoVoice()
    {
        // 6 s of voice, a 5-s pause, 6 s of voice, 10 s of silence to the end: the pause is cut in its
        // middle as before and again half a second before the voice returns, the end half a second
        // after the last voice; the pieces between hold no voice and are not decoded.
        var samples = Voiced(6.0).Concat(new float[5 * 16000]).Concat(Voiced(6.0)).Concat(new float[10 * 16000]).ToArray();
        using var clip = new AudioClip(samples, 16000);
        var features = AudioAnalyzer.Analyze(clip);
        var pieces = PhonemeAnalyzer.Cut(features, clip.Length, new PhonemeAnalysisOptions());
        var ends = pieces.Select(p => (p.Start + p.Length) / 16000.0).ToList();
        Assert.Equal(clip.DurationSeconds, ends[^1], 3);
        Assert.Contains(ends, e => Math.Abs(e - 8.5) < 0.15);    // the pause's middle
        Assert.Contains(ends, e => Math.Abs(e - 10.5) < 0.15);   // half a second before the voice returns
        Assert.Contains(ends, e => Math.Abs(e - 17.5) < 0.15);   // half a second after the last voice
        bool HoldsVoice((int Start, int Length) p) =>
            Enumerable.Range(0, features.FrameCount).Any(f => features.IsSpeech(f) && features.TimeOf(f) * 16000 >= p.Start && features.TimeOf(f) * 16000 < p.Start + p.Length);
        Assert.Equal(2, pieces.Count(p => !HoldsVoice(p)));
    }

    [Fact]
    public void NoPiecePastThePrefix_IsStarted_UntilTheCallerSaysHowManyThreadsGoOn()
    {
        // Deciding on the prefix to stop (auto on a voice that is not English) must not wait for a
        // piece started past it: a piece is decoded whole, up to 15 s of sound.
        var samples = LibriVoxRead();
        using var clip = new AudioClip(samples, 16000);
        var features = AudioAnalyzer.Analyze(clip);
        var done = 0;
        using var decoding = PhonemeAnalyzer.Start(clip, features, new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = 4 },
            piecesDone: (d, _) => Volatile.Write(ref done, d));

        var prefix = decoding.WaitForPrefix(decoding.ParallelPieces);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => decoding.WaitForPrefix(decoding.ParallelPieces + 1, ct: patience.Token));
        }

        Assert.Equal(decoding.ParallelPieces, Volatile.Read(ref done));
        Assert.False(prefix.IsComplete);
        decoding.SetThreadsAfterPrefix(2);
        Assert.Equal(decoding.PieceCount, decoding.WaitForPrefix(decoding.PieceCount).PieceCount);
    }

    [Fact]
    public void PreloadedDecoders_DecodeAsFreshOnes_AndThoseLeftOverAreFreed()
    {
        var clip = AudioDecoder.Decode(TestData.Voice("librivox_0880.wav"));
        var features = AudioAnalyzer.Analyze(clip);
        var options = new PhonemeAnalysisOptions { DegreeOfParallelism = 1 };
        var fresh = PhonemeAnalyzer.Analyze(clip, features, options);

        using var preloaded = PreloadedDecoders.Start(2);
        PhonemeTrack track;
        using (var decoding = PhonemeAnalyzer.Start(clip, features, options, preloaded: preloaded))
        {
            track = decoding.Complete();
        }

        Assert.Equal(fresh.Phones, track.Phones);
        Assert.Equal(fresh.Words, track.Words);
        // One thread took one pair; the other is freed on Dispose, after which none is handed out.
        preloaded.Dispose();
        Assert.Null(preloaded.Take());
    }

    [Fact]
    public void DecodersGivenBack_DecodeTheNextClipAsFreshOnes_AndADecodingStoppedEarlyFreesItsOwn()
    {
        // A long voice's chapters pass their recognisers on: a decoding that reached its clip's end
        // gives its pair back, and the next clip's decoding takes it instead of loading one (0.2 s of
        // CPU); one stopped before its end frees its pair (about 80 MB) at once.
        var options = new PhonemeAnalysisOptions { DegreeOfParallelism = 1 };
        var first = AudioDecoder.Decode(TestData.Voice("librivox_0880.wav"));
        var next = AudioDecoder.Decode(TestData.Voice("librivox_0890.wav"));
        var nextFeatures = AudioAnalyzer.Analyze(next);
        var fresh = PhonemeAnalyzer.Analyze(next, nextFeatures, options);

        using var decoders = PreloadedDecoders.Start(1);
        using (var decoding = PhonemeAnalyzer.Start(first, AudioAnalyzer.Analyze(first), options, preloaded: decoders))
        {
            decoding.Complete();
        }

        PhonemeTrack track;
        using (var decoding = PhonemeAnalyzer.Start(next, nextFeatures, options, preloaded: decoders))
        {
            track = decoding.Complete();
        }

        Assert.Equal(fresh.Phones, track.Phones);
        Assert.Equal(fresh.Words, track.Words);
        // The one pair loaded went round twice and is back.
        var pair = decoders.Take();
        Assert.NotNull(pair);
        decoders.Return(pair.Value.Recognizer, pair.Value.Aligner);

        var read = LibriVoxRead();
        using var clip = new AudioClip(read, 16000);
        using (var decoding = PhonemeAnalyzer.Start(clip, AudioAnalyzer.Analyze(clip), new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = 4, DegreeOfParallelism = 1 }, preloaded: decoders))
        {
            Assert.False(decoding.WaitForPrefix(decoding.ParallelPieces).IsComplete);
        }

        Assert.Null(decoders.Take());
    }

    [Fact]
    public void MouthFromPhonesGivenInPrefixes_IsTheMouthFromAllOfThem_BitForBit()
    {
        // Ten seconds of phones (closures, rounded and open vowels, diphthongs, pauses) of random
        // lengths, handed over in prefixes that end at random phone boundaries, as a decoding does.
        var random = new Random(7);
        string[] symbols = ["M", "AA", "P", "UW", "B", "AY", "S", "OW", "SIL", "F", "IY", "T", "EH"];
        var phones = new List<Phone>();
        for (var t = 0.0; t < 10;)
        {
            var d = 0.04 + (random.NextDouble() * 0.25);
            phones.Add(new Phone(symbols[random.Next(symbols.Length)], t, t + d, 0));
            t += d;
        }

        var voice = Voiced(phones[^1].EndSeconds);
        var features = AudioAnalyzer.Analyze(new AudioClip(voice, Rate));
        var frames = (int)Math.Ceiling(features.DurationSeconds * 25);
        var whole = MotionGenerator.Generate(features, phones, frames, new MotionOptions()).Frames;

        var builder = new MotionBuilder(features, frames, new MotionOptions(), fromPhones: true);
        var ready = new List<int>();
        for (var known = 0; known < phones.Count;)
        {
            known = Math.Min(phones.Count, known + 1 + random.Next(6));
            var prefix = phones.Take(known).ToList();
            builder.Advance(prefix, known == phones.Count ? double.PositiveInfinity : prefix[^1].EndSeconds);
            ready.Add(builder.FramesReady);
            // A frame is final only once no phone still unknown can reach it (half a second).
            if (known < phones.Count) Assert.True(builder.FramesReady / 25.0 < prefix[^1].EndSeconds - 0.45, $"{builder.FramesReady} frames at {prefix[^1].EndSeconds:0.00} s");
        }

        Assert.True(ready.Count > 10 && ready[0] < frames / 2, "the frames became known bit by bit");
        Assert.Equal(frames, builder.FramesReady);
        Assert.Equal(whole, builder.ToTrack().Frames);
    }

    [Fact]
    public void MouthFromPhonesGivenInPrefixes_WithTheSoundsLabials_IsTheMouthFromAllOfThem_BitForBit()
    {
        // The English path hears the murmurs the sound says are the lips' as the phones around them are
        // decoded, and decides each run of them at its middle; the LibriVox read a fourth lower has many.
        using var clip = AudioTestData.TakenAt(LibriVoxRead(), 12000, Path.Combine(TestData.OutputDirectory(), "lower-read.wav"));
        var features = AudioAnalyzer.Analyze(clip);
        var phones = PhonemeAnalyzer.Analyze(clip, features).Phones;
        var frames = (int)Math.Ceiling(features.DurationSeconds * 25);
        MotionTrack whole;
        using (var lips = LabialEvidence.Measure(clip))
        {
            Assert.NotNull(lips);
            whole = MotionGenerator.Generate(features, phones, frames, new MotionOptions { LabialFrames = lips.LabialFrames });
        }

        using var behind = LabialEvidence.Measure(clip)!;
        var builder = new MotionBuilder(features, frames, new MotionOptions { LabialFrames = behind.LabialFrames }, fromPhones: true);
        var random = new Random(11);
        for (var known = 0; known < phones.Count;)
        {
            known = Math.Min(phones.Count, known + 1 + random.Next(8));
            var prefix = phones.Take(known).ToList();
            builder.Advance(prefix, known == phones.Count ? double.PositiveInfinity : prefix[^1].EndSeconds);
        }

        Assert.Contains(whole.Frames, s => s.LipPress >= 0.8f);
        Assert.Equal(whole.Frames, builder.ToTrack().Frames);

        // As the pipeline feeds it: the pieces as two threads decode them, each taken a second of voice
        // at a time (the phones known reach past the second the builder is told is known).
        using var heard = LabialEvidence.Measure(clip)!;
        var fed = new MotionBuilder(features, frames, new MotionOptions { LabialFrames = heard.LabialFrames }, fromPhones: true);
        var decoding = PhonemeAnalyzer.Start(clip, features, new PhonemeAnalysisOptions { DegreeOfParallelism = 2 });
        using var feed = new Parla.Pipeline.MotionFeed(fed, decoding, lips: null, CancellationToken.None);
        Assert.Equal(whole.Frames, feed.Complete().Frames);
    }

    [Theory]
    [InlineData("de", "Guten Morgen, meine Damen und Herren. Heute sprechen wir über das Wetter in den Bergen und über die Geschichte der alten Stadt. Die Sonne scheint, und die Kinder spielen im Garten hinter dem Haus.")]
    [InlineData("es", "Buenos días, señoras y señores. Hoy hablamos del tiempo en las montañas y de la historia de la ciudad antigua. Brilla el sol, y los niños juegan en el jardín detrás de la casa.")]
    [InlineData("fr", "Bonjour mesdames et messieurs. Aujourd'hui nous parlons du temps qu'il fait dans les montagnes et de l'histoire de la vieille ville. Le soleil brille, et les enfants jouent dans le jardin derrière la maison.")]
    public void Auto_DecidesOnTheFirstPieces_ThatAnotherLanguageIsNotEnglish(string voice, string text)
    {
        // espeak-ng reads the paragraph twice (about 20 s, well over the voice auto decides on).
        var wav = Path.Combine(Path.GetTempPath(), $"parla-espeak-{voice}-{Environment.ProcessId}.wav");
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo("espeak-ng") { RedirectStandardError = true };
            foreach (var a in new[] { "-v", voice, "-w", wav, text + " " + text }) info.ArgumentList.Add(a);
            System.Diagnostics.Process? p;
            try { p = System.Diagnostics.Process.Start(info); }
            catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("espeak-ng is needed for this test: apt-get install espeak-ng (test.sh installs it)."); }
            using (p) p!.WaitForExit();
            var clip = AudioDecoder.Decode(wav);
            Assert.True(clip.DurationSeconds > 16, $"{clip.DurationSeconds:0.0} s");
            using var decoding = StartLanguageDecision(clip, out _);
            Assert.True(decoding.ParallelPieces < decoding.PieceCount, "decided on a prefix, not the whole paragraph");
            Assert.False(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, decoding.ConfidenceOf(decoding.ParallelPieces).ToString());
        }
        finally
        {
            File.Delete(wav);
        }
    }

    [Fact]
    public void Auto_DecidesOnTheFirstPieces_ThatAnEnglishReadIsEnglish()
    {
        var samples = LibriVoxRead();
        using var clip = new AudioClip(samples, 16000);
        using var decoding = StartLanguageDecision(clip, out _);
        Assert.True(decoding.ParallelPieces < decoding.PieceCount, "decided on a prefix, not the whole read");
        Assert.True(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, decoding.ConfidenceOf(decoding.ParallelPieces).ToString());
    }

    [Fact]
    public void Auto_TakesAnotherAmericanVoice_ForEnglish()
    {
        var (wave, _) = FestivalVoice.Say("cmu_us_slt_arctic_hts", "My brother Peter bought a beautiful map of Boston last month. Maybe we can meet him by the big park before the market opens. Please bring the paper bag, because my mother wants more bread and butter.", TestData.OutputDirectory());
        using var clip = AudioDecoder.Decode(wave);
        using var decoding = StartLanguageDecision(clip, out _);
        Assert.True(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, decoding.ConfidenceOf(decoding.ParallelPieces).ToString());
    }

    [Fact]
    public void Auto_LeavesAVoiceTheEnglishModelFitsPoorly_ToTheSound()
    {
        // The LibriVox read a quarter higher and faster (its samples taken at 20 kHz: pitch and formants
        // as a child's) passes every other test of English, but the acoustic model fits it poorly (−65.9
        // against the read's −57.1), and the acoustic path closes more of its lips (18 of 18 bilabial
        // onsets against 17).
        using var clip = AudioTestData.TakenAt(LibriVoxRead(), 20000, Path.Combine(TestData.OutputDirectory(), "read-higher.wav"));
        using var decoding = StartLanguageDecision(clip, out _);
        var confidence = Parla.Pipeline.Animator.DecideLanguage(decoding);
        output.WriteLine(confidence.ToString());
        Assert.False(confidence.IsConfident, confidence.ToString());
        Assert.True((confidence with { MeanAcousticScorePerFrame = 0 }).IsConfident, "every other measure says English");
    }

    [Fact]
    public void LongSilenceBeforeTheRead_LeavesItEnglish()
    {
        // 20 s of silence, then the LibriVox read: the prefix's span was counted from the clip's start,
        // so the language was decided on 12 s of silence and a few pieces cut into the read's first
        // words (not confidently English: the read went to the acoustic path).
        var samples = new float[20 * 16000].Concat(LibriVoxRead()).ToArray();
        using var clip = new AudioClip(samples, 16000);
        using var decoding = StartLanguageDecision(clip, out _);
        Assert.True(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, decoding.ConfidenceOf(decoding.ParallelPieces).ToString());
        decoding.SetThreadsAfterPrefix(2);
        var track = decoding.Complete();
        Assert.All(track.Phones.Where(ph => ph.EndSeconds <= 19.5), ph => Assert.Equal("SIL", ph.Symbol));
        Assert.Contains(track.Phones, ph => ph.StartSeconds > 20 && !ph.IsSilence);
    }

    [Fact]
    public void AJingleBeforeTheRead_LeavesItEnglish()
    {
        // Six seconds of a jingle (a held C-major chord and a kick drum twice a second), then the
        // LibriVox read: the first 4 s of "voice" are the jingle, in which the recogniser hears no word
        // at all. That says nothing of the language (it was taken for "not English", and the read went
        // to the acoustic path): the next 4 s of voice are looked at.
        const int rate = 16000;
        var samples = Jingle(6).Concat(LibriVoxRead()).ToArray();
        using var clip = new AudioClip(samples, rate);
        using var decoding = StartLanguageDecision(clip, out _);
        decoding.WaitForPrefix(decoding.ParallelPieces);
        Assert.Equal(0, decoding.ConfidenceOf(decoding.ParallelPieces).WordsPerSecond);
        Assert.True(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, "the read after the jingle is not taken for English");
    }

    [Fact]
    public void APianoIntroBeforeTheRead_LeavesItEnglish_AndTheMouthAtRestThroughTheIntro()
    {
        // Four seconds of a piano melody, then the LibriVox read: the language is decided on the first
        // 4 s of voice, and the piano was taken for them (not confidently English: the whole read went
        // to the acoustic path), and the recogniser heard words in it, which moved the mouth.
        const int introSeconds = 4;
        double[] notes = [262, 330, 392, 523, 392, 330, 294, 349];
        var read = LibriVoxRead();
        var piano = MotionGeneratorTests.StruckMelody(introSeconds * Rate, notes, 0.5, 0.5);
        var gain = (float)(MotionGeneratorTests.Rms(read) / MotionGeneratorTests.Rms(piano));
        var samples = piano.Select(x => gain * x).Concat(read).ToArray();
        using var clip = new AudioClip(samples, Rate);
        using var decoding = StartLanguageDecision(clip, out var features);
        Assert.True(Parla.Pipeline.Animator.DecideLanguage(decoding).IsConfident, decoding.ConfidenceOf(decoding.ParallelPieces).ToString());

        var track = PhonemeAnalyzer.Analyze(clip, features);
        var frames = (int)(samples.Length / (double)Rate * 25);
        var motion = MotionGenerator.Generate(features, track.Phones, frames, new MotionOptions());
        // Up to half a second before the read, whose first word the lips anticipate.
        var intro = motion.Frames[..((int)((introSeconds - 0.5) * 25))];
        Assert.All(intro, s => Assert.True(s.JawOpen < 0.02f && s.LipPress < 0.02f, $"jaw {s.JawOpen:0.00}, press {s.LipPress:0.00} over the piano alone"));
        Assert.Contains(motion.Frames[(introSeconds * 25)..], s => s.JawOpen > 0.3f);
    }

    [Fact]
    public void EnglishRead_InSteadyNoise_IsStillEnglish_ButNoiseThatDrownsItIsNot()
    {
        // The five LibriVox clips read as one, with white noise added: a little (about 20 dB under the
        // voice) leaves it English; a lot (the activity track takes the noise for voice and the
        // recogniser hears 11 words a second in it) must not pass for English.
        var samples = LibriVoxRead();
        PhonemeConfidence Confidence(double noiseRms)
        {
            var noise = Parla.Tests.Audio.AudioTestData.WhiteNoise(samples.Length / 16000.0, seed: 3, rms: noiseRms);
            var clip = new AudioClip(samples.Select((x, i) => x + noise[i]).ToArray(), 16000);
            return PhonemeAnalyzer.Analyze(clip, AudioAnalyzer.Analyze(clip)).Confidence;
        }

        var light = Confidence(0.006);
        var heavy = Confidence(0.03);

        Assert.True(light.IsConfident, light.ToString());
        Assert.False(heavy.IsConfident, heavy.ToString());
    }

    /// <summary>Analyses <paramref name="clip"/> and starts decoding it as <c>auto</c> does, its first pieces on every core for the language decision.</summary>
    private static PhonemeDecoding StartLanguageDecision(AudioClip clip, out AudioFeatures features)
    {
        features = AudioAnalyzer.Analyze(clip);
        return PhonemeAnalyzer.Start(clip, features, new PhonemeAnalysisOptions { ParallelPrefixVoiceSeconds = Parla.Pipeline.Animator.LanguageDecisionVoiceSeconds });
    }

    /// <summary>The five LibriVox clips read as one (24.7 s at 16 kHz), as samples; the decoded clips are disposed.</summary>
    /// <summary><paramref name="seconds"/> of a jingle at 16 kHz: a held C-major chord and a kick drum twice a second.</summary>
    internal static float[] Jingle(int seconds)
    {
        const int rate = 16000;
        var jingle = new float[seconds * rate];
        for (var n = 0; n < jingle.Length; n++)
        {
            var t = (double)n / rate;
            var chord = (Math.Sin(2 * Math.PI * 131 * t) + Math.Sin(2 * Math.PI * 262 * t) + Math.Sin(2 * Math.PI * 330 * t) + Math.Sin(2 * Math.PI * 392 * t)) * 0.02;
            var beat = t % 0.5;
            var kick = beat < 0.12 ? Math.Sin(2 * Math.PI * (60 - (80 * beat)) * beat) * 0.4 * (1 - (beat / 0.12)) : 0;
            jingle[n] = (float)(chord + kick);
        }

        return jingle;
    }

    internal static float[] LibriVoxRead() =>
        LipSync.Clips.SelectMany(c =>
        {
            using var clip = AudioDecoder.Decode(TestData.Voice($"librivox_{c}.wav"));
            return clip.ToFloats();
        }).ToArray();

    /// <summary>A harmonic tone at 180 Hz with a first formant near 700 Hz (an open vowel), optionally with ±2 % vibrato.</summary>
    private static float[] Voiced(double seconds, double vibratoHz = 0)
    {
        var samples = new float[(int)(seconds * Rate)];
        double phase = 0;
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            var f0 = 180 * (1 + (vibratoHz > 0 ? 0.02 * Math.Sin(2 * Math.PI * vibratoHz * t) : 0));
            phase += 2 * Math.PI * f0 / Rate;
            double s = 0;
            for (var k = 1; k <= 20; k++)
            {
                s += Math.Exp(-Math.Pow(((k * 180) - 700) / 300.0, 2)) * Math.Sin(k * phase) / Math.Sqrt(k);
            }

            var edge = Math.Min(1, Math.Min(t / 0.05, (seconds - t) / 0.05));
            samples[n] = (float)(0.3 * s * edge);
        }

        return samples;
    }
}
