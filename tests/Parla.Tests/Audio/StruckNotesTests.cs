using Parla.Audio;
using Parla.Media;
using Parla.Tests.Motion;

namespace Parla.Tests.Audio;

public sealed class StruckNotesTests
{
    private const int Rate = 16000;
    private static readonly AudioAnalysisOptions Kept = new() { SeparateStruckNotes = false };

    [Fact]
    public void APianoMelody_IsNoVoice()
    {
        double[] notes = [262, 330, 392, 523];
        var clip = new AudioClip(MotionGeneratorTests.StruckMelody(4 * Rate, notes, 0.5, 0.3), Rate);
        var heard = AudioAnalyzer.Analyze(clip, Kept);
        var separated = AudioAnalyzer.Analyze(clip);
        var sounding = Enumerable.Range(0, heard.FrameCount).Where(heard.IsSpeech).ToArray();

        // The activity track alone hears it as voice throughout.
        Assert.True(sounding.Length >= 0.9 * heard.FrameCount, $"{sounding.Length} of {heard.FrameCount} frames sounding");
        Assert.True(sounding.Count(separated.IsSpeech) <= 0.1 * sounding.Length, $"{sounding.Count(separated.IsSpeech)} of {sounding.Length} sounding frames still voice");
        Assert.All(sounding.Where(i => !separated.IsSpeech(i)), i => Assert.Equal(0f, separated.PitchHz[i]));
    }

    [Fact]
    public void ASungNote_AndSpeech_KeepEveryFrame()
    {
        // A sung note starts softly, holds its level and wavers in pitch; speech glides in pitch.
        var clips = new List<AudioClip> { new(MotionGeneratorTests.VibratoVowel(2.0, fadeSeconds: 0.05), Rate), new(MotionGeneratorTests.VibratoVowel(2.0, vibratoDepth: 0, fadeSeconds: 0.05), Rate) };
        clips.AddRange(new[] { "librivox_0870.wav", "librivox_0920.wav" }.Select(name => AudioDecoder.Decode(TestData.Voice(name))));
        foreach (var clip in clips)
        {
            var heard = AudioAnalyzer.Analyze(clip, Kept);
            var separated = AudioAnalyzer.Analyze(clip);
            Assert.Equal(heard.SpeechProbability, separated.SpeechProbability);
            Assert.Equal(heard.PitchHz, separated.PitchHz);
        }
    }
}
