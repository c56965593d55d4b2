using Parla.Audio;
using Parla.Audio.Phonemes;
using Parla.Media;
using Parla.Motion;
using Xunit.Abstractions;

namespace Parla.Tests.Motion;

public sealed class LipSyncTests
{
    private readonly ITestOutputHelper _output;

    public LipSyncTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void EnglishRead_ClosesTheLipsAtEveryWordOnPBM_AndOpensOpenVowels()
    {
        // "he might even have been made amiable himself": might, been, made.
        var score = ScoreClip("0930", usePhones: true);

        _output.WriteLine(score.ToString());
        Assert.True(score.Bilabial.Total >= 3);
        Assert.Equal(score.Bilabial.Total, score.Bilabial.Hits);
        Assert.True(score.OpenVowel.Share >= 0.75, score.ToString());
    }

    [Fact]
    public void AnMTheDecoderHeardAsN_StillClosesTheLips_WhereTheSoundCloses()
    {
        // The recogniser's likeliest confusion, worst on higher voices: m heard as n ("married" as
        // "narrated"). Every M of the read's decoded phones is made an N here; where the sound shows the
        // closure (the acoustic path's press), the lips close all the same.
        var score = new LipSyncScore(default, default);
        var kept = new LipSyncScore(default, default);
        foreach (var clip in LipSync.Clips)
        {
            using var audio = AudioDecoder.Decode(TestData.Voice($"librivox_{clip}.wav"));
            var features = AudioAnalyzer.Analyze(audio);
            var words = LipSync.Align(audio, LipSync.Transcript(clip)).Where(w => w.Word[0] == 'm').ToList();
            var phones = PhonemeAnalyzer.Analyze(audio, features).Phones;
            var misheard = phones.Select(p => p.Symbol == "M" ? p with { Symbol = "N" } : p).ToList();
            var frames = (int)Math.Ceiling(audio.DurationSeconds * 25);
            score += LipSync.Score(MotionGenerator.Generate(features, misheard, frames, new MotionOptions()), words);
            kept += LipSync.Score(MotionGenerator.Generate(features, phones, frames, new MotionOptions()), words);
        }

        _output.WriteLine($"words on m, their M decoded as N: {score}; as decoded: {kept}");
        // Measured 7 of 11 (1 of 11 before the decoded n took the sound's closure; 10 of 11 as decoded).
        Assert.True(score.Bilabial.Total >= 10, score.ToString());
        Assert.True(score.Bilabial.Share >= 0.5, score.ToString());
    }

    [Fact]
    public void ALowerVoice_OnTheEnglishPath_ClosesTheLipsWhereTheSoundSaysTheyAreTheLips()
    {
        // The LibriVox read played lower and slower (its samples taken at 12 and at 11 kHz: a fourth and
        // nearly a fifth lower): the recogniser hears its m as a w, a t or a vowel ("might" as "a
        // heartbeat", "more" as "war"), and the lips stayed open there; the murmurs whose formants or whose
        // senones say they are the lips' close them.
        var (fourth, fourthPhonesAlone) = ClosedAtOnsetsOfTheReadTakenAt(12000);
        var (fifth, fifthPhonesAlone) = ClosedAtOnsetsOfTheReadTakenAt(11000);
        _output.WriteLine($"the read a fourth lower, English path, onsets of words on p, b, m closed: with the sound's labial murmurs {fourth.Describe(0)}; phones and the formant rule's murmurs {fourthPhonesAlone.Describe(0)}");
        _output.WriteLine($"the read nearly a fifth lower: {fifth.Describe(0)} against {fifthPhonesAlone.Describe(0)}");
        // Measured a fourth lower 17 of 18 either way (16 without the sound's murmurs before the recogniser
        // ran with its phone-loop lookahead, which hears one m more); nearly a fifth lower 16 against 14.
        // (The clips decoded one by one; before the sound's labial murmurs closed the lips whatever the
        // decoder heard, the video of the whole read a fourth lower closed 13.)
        Assert.True(fourth.Total >= 15, fourth.Describe(0));
        Assert.True(fourth.Share >= 0.9, fourth.Describe(0));
        Assert.True(fourth.Hits >= fourthPhonesAlone.Hits, $"{fourth.Describe(0)} against {fourthPhonesAlone.Describe(0)}");
        Assert.True(fifth.Hits > fifthPhonesAlone.Hits, $"{fifth.Describe(0)} against {fifthPhonesAlone.Describe(0)}");
    }

