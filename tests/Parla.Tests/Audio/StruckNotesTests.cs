using Parla.Audio;
using Parla.Media;
using Parla.Tests.Motion;

namespace Parla.Tests.Audio;

public sealed class StruckNotesTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;

    private const int Rate = 16000;
    private static readonly AudioAnalysisOptions Kept = new() { SeparateStruckNotes = false };

    [Theory]
    [InlineData(null, 0.3, 0.9)]
    [InlineData(0.7, 0.5, 0.8)] // two strings to a note, beating: 352 of 400 frames
    [InlineData(1.5, 0.3, 0.6)] // faster beating breaks more decays: 148 of 214 (two strings 2 Hz apart with a 0.5-s decay: none)
    public void APianoMelody_IsNoVoice(double? detuneHz, double decay, double share)
    {
        double[] notes = [262, 330, 392, 523];
        var clip = new AudioClip(MotionGeneratorTests.StruckMelody(4 * Rate, notes, 0.5, decay, detuneHz), Rate);
        var heard = AudioAnalyzer.Analyze(clip, Kept);
        var separated = AudioAnalyzer.Analyze(clip);
        var sounding = Enumerable.Range(0, heard.FrameCount).Where(heard.IsSpeech).ToArray();

        // The activity track alone hears it as voice, most of the time.
        Assert.True(sounding.Length >= 0.5 * heard.FrameCount, $"{sounding.Length} of {heard.FrameCount} frames sounding");
        Assert.True(sounding.Count(i => !separated.IsSpeech(i)) >= share * sounding.Length, $"{sounding.Count(separated.IsSpeech)} of {sounding.Length} sounding frames still voice");
        _output.WriteLine($"{sounding.Count(i => !separated.IsSpeech(i))} of {sounding.Length} sounding frames taken out of the voice");
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
