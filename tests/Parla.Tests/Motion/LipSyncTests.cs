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
}