    /// <summary>Onsets of words on p, b, m closed in the LibriVox clips taken at <paramref name="sampleRateHz"/> (played lower and slower), with the sound's labial murmurs and without.</summary>
    private static (Tally WithSound, Tally PhonesAlone) ClosedAtOnsetsOfTheReadTakenAt(int sampleRateHz)
    {
        var withSound = new Tally(0, 0);
        var phonesAlone = new Tally(0, 0);
        foreach (var clip in LipSync.Clips)
        {
            using var original = AudioDecoder.Decode(TestData.Voice($"librivox_{clip}.wav"));
            var slower = 16000.0 / sampleRateHz;
            var words = LipSync.Align(original, LipSync.Transcript(clip)).Select(w => w with { StartSeconds = w.StartSeconds * slower, EndSeconds = w.EndSeconds * slower }).ToList();
            using var audio = Parla.Tests.Audio.AudioTestData.TakenAt(original.ToFloats(), sampleRateHz, Path.Combine(TestData.OutputDirectory(), $"lower-{sampleRateHz}-{clip}.wav"));
            var features = AudioAnalyzer.Analyze(audio);
            var (withModel, without) = ClosedAtOnsetsWithAndWithoutTheModel(audio, features, words, new MotionOptions(), PhonemeAnalyzer.Analyze(audio, features).Phones);
            withSound += withModel;
            phonesAlone += without;
        }

        return (withSound, phonesAlone);
    }

    [Theory]
    [InlineData("cmu_us_slt_arctic_hts", "My brother Peter bought a beautiful map of Boston last month. Maybe we can meet him by the big park before the market opens. Please bring the paper bag, because my mother wants more bread and butter. Paul put the best books back on the middle shelf, but Mary misplaced them by morning. Bob and Pam played music for many people at the party.")]
    [InlineData("upc_ca_ona_hts", "La meva mare porta pa i mantega cada mati. El meu pare parla amb el metge del poble. Molts bons amics passegen per la platja de Barcelona. Maria compra bombons i mel al mercat. Pau menja peix amb patates, pero beu poca aigua. Em pots portar el paraigua blau, per favor?")]
    public void AWomansVoice_OnTheAcousticPath_ClosesTheLipsWhereTheModelHearsThem(string voice, string text)
    {
        // Two women's voices (American English, Catalan) whose m and b edges lie above the formant
        // rule's labial locus: the acoustic model hears the lips close where the formants alone do not.
        var (wave, words) = FestivalVoice.Say(voice, text, TestData.OutputDirectory());
        using var audio = AudioDecoder.Decode(wave);
        var (withModel, formantsAlone) = ClosedAtOnsetsWithAndWithoutTheModel(audio, AudioAnalyzer.Analyze(audio), words, new MotionOptions());

        _output.WriteLine($"{voice}, acoustic path, onsets of words on p, b, m closed: with the model's labials {withModel.Describe(0)}; the formant rule alone {formantsAlone.Describe(0)}");
        Assert.True(withModel.Total >= 25, withModel.Describe(0));
        Assert.True(withModel.Hits > formantsAlone.Hits, $"{withModel.Describe(0)} against {formantsAlone.Describe(0)}");
        Assert.True(withModel.Share >= 0.85, withModel.Describe(0));
    }

    /// <summary>
    /// festival's singing mode with its American diphone voice (kal): four phrases held as written, full
    /// of m, b and p between notes.
    /// </summary>
    private static (string Wave, List<AlignedWord> Words) SingTheSong()
    {
        (string, string, double)[][] song =
        [
            [("my", "G3", 1), ("mother", "A3", 1), ("bakes", "B3", 1), ("bread", "D4", 2)],
            [("by", "C4", 1), ("the", "B3", 0.5), ("moon", "A3", 1), ("and", "G3", 0.5), ("many", "A3", 1), ("more", "B3", 2)],
            [("people", "D4", 1), ("pass", "C4", 1), ("my", "B3", 1), ("best", "A3", 1), ("place", "G3", 2)],
            [("but", "G3", 1), ("maybe", "A3", 1), ("mary", "B3", 1), ("played", "C4", 1), ("music", "D4", 1), ("better", "B3", 1), ("peacefully", "G3", 3)],
        ];
        return FestivalVoice.Sing("kal_diphone", song, 100, TestData.OutputDirectory());
    }

    [Fact]
    public void ASungSong_ClosesTheLipsOnItsBilabials_AsTheModelHearsThem()
    {
        // A sung m keeps its pitch and hardly dips the level, so the sung rule (the pitch stopping between
        // notes) left the lips open on "mother", "moon", "many", "more".
        var (wave, words) = SingTheSong();
        using var audio = AudioDecoder.Decode(wave);
        var features = AudioAnalyzer.Analyze(audio);
        Assert.True(VoiceCharacter.SoundsSung(features), $"held share {VoiceCharacter.HeldNoteShare(features):0.00}");
        var (withModel, sungRule) = ClosedAtOnsetsWithAndWithoutTheModel(audio, features, words, new MotionOptions { Style = MotionStyle.Singing });

        _output.WriteLine($"sung, onsets of words on p, b, m closed: with the model's labials {withModel.Describe(0)}; the sung rule alone {sungRule.Describe(0)}");
        Assert.True(withModel.Total >= 18, withModel.Describe(0));
        Assert.True(withModel.Hits > sungRule.Hits, $"{withModel.Describe(0)} against {sungRule.Describe(0)}");
        Assert.True(withModel.Share >= 0.85, withModel.Describe(0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MurmursHeardBehindTheRenderer_GiveTheTrackHeardAllAtOnce(bool sung)
    {
        // The pipeline draws the frames before the first murmur still unheard while the acoustic model
        // hears the rest a few at a time; every frame must come out as if all were heard first. Sung
        // presses also join the presses just before them.
        using var audio = AudioDecoder.Decode(sung ? SingTheSong().Wave : TestData.Voice("librivox_0870.wav"));
        var options = new MotionOptions { Style = sung ? MotionStyle.Singing : MotionStyle.Neutral };
        var features = AudioAnalyzer.Analyze(audio);
        var frames = (int)Math.Ceiling(audio.DurationSeconds * 25);
        MotionTrack whole;
        using (var lips = LabialEvidence.Measure(audio))
        {
            Assert.NotNull(lips);
            whole = MotionGenerator.Generate(features, frames, options with { LabialFrames = lips.LabialFrames });
        }

        using var behind = LabialEvidence.Measure(audio)!;
        var builder = new MotionBuilder(features, frames, options, fromPhones: false, deferLips: true);
        var unheard = builder.LipsUnheard;
        var readyAtOnce = builder.FramesReady;
        var atOnce = builder.Frames[..readyAtOnce];
        var steps = 0;
        while (builder.LipsUnheard > 0)
        {
            var before = builder.FramesReady;
            builder.HearLips(behind.LabialFrames, 2);
            Assert.True(builder.FramesReady >= before);
            steps++;
        }

        _output.WriteLine($"{unheard} murmurs heard in {steps} steps; {readyAtOnce} of {frames} frames final before any");
        Assert.True(unheard >= 4, $"{unheard} murmurs");
        // The song begins on an m: nothing is final before its murmur is heard.
        Assert.InRange(readyAtOnce, sung ? 0 : 1, frames - 1);
        Assert.Equal(whole.Frames[..readyAtOnce], atOnce);
        Assert.Equal(whole.Frames, builder.ToTrack().Frames);
    }

    /// <summary>The lip-sync figures on every LibriVox clip, for the viseme path and the acoustic one (run with --filter Category=Evaluation).</summary>
    [Fact]
    [Trait("Category", "Evaluation")]
    public void Evaluation_LibriVoxClips()
    {
        var visemes = new LipSyncScore(default, default);
        var acoustic = new LipSyncScore(default, default);
        foreach (var clip in LipSync.Clips)
        {
            var v = ScoreClip(clip, usePhones: true);
            var a = ScoreClip(clip, usePhones: false);
            _output.WriteLine($"{clip}: visemes {v}; acoustic {a}");
            visemes += v;
            acoustic += a;
        }

        _output.WriteLine($"all: visemes {visemes}");
        _output.WriteLine($"all: acoustic {acoustic}");
        File.WriteAllText(Path.Combine(TestData.OutputDirectory(), "lipsync-evaluation.txt"), $"visemes {visemes}\nacoustic {acoustic}\n");
        // Measured 14/18 (78 %) with this strict test (the lips shut and pressed within one video frame
        // of the onset); the yardstick's looser window (100 ms before to 40 ms after) finds 18/18 in
        // the rendered video. The misses are recognition errors ("to be ill disposed" heard twice as
        // "to the oldest", "prudently" as "greatly") and one m placed 130 ms late by the phone
        // alignment ("much"). The floor keeps what was reached; docs/visemes.md has the figures.
        Assert.True(visemes.Bilabial.Share >= 0.75, visemes.ToString());
        Assert.True(visemes.OpenVowel.Share >= 0.85, visemes.ToString());
    }

    private LipSyncScore ScoreClip(string clip, bool usePhones)
    {
        using var audio = AudioDecoder.Decode(TestData.Voice($"librivox_{clip}.wav"));
        var features = AudioAnalyzer.Analyze(audio);
        var words = LipSync.Align(audio, LipSync.Transcript(clip));
        Assert.NotEmpty(words);
        var phones = usePhones ? PhonemeAnalyzer.Analyze(audio, features).Phones : null;
        var frames = (int)Math.Ceiling(audio.DurationSeconds * 25);
        var track = MotionGenerator.Generate(features, phones, frames, new MotionOptions());
        return LipSync.Score(track, words);
    }

    /// <summary>
    /// Onsets of words on p, b, m closed (<see cref="LipSync.ClosedAtOnsets"/>) in the motion of <paramref name="audio"/>
    /// with <paramref name="options"/> — from the sound, or from <paramref name="phones"/> where given — with the
    /// acoustic model's labials and without them.
    /// </summary>
    private static (Tally WithModel, Tally Without) ClosedAtOnsetsWithAndWithoutTheModel(AudioClip audio, AudioFeatures features, IReadOnlyList<AlignedWord> words,
        MotionOptions options, IReadOnlyList<Phone>? phones = null)
    {
        using var lips = LabialEvidence.Measure(audio);
        Assert.NotNull(lips);
        var frames = (int)Math.Ceiling(audio.DurationSeconds * 25);
        MotionTrack Track(MotionOptions o) => phones is null ? MotionGenerator.Generate(features, frames, o) : MotionGenerator.Generate(features, phones, frames, o);
        return (LipSync.ClosedAtOnsets(Track(options with { LabialFrames = lips.LabialFrames }), words), LipSync.ClosedAtOnsets(Track(options), words));
    }
}
