using Parla.Audio;
using Parla.Audio.Phonemes;
using Parla.Media;
using Parla.Motion;
using Parla.Tests.Audio;
using Xunit.Abstractions;

namespace Parla.Tests.Motion;

public sealed class MotionGeneratorTests
{
    private const int Rate = 16000;
    private const double Fps = 25;
    private readonly ITestOutputHelper _output;

    public MotionGeneratorTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void DigitalSilence_KeepsTheMouthClosed()
    {
        var track = Generate(new float[3 * Rate]);

        Assert.All(track.Frames, s => Assert.Equal(0f, s.JawOpen));
        Assert.All(track.Frames, s => Assert.Equal(0f, s.LipPress));
        Assert.All(track.Frames, s => Assert.Equal(0f, s.LipRound));
    }

    [Fact]
    public void RoomNoiseAlone_KeepsTheMouthClosed()
    {
        // -50 dBFS hiss with no voice in it: an aperiodic clip without pauses is all background.
        var track = Generate(AudioTestData.WhiteNoise(3.0, seed: 4, rms: 0.003));

        Assert.All(track.Frames, s => Assert.True(s.JawOpen < 0.02f, $"jaw {s.JawOpen}"));
    }

    [Fact]
    public void SameInputsAndSeed_GiveTheSameTrack_AnotherSeedAnother()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioAnalyzerTests.Speechlike(20.0, seed: 2), Rate));
        var options = new MotionOptions { Seed = 42 };

        var a = MotionGenerator.Generate(features, 500, options);
        var b = MotionGenerator.Generate(features, 500, options);
        var c = MotionGenerator.Generate(features, 500, options with { Seed = 43 });

        Assert.Equal(a.Frames, b.Frames);
        Assert.NotEqual(a.Frames, c.Frames);
        // The mouth depends on the audio only, not on the seed.
        Assert.Equal(a.Frames.Select(s => s.JawOpen), c.Frames.Select(s => s.JawOpen));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(12345)]
    public void Blinks_AreFifteenToTwentyAMinuteOnAverage_WithinTenToTwentyFive(int seed)
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioAnalyzerTests.Speechlike(60.0, seed: 9), Rate));
        var track = MotionGenerator.Generate(features, 1500, new MotionOptions { Seed = seed });

        var blinks = CountRises(track.Frames.Select(s => s.BlinkLeft).ToArray(), 0.5f);
        _output.WriteLine($"seed {seed}: {blinks} blinks in 60 s");

        Assert.InRange(blinks, 10, 25);
        Assert.All(track.Frames, s => Assert.Equal(s.BlinkLeft, s.BlinkRight));
    }

    [Fact]
    public void EachBlink_ClosesFullyAndLastsAFewFrames()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioAnalyzerTests.Speechlike(60.0, seed: 9), Rate));
        var blink = MotionGenerator.Generate(features, 1500, new MotionOptions { Seed = 3 }).Frames.Select(s => s.BlinkLeft).ToArray();

        for (var k = 1; k < blink.Length; k++)
        {
            if (blink[k - 1] == 0 && blink[k] > 0)
            {
                var end = k;
                var peak = 0f;
                var shut = 0;
                while (end < blink.Length && blink[end] > 0)
                {
                    shut += blink[end] >= 0.99f ? 1 : 0;
                    peak = Math.Max(peak, blink[end++]);
                }

                // 195–295 ms (falling, shut 45 ms, rising) is 5–8 frames at 25 fps, of which the first and last may fall on zero.
                if (end < blink.Length)
                {
                    Assert.InRange(end - k, 2, 8);
                }

                // The peak is aligned to a frame, so every blink is seen fully shut (double blinks may overlap by a frame),
                // and it rests shut for two frames at 25 fps (Blink.ShutSeconds).
                Assert.True(peak >= 0.99f, $"blink at frame {k} peaks at {peak}");
                Assert.True(shut >= 2, $"blink at frame {k} is shut in {shut} frame(s)");
            }
        }
    }

    [Theory]
    [InlineData("librivox_0870.wav")]
    [InlineData("librivox_0930.wav")]
    public void Jaw_FollowsTheLoudnessEnvelopeOfRealSpeech(string voice)
    {
        var clip = AudioDecoder.Decode(AudioTestData.Voice(voice));
        var features = AudioAnalyzer.Analyze(clip);
        var frames = (int)Math.Ceiling(clip.DurationSeconds * Fps);
        var jaw = MotionGenerator.Generate(features, frames, new MotionOptions()).Frames.Select(s => (double)s.JawOpen).ToArray();
        var envelope = LogRmsPerFrame(clip.ToFloats(), frames);

        var best = Enumerable.Range(-1, 3).Max(lag => Pearson(jaw, envelope, lag));
        var sorted = jaw.Order().ToArray();
        var p10 = sorted[frames / 10];
        var p90 = sorted[frames * 9 / 10];
        _output.WriteLine($"{voice}: r = {best:F3}, p10 = {p10:F3}, p90 = {p90:F3}");

        Assert.True(best >= 0.6, $"Pearson r between jaw and log RMS is {best:F3}");
        Assert.True(p10 <= 0.1, $"10th percentile of jaw opening is {p10:F3}: the mouth never closes");
        Assert.True(p90 >= 0.6, $"90th percentile of jaw opening is {p90:F3}: the mouth barely opens");
    }

    [Fact]
    public void Jaw_ClosesBetweenSyllables()
    {
        // Five syllables a second (a sin² envelope with period 200 ms) on a voiced tone, after and
        // before half a second of quiet: the jaw must swing with each syllable, not hover at a mean.
        var samples = new float[3 * Rate];
        var noise = AudioTestData.WhiteNoise(3.0, seed: 6, rms: 0.001);
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            var envelope = t is >= 0.5 and < 2.5 ? Math.Pow(Math.Sin(Math.PI * 5 * (t - 0.5)), 2) : 0;
            samples[n] = noise[n] + (float)(0.3 * envelope * Math.Sin(2 * Math.PI * 150 * t));
        }

        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var jaw = MotionGenerator.Generate(features, 75, new MotionOptions()).Frames.Select(s => s.JawOpen).ToArray();
        _output.WriteLine(string.Join(" ", jaw.Select(j => j.ToString("F2"))));

        // Each syllable spans 5 frames at 25 fps; in each, the jaw opens wide and falls nearly shut:
        // the trough of a sin² envelope is only ~40 ms below the closed level, and the jaw closes with
        // a 30 ms time constant, so that it follows the dips of nasals and stops (measured 0.09..0.84;
        // with 60 ms it only fell to 0.33, and a parted-lip portrait missed most bilabials).
        for (var syllable = 1; syllable < 9; syllable++)
        {
            var window = jaw.Skip(13 + (syllable * 5)).Take(5).ToArray();
            Assert.True(window.Max() >= 0.6f && window.Min() <= 0.2f,
                $"syllable {syllable}: jaw only moves {window.Min():F2}..{window.Max():F2}");
        }
    }

    [Fact]
    public void SungVowelWithVibrato_HoldsTheJawOpenAndSteady()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(VibratoVowel(3.0), Rate));
        var jaw = MotionGenerator.Generate(features, 75, new MotionOptions()).Frames.Select(s => (double)s.JawOpen).ToArray();

        // The middle two seconds, away from the 100 ms fades.
        var middle = jaw[13..62];
        var mean = middle.Average();
        var std = Math.Sqrt(middle.Average(v => (v - mean) * (v - mean)));
        _output.WriteLine($"vibrato vowel: jaw mean {mean:F3}, std {std:F4}");

        Assert.True(mean >= 0.6, $"jaw mean {mean:F3}: a sung open vowel should be open");
        Assert.True(std <= 0.05, $"jaw std {std:F4}: vibrato must not make the jaw wobble");
        // Nor read as closures: the lips never press on a held note.
        var press = MotionGenerator.Generate(features, 75, new MotionOptions()).Frames.Select(s => s.LipPress).ToArray();
        Assert.All(press[13..62], p => Assert.Equal(0f, p));
    }

    [Fact]
    public void VoicedMurmurMidPhrase_PressesTheLips()
    {
        // "a-ma-ma-ma": 250 ms vowels joined by 70 ms of a low voiced murmur 15 dB down (an m: voice
        // with its energy below 900 Hz), never silent, so the quiet-gap rule does not see it.
        var samples = AMaMaMa(out _);
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var press = MotionGenerator.Generate(features, 50, new MotionOptions()).Frames.Select(s => s.LipPress).ToArray();
        _output.WriteLine(string.Join(" ", press.Select(p => p.ToString("F2"))));

        Assert.True(press.Count(p => p >= 0.5f) >= 3, "the lips never press on the murmurs");
        Assert.All(press[..4], p => Assert.Equal(0f, p));
    }

    [Fact]
    public void AVoiceWithLittleRange_PressesOnSmallerDips()
    {
        // A voice whose level hardly moves (as through reverb or over a music bed): a held vowel that
        // dips 7 dB for 70 ms four times. Against a clean voice's 8 dB that is no closure; against this
        // voice's own range (the dips are its quietest tenth) it is one.
        var vowel = VibratoVowel(2.0, vibratoDepth: 0, fadeSeconds: 0.01);
        double[] dips = [0.4, 0.75, 1.1, 1.45];
        var low = Math.Pow(10, -7 / 20.0);
        var samples = vowel.Select((x, n) =>
        {
            var t = (double)n / Rate;
            var gain = 1.0;
            foreach (var d in dips) gain = Math.Min(gain, Math.Clamp(Math.Abs(t - d - 0.035) - 0.035, 0, 0.01) / 0.01 * (1 - low) + low);
            return (float)(x * gain);
        }).ToArray();
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var options = new MotionOptions { FramesPerSecond = 100 };
        var track = MotionGenerator.Generate(features, 200, options);
        var pressed = dips.Select(d => MostPressIn(track, options, (d, d + 0.07))).ToArray();
        _output.WriteLine("press at the dips: " + string.Join(" ", pressed.Select(p => p.ToString("F2"))));

        Assert.True(pressed.Count(p => p >= 0.5f) >= 3, "the lips do not press on the dips of a voice with little range");
        Assert.All(track.Frames[..20], f => Assert.Equal(0f, f.LipPress));
    }

    [Fact]
    public void MurmurInsideADecodedVowelOrN_PressesTheLips()
    {
        // The same "a-ma-ma-ma", decoded as a recogniser that misheard it might: the first and the
        // third murmur swallowed by long vowels, the second heard as an n (its likeliest confusion,
        // worst on higher voices), the last as an m. Where the sound closes, the lips close in all four.
        var samples = AMaMaMa(out var murmurs);
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        Phone[] phones =
        [
            new("SIL", 0, 0.2, 0), new("AA", 0.2, 0.77, 0), new("N", 0.77, 0.84, 0), new("AA", 0.84, 1.41, 0),
            new("M", 1.41, 1.48, 0), new("SIL", 1.48, 2, 0),
        ];
        var options = new MotionOptions { FramesPerSecond = 100 };
        var track = MotionGenerator.Generate(features, phones, 200, options);
        float MostPress((double Start, double End) span) => MostPressIn(track, options, span);
        _output.WriteLine(string.Join(" ", murmurs.Select(m => MostPress(m).ToString("F2"))));

        Assert.True(MostPress(murmurs[0]) >= 0.5f, "a murmur inside a decoded vowel presses the lips");
        Assert.True(MostPress(murmurs[2]) >= 0.5f, "a murmur inside a decoded vowel presses the lips");
        Assert.Equal(1f, MostPress(murmurs[3]));
        Assert.True(MostPress(murmurs[1]) >= 0.5f, "a murmur the decoder heard as an n presses the lips");
    }

    [Fact]
    public void AMurmurWhoseFormantsPointToTheLips_PressesThem_OneThatPointsToTheTongueDoesNot()
    {
        // "a-m-a" and "a-n-a": a nasal murmur between vowels keeps the whole level up (it dips about
        // 5 dB, too little for the voiced-dip rule) and empties the 1–3 kHz band alike; only the second
        // formant's transitions differ, from the vowel's 1.2 kHz down toward the lips (900 Hz), up
        // toward the tongue tip (1.7 kHz).
        var silence = new float[(int)(0.25 * Rate)];
        var m = NasalBetweenVowels(locusHz: 900, out var mSpan);
        var n = NasalBetweenVowels(locusHz: 1700, out var nSpan);
        var samples = silence.Concat(m).Concat(silence).Concat(n).Concat(silence).ToArray();
        var mAt = (0.25 + mSpan.Start, 0.25 + mSpan.End);
        var nStart = 0.5 + (m.Length / (double)Rate);
        var nAt = (nStart + nSpan.Start, nStart + nSpan.End);
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var options = new MotionOptions { FramesPerSecond = 100 };
        var frames = (int)(samples.Length / (double)Rate * 100);
        var track = MotionGenerator.Generate(features, frames, options);
        float MostPress((double Start, double End) span) => MostPressIn(track, options, span);
        _output.WriteLine($"m press {MostPress(mAt):F2}, n press {MostPress(nAt):F2}");

        Assert.True(MostPress(mAt) >= 0.5f, "the murmur whose formants point to the lips does not press them");
        Assert.True(MostPress(nAt) < 0.2f, "the murmur whose formants point to the tongue tip presses the lips");
    }

    [Fact]
    public void AMurmurInNoise_StillPressesTheLips_ItsDipMeasuredAgainstTheVoicesOwnRange()
    {
        // The same "a-m-a" and "a-n-a" with steady noise under them: the noise fills the murmur's
        // 1–3 kHz band, so it dips less than the 20 dB a clean voice's closure does; the voice's band
        // has less range too, and the dip asked for follows it (without: m press 0.00).
        var silence = new float[(int)(0.25 * Rate)];
        var m = NasalBetweenVowels(locusHz: 900, out var mSpan);
        var n = NasalBetweenVowels(locusHz: 1700, out var nSpan);
        var noise = new Random(11);
        var samples = silence.Concat(m).Concat(silence).Concat(n).Concat(silence).Select(x => x + (float)(0.03 * ((noise.NextDouble() * 2) - 1))).ToArray();
        var mAt = (0.25 + mSpan.Start, 0.25 + mSpan.End);
        var nStart = 0.5 + (m.Length / (double)Rate);
        var nAt = (nStart + nSpan.Start, nStart + nSpan.End);
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var options = new MotionOptions { FramesPerSecond = 100 };
        var track = MotionGenerator.Generate(features, (int)(samples.Length / (double)Rate * 100), options);
        _output.WriteLine($"m press {MostPressIn(track, options, mAt):F2}, n press {MostPressIn(track, options, nAt):F2}");

        Assert.True(MostPressIn(track, options, mAt) >= 0.5f, "the murmur in noise does not press the lips");
        Assert.True(MostPressIn(track, options, nAt) < 0.2f, "the murmur whose formants point to the tongue tip presses the lips");
    }

    [Fact]
    public void VoiceTheDecoderHeardAsSilence_IsSpokenFromTheSound()
    {
        // The same "a-ma-ma-ma" where the recogniser heard no word at all: one silence over the whole
        // clip, as over the stretches of a voice it mishears. The mouth must not stay shut while the
        // voice goes on: there it is the acoustic path's, its murmurs pressed.
        var samples = AMaMaMa(out var murmurs);
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var options = new MotionOptions { FramesPerSecond = 100 };
        var unheard = MotionGenerator.Generate(features, [new Phone("SIL", 0, 2, 0)], 200, options);
        var acoustic = MotionGenerator.Generate(features, 200, options);
        int FrameAt(double seconds) => (int)Math.Round((seconds - options.MouthLeadSeconds) * 100);
        float MostPress((double Start, double End) span) => MostPressIn(unheard, options, span);
        _output.WriteLine(string.Join(" ", murmurs.Select(m => MostPress(m).ToString("F2"))));

        Assert.All(murmurs[..3], m => Assert.True(MostPress(m) >= 0.5f, $"the murmur at {m.Start:0.00} s does not press the lips"));
        Assert.True(unheard.Frames[FrameAt(0.3)..FrameAt(1.4)].Max(s => s.JawOpen) >= 0.3f, "the jaw does not open on the vowels");
        // Inside the voice (past the fade-in), frame for frame the acoustic path's mouth.
        for (var i = FrameAt(0.3); i < FrameAt(1.4); i++)
        {
            Assert.Equal(acoustic.Frames[i].JawOpen, unheard.Frames[i].JawOpen, 1e-5f);
            Assert.Equal(acoustic.Frames[i].LipPress, unheard.Frames[i].LipPress, 1e-5f);
        }

        // Where there is no voice the decoder's silence stands: closed.
        Assert.All(unheard.Frames[..FrameAt(0.15)], s => Assert.True(s.JawOpen < 0.05f, $"jaw {s.JawOpen:0.00} before the voice"));
    }

    [Fact]
    public void ChordsBeforeTheSong_LeaveTheMouthAtRest_AndTheNotesStillOpenAndCloseIt()
    {
        // Four seconds of plucked chords alone, then eight sung notes over them, the chords 6 dB under
        // the voice: the accompaniment on its own is no voice, and a mouth that opened on its plucks
        // sang the intro.
        const int introSeconds = 4;
        var sung = SungMelody();
        var voice = new float[introSeconds * Rate].Concat(sung).ToArray();
        var chords = PluckedChords(voice.Length, everySeconds: 0.5);
        var gain = (float)(Rms(sung) / Rms(chords) / 2);
        var mix = voice.Select((x, i) => x + (gain * chords[i])).ToArray();
        var features = AudioAnalyzer.Analyze(new AudioClip(mix, Rate));
        Assert.True(VoiceCharacter.SoundsSung(features), $"held share {VoiceCharacter.HeldNoteShare(features):0.00}");

        var frames = (int)(mix.Length / (double)Rate * 25);
        var track = MotionGenerator.Generate(features, frames, new MotionOptions { Style = MotionStyle.Singing });
        var jaw = track.Frames.Select(s => s.JawOpen).ToArray();
        var press = track.Frames.Select(s => s.LipPress).ToArray();
        var intro = jaw[..((introSeconds * 25) - 3)];
        var notes = Enumerable.Range(0, Melody.Length).SelectMany(k => jaw[(int)((introSeconds + k + 0.2) * 25)..(int)((introSeconds + k + 0.8) * 25)]).ToArray();
        _output.WriteLine($"intro jaw mean {intro.Average():F3} max {intro.Max():F3}; within notes mean {notes.Average():F3}");
        Assert.True(intro.Max() < 0.2f, $"the jaw opens to {intro.Max():F2} on the chords alone");
        Assert.True(intro.Average() < 0.03f, $"the jaw is open {intro.Average():F3} on average over the chords alone");
        Assert.True(notes.Average() >= 0.5f, $"jaw mean {notes.Average():F3} within the sung notes");

        // Between the notes the voice stops for 0.1 s, as for a sung consonant, while the chords ring
        // on: no quiet gap, but the sung pitch stops, and the lips close there — not on the chords alone.
        var gaps = Enumerable.Range(1, Melody.Length - 1).Select(k => press[(int)((introSeconds + k - 0.15) * 25)..(int)((introSeconds + k + 0.05) * 25)].Max()).ToArray();
        _output.WriteLine($"press between notes: {string.Join(" ", gaps.Select(p => p.ToString("F2")))}; in the intro at most {press[..((introSeconds * 25) - 3)].Max():F2}");
        Assert.True(gaps.Count(p => p >= 0.5f) >= 6, "the lips do not close between the sung notes");
        Assert.All(press[..((introSeconds * 25) - 3)], p => Assert.Equal(0f, p));
    }

    [Theory]
    [InlineData(0.5, 0.3)]
    [InlineData(0.25, 0.8)]
    public void APianoMelodyBeforeTheSong_LeavesTheMouthAtRest_AndThePianoAloneIsNoSong(double everySeconds, double decaySeconds)
    {
        // Four seconds of a piano melody alone, then eight sung notes with the piano going on 6 dB
        // under the voice: the pitch track hears the piano's notes as it hears a voice's, and the sung
        // mouth opened on them (intro jaw mean 0.18–0.25, up to 0.53) and a piano alone held notes (sung).
        double[] pianoNotes = [262, 330, 392, 523, 392, 330, 294, 349];
        const int introSeconds = 4;
        var sung = SungMelody();
        var voice = new float[introSeconds * Rate].Concat(sung).ToArray();
        var piano = StruckMelody(voice.Length, pianoNotes, everySeconds, decaySeconds);
        var gain = (float)(Rms(sung) / Rms(piano) / 2);
        var mix = voice.Select((x, i) => x + (gain * piano[i])).ToArray();
        var features = AudioAnalyzer.Analyze(new AudioClip(mix, Rate));
        var alone = AudioAnalyzer.Analyze(new AudioClip(piano.Select(x => gain * x).ToArray(), Rate));
        _output.WriteLine($"held share: song {VoiceCharacter.HeldNoteShare(features):0.00}, piano alone {VoiceCharacter.HeldNoteShare(alone):0.00}");
        Assert.True(VoiceCharacter.SoundsSung(features), $"held share {VoiceCharacter.HeldNoteShare(features):0.00}");
        Assert.False(VoiceCharacter.SoundsSung(alone), $"a piano alone sounds sung: held share {VoiceCharacter.HeldNoteShare(alone):0.00}");

        var frames = (int)(mix.Length / (double)Rate * 25);
        var jaw = MotionGenerator.Generate(features, frames, new MotionOptions { Style = MotionStyle.Singing }).Frames.Select(s => s.JawOpen).ToArray();
        var intro = jaw[..((introSeconds * 25) - 3)];
        var notes = Enumerable.Range(0, Melody.Length).SelectMany(k => jaw[(int)((introSeconds + k + 0.2) * 25)..(int)((introSeconds + k + 0.8) * 25)]).ToArray();
        _output.WriteLine($"intro jaw mean {intro.Average():F3} max {intro.Max():F3}; within notes mean {notes.Average():F3}");
        Assert.True(intro.Max() < 0.1f, $"the jaw opens to {intro.Max():F2} on the piano alone");
        Assert.True(notes.Average() >= 0.6f, $"jaw mean {notes.Average():F3} within the sung notes");
    }

    [Fact]
    public void SungMelodyOverADrumKit_IsStillSung()
    {
        // Eight sung notes over a kick drum every quarter second and a hi-hat between, the kit as loud
        // as the voice: each hit takes the pitch track out of the note for a frame or two, and a note
        // cut into pieces shorter than a held one read as speech (held share 0.45 when a drop-out ended
        // the voiced run).
        var voice = SungMelody();
        var kit = DrumKit(voice.Length);
        var gain = (float)(Rms(voice) / Rms(kit));
        var mix = voice.Select((x, i) => x + (gain * kit[i])).ToArray();
        var features = AudioAnalyzer.Analyze(new AudioClip(mix, Rate));
        _output.WriteLine($"held share {VoiceCharacter.HeldNoteShare(features):0.00}");
        Assert.True(VoiceCharacter.SoundsSung(features), $"held share {VoiceCharacter.HeldNoteShare(features):0.00}");
    }

    [Fact]
    public void SungMelodyOverPluckedChords_IsStillSung_AndTheJawHoldsItsNotes()
    {
        // Eight sung notes of 0.9 s (a 0.1 s breath between them) over a plucked C-major chord struck
        // every 0.5 s, 6 dB under the voice: the accompaniment must neither hide the singing nor
        // make the jaw follow its plucks.
        var voice = SungMelody();
        var chords = PluckedChords(voice.Length, everySeconds: 0.5);
        var gain = (float)(Rms(voice) / Rms(chords) / 2);
        var mix = voice.Select((x, i) => x + (gain * chords[i])).ToArray();
        var features = AudioAnalyzer.Analyze(new AudioClip(mix, Rate));
        Assert.True(VoiceCharacter.SoundsSung(features), $"held share {VoiceCharacter.HeldNoteShare(features):0.00}");

        var frames = (int)(mix.Length / (double)Rate * 25);
        var jaw = MotionGenerator.Generate(features, frames, new MotionOptions { Style = MotionStyle.Singing }).Frames.Select(s => (double)s.JawOpen).ToArray();
        // Within each note, away from its onset and end.
        static (double Mean, double Sd) WithinNotes(double[] jaw, int notes)
        {
            var stats = Enumerable.Range(0, notes).Select(k => jaw[(int)((k + 0.2) * 25)..(int)((k + 0.8) * 25)]).Select(seg =>
            {
                var mean = seg.Average();
                return (mean, Math.Sqrt(seg.Average(x => (x - mean) * (x - mean))));
            }).ToArray();
            return (stats.Average(s => s.mean), stats.Average(s => s.Item2));
        }

        var sung = WithinNotes(jaw, Melody.Length);
        _output.WriteLine($"jaw within notes: mean {sung.Mean:F3} s.d. {sung.Sd:F3}");
        Assert.True(sung.Mean >= 0.6, $"jaw mean {sung.Mean:F3}: sung notes hold the mouth open");
        Assert.True(sung.Sd <= 0.06, $"jaw s.d. within a note {sung.Sd:F3}: the plucks move the jaw");
    }

    [Fact]
    public void SungNoteSwellingWithItsVibrato_NeverPressesTheLips()
    {
        // A held note whose loudness swings by 12 dB six times a second (a strong tremolo): sung, the
        // lips stay open through it.
        var note = VibratoVowel(3.0);
        for (var n = 0; n < note.Length; n++) note[n] *= (float)(1 + (0.6 * Math.Sin(2 * Math.PI * 6 * n / Rate)));
        using var clip = new AudioClip(note, Rate);
        var features = AudioAnalyzer.Analyze(clip);
        // The acoustic model is asked about the swells' dips too (it hears a sung m or b between notes).
        using var lips = LabialEvidence.Measure(clip);
        Assert.NotNull(lips);
        var sung = MotionGenerator.Generate(features, 75, new MotionOptions { Style = MotionStyle.Singing, LabialFrames = lips.LabialFrames }).Frames;
        var spoken = MotionGenerator.Generate(features, 75, new MotionOptions()).Frames;
        _output.WriteLine($"presses: sung {sung.Count(s => s.LipPress > 0)}, spoken {spoken.Count(s => s.LipPress > 0)}");

        Assert.All(sung[13..62], s => Assert.Equal(0f, s.LipPress));
    }

    [Fact]
    public void SungNoteThatSwellsALittle_HoldsTheJawSteadierThanSpeechWould()
    {
        // A held note whose level swings by 2.6 dB six times a second, as a singer's vibrato does. The
        // speaking jaw follows quick dips (it closes on nasals and stops); the singing one holds the note.
        var note = VibratoVowel(3.0);
        for (var n = 0; n < note.Length; n++) note[n] *= (float)(1 + (0.15 * Math.Sin(2 * Math.PI * 6 * n / Rate)));
        var features = AudioAnalyzer.Analyze(new AudioClip(note, Rate));
        double Wobble(MotionStyle style)
        {
            var jaw = MotionGenerator.Generate(features, 75, new MotionOptions { Style = style }).Frames.Select(s => (double)s.JawOpen).ToArray()[13..62];
            var mean = jaw.Average();
            return Math.Sqrt(jaw.Average(v => (v - mean) * (v - mean)));
        }

        var sung = Wobble(MotionStyle.Singing);
        var spoken = Wobble(MotionStyle.Neutral);
        _output.WriteLine($"jaw s.d. on a swelling note: sung {sung:F3}, spoken {spoken:F3}");

        Assert.True(sung <= 0.05, $"sung jaw s.d. {sung:F3}");
        Assert.True(sung < 0.8 * spoken, $"sung {sung:F3} against spoken {spoken:F3}");
    }

    [Fact]
    public void AbruptClosureMidPhrase_PressesTheLips()
    {
        // "pa-pa-pa": 250 ms vowels separated by 80 ms of silence.
        var samples = new float[2 * Rate];
        var vowel = VibratoVowel(0.25, vibratoDepth: 0, fadeSeconds: 0.005);
        for (var start = (int)(0.2 * Rate); start + vowel.Length < samples.Length - (0.3 * Rate); start += (int)(0.33 * Rate))
        {
            vowel.CopyTo(samples, start);
        }

        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        var press = MotionGenerator.Generate(features, 50, new MotionOptions()).Frames.Select(s => s.LipPress).ToArray();

        // Gaps at about 0.45, 0.78, 1.11, 1.44 s (the first frames of each gap, with the 40 ms mouth lead).
        Assert.True(press.Count(p => p >= 0.5f) >= 3, "the lips never press in the gaps: " + string.Join(" ", press.Select(p => p.ToString("F2"))));
        Assert.All(press[..4], p => Assert.Equal(0f, p)); // not in the leading silence
    }

    [Fact]
    public void Head_StaysWithinItsRangeAndMoves()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioAnalyzerTests.Speechlike(60.0, seed: 3), Rate));
        var frames = MotionGenerator.Generate(features, 1500, new MotionOptions()).Frames;

        Assert.All(frames, s =>
        {
            Assert.InRange(s.HeadYawDegrees, -3f, 3f);
            Assert.InRange(s.HeadPitchDegrees, -2f, 2f);
            Assert.InRange(s.HeadRollDegrees, -2f, 2f);
            Assert.InRange(s.BrowRaise, -1f, 1f);
        });
        Assert.True(Std(frames.Select(s => (double)s.HeadYawDegrees)) > 0.3, "the head does not turn");
        Assert.True(Std(frames.Select(s => (double)s.HeadPitchDegrees)) > 0.2, "the head does not nod");
        // Smooth: at most about 10°/s (0.3–0.45° between frames 40 ms apart).
        for (var k = 1; k < frames.Length; k++)
        {
            Assert.InRange(Math.Abs(frames[k].HeadYawDegrees - frames[k - 1].HeadYawDegrees), 0f, 0.3f);
            Assert.InRange(Math.Abs(frames[k].HeadPitchDegrees - frames[k - 1].HeadPitchDegrees), 0f, 0.45f);
        }
    }

    [Fact]
    public void NoHeadMotionAndNoExpressiveness_KeepTheHeadAndBrowsStill()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioAnalyzerTests.Speechlike(10.0, seed: 3), Rate));
        var frames = MotionGenerator.Generate(features, 250, new MotionOptions { HeadMotion = 0, Expressiveness = 0 }).Frames;

        Assert.All(frames, s =>
        {
            Assert.Equal(0f, s.HeadYawDegrees);
            Assert.Equal(0f, s.HeadPitchDegrees);
            Assert.Equal(0f, s.HeadRollDegrees);
            Assert.Equal(0f, s.BrowRaise);
        });
        Assert.Contains(frames, s => s.JawOpen > 0.3f); // the mouth still speaks
    }

    [Fact]
    public void Gaze_MakesASaccadeEveryOneToThreeSeconds()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(new float[60 * Rate], Rate));
        var frames = MotionGenerator.Generate(features, 1500, new MotionOptions { Seed = 5 }).Frames;

        var saccades = 0;
        for (var k = 1; k < frames.Length; k++)
        {
            if (frames[k - 1].GazeX == frames[k - 2 < 0 ? 0 : k - 2].GazeX && frames[k].GazeX != frames[k - 1].GazeX)
            {
                saccades++;
            }
        }

        Assert.InRange(saccades, 20, 60);
        Assert.All(frames, s => Assert.InRange(s.GazeX, -0.5f, 0.5f));
    }

    [Fact]
    public void FramesPastTheAudio_AreSilent()
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(AudioTestData.Sine(200, 1.0), Rate));
        var frames = MotionGenerator.Generate(features, 50, new MotionOptions()).Frames;

        Assert.Equal(50, frames.Length);
        Assert.True(frames[10].JawOpen > 0.5f);
        Assert.All(frames[30..], s => Assert.Equal(0f, s.JawOpen));
    }

    [Fact]
    public void Options_ReportEveryProblemTogether()
    {
        var errors = new MotionOptions { FramesPerSecond = 0, Expressiveness = 3, HeadMotion = -1 }.Validate();

        Assert.Equal(3, errors.Count);
        Assert.Empty(new MotionOptions().Validate());
        var features = AudioAnalyzer.Analyze(new AudioClip(new float[Rate], Rate));
        Assert.Throws<ArgumentException>(() => MotionGenerator.Generate(features, 10, new MotionOptions { HeadMotion = 5 }));
    }

    private static MotionTrack Generate(float[] samples)
    {
        var features = AudioAnalyzer.Analyze(new AudioClip(samples, Rate));
        return MotionGenerator.Generate(features, (int)Math.Ceiling(features.DurationSeconds * Fps), new MotionOptions());
    }

    /// <summary>A kick drum (a sine falling from 110 to 50 Hz, dying in 50 ms) every quarter second and a hi-hat (30 ms of noise) between.</summary>
    private static float[] DrumKit(int length)
    {
        var kit = new float[length];
        var noise = new Random(7);
        for (var n = 0; n < length; n++)
        {
            var t = (double)n / Rate;
            var sinceKick = t % 0.25;
            var sinceHat = (t + 0.125) % 0.25;
            var kick = sinceKick < 0.15 ? Math.Sin(2 * Math.PI * (50 + (60 * Math.Exp(-sinceKick / 0.03))) * sinceKick) * Math.Exp(-sinceKick / 0.05) : 0;
            var hat = sinceHat < 0.03 ? 0.2 * ((noise.NextDouble() * 2) - 1) * Math.Exp(-sinceHat / 0.01) : 0;
            kit[n] = (float)(kick + hat);
        }

        return kit;
    }

    /// <summary>
    /// A piano-like melody: one note struck every <paramref name="everySeconds"/> from
    /// <paramref name="notes"/> in turn, its harmonics falling off as 1/h, the whole dying away with
    /// time constant <paramref name="decaySeconds"/> and the higher harmonics faster. With
    /// <paramref name="detuneHz"/>, each note is two strings that far apart, beating as a piano's do.
    /// </summary>
    internal static float[] StruckMelody(int length, double[] notes, double everySeconds, double decaySeconds, double? detuneHz = null)
    {
        var melody = new float[length];
        for (var n = 0; n < length; n++)
        {
            var t = (double)n / Rate;
            var since = t % everySeconds;
            var f0 = notes[(int)(t / everySeconds) % notes.Length];
            double v = 0;
            for (var h = 1; h * f0 < 4000; h++)
            {
                var strings = Math.Sin(2 * Math.PI * h * f0 * t);
                if (detuneHz is { } d) strings = (strings + Math.Sin((2 * Math.PI * h * (f0 + d) * t) + h)) / 2;
                v += strings / h * Math.Exp(-since * h / (2 * decaySeconds));
            }

            melody[n] = (float)(v * Math.Exp(-since / decaySeconds) * Math.Min(1, since / 0.005));
        }

        return melody;
    }

    /// <summary>A C-major chord (three notes, each with its harmonics to 4 kHz) struck every <paramref name="everySeconds"/>, decaying in 0.25 s.</summary>
    private static float[] PluckedChords(int length, double everySeconds)
    {
        var chords = new float[length];
        for (var n = 0; n < chords.Length; n++)
        {
            var t = (double)n / Rate;
            var since = t % everySeconds;
            double v = 0;
            foreach (var f in new[] { 130.8, 164.8, 196.0 })
            {
                for (var h = 1; h * f < 4000; h++) v += Math.Sin(2 * Math.PI * h * f * t) / h;
            }

            chords[n] = (float)(v * Math.Exp(-since / 0.25));
        }

        return chords;
    }

    /// <summary>
    /// A vowel like "a" (F1 700, F2 1200, F3 2600 Hz, 120 Hz voice), a 50 ms transition that takes
    /// F2 to <paramref name="locusHz"/> and F1 down to 300 Hz, an 80 ms nasal murmur (F1 250 Hz, F2
    /// and F3 gone, 4 dB quieter), the transition back and the vowel again. <paramref name="murmur"/>: the murmur's span, seconds.
    /// </summary>
    private static float[] NasalBetweenVowels(double locusHz, out (double Start, double End) murmur)
    {
        const double vowel = 0.2, glide = 0.05, nasal = 0.08, f0 = 120;
        var total = (2 * vowel) + (2 * glide) + nasal;
        murmur = (vowel + glide, vowel + glide + nasal);
        var samples = new float[(int)(total * Rate)];
        double phase = 0;
        for (var s = 0; s < samples.Length; s++)
        {
            var t = (double)s / Rate;
            // 0 in the vowels, 1 in the murmur, linear across the transitions.
            var toward = Math.Clamp(Math.Min(t - vowel, total - vowel - t) / glide, 0, 1);
            var inMurmur = t >= murmur.Start && t < murmur.End;
            var f1 = inMurmur ? 250 : 700 - (400 * toward);
            var f2 = 1200 + ((locusHz - 1200) * toward);
            var upper = inMurmur ? 0.02 : 1.0;
            phase += 2 * Math.PI * f0 / Rate;
            double v = 0;
            for (var h = 1; h * f0 < 4000; h++)
            {
                var f = h * f0;
                var gain = (1 / (1 + Math.Pow((f - f1) / 80, 2))) + (upper * 0.5 / (1 + Math.Pow((f - f2) / 100, 2)))
                    + (upper * 0.3 / (1 + Math.Pow((f - 2600) / 150, 2)));
                v += gain * Math.Sin(h * phase);
            }

            var fade = Math.Min(1, Math.Min(t, total - t) / 0.02);
            samples[s] = (float)(0.1 * v * fade * (inMurmur ? 0.63 : 1));
        }

        return samples;
    }

    /// <summary>The strongest lip press of the frames whose mouth sample (their time plus the lead) falls in <paramref name="span"/>, seconds of the sound.</summary>
    private static float MostPressIn(MotionTrack track, MotionOptions options, (double Start, double End) span) =>
        Enumerable.Range(0, track.FrameCount)
            .Where(i => (i / track.FramesPerSecond) + options.MouthLeadSeconds >= span.Start && (i / track.FramesPerSecond) + options.MouthLeadSeconds <= span.End)
            .Max(i => track.Frames[i].LipPress);

    /// <summary>Four 250-ms vowels from 0.2 s on, each followed by 70 ms of a low voiced murmur 15 dB down (an m); the murmurs' times.</summary>
    private static float[] AMaMaMa(out (double Start, double End)[] murmurs)
    {
        var samples = new float[2 * Rate];
        var vowel = VibratoVowel(0.25, vibratoDepth: 0, fadeSeconds: 0.01);
        var murmur = (int)(0.07 * Rate);
        var start = (int)(0.2 * Rate);
        murmurs = new (double, double)[4];
        for (var syllable = 0; syllable < 4; syllable++, start += vowel.Length + murmur)
        {
            vowel.CopyTo(samples, start);
            murmurs[syllable] = ((double)(start + vowel.Length) / Rate, (double)(start + vowel.Length + murmur) / Rate);
            for (var n = 0; n < murmur; n++)
            {
                var t = (double)(start + vowel.Length + n) / Rate;
                samples[start + vowel.Length + n] = (float)((0.04 * Math.Sin(2 * Math.PI * 220 * t)) + (0.02 * Math.Sin(2 * Math.PI * 440 * t)));
            }
        }

        return samples;
    }

    /// <summary>The pitches of <see cref="SungMelody"/>'s eight notes, Hz.</summary>
    private static readonly double[] Melody = [220, 247, 262, 294, 330, 294, 262, 247];

    /// <summary>Eight sung notes (<see cref="VibratoVowel"/>, 0.9 s each at <see cref="Melody"/>'s pitches), each followed by 0.1 s of breath.</summary>
    private static float[] SungMelody() =>
        Melody.SelectMany(f => VibratoVowel(0.9, fadeSeconds: 0.05, pitchHz: f).Concat(new float[(int)(0.1 * Rate)])).ToArray();

    /// <summary>Root mean square of <paramref name="x"/>.</summary>
    internal static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var v in x) sum += (double)v * v;
        return Math.Sqrt(sum / x.Length);
    }

    /// <summary>
    /// A sung "ah": 220 Hz with a 6 Hz vibrato of ±3%, harmonics weighted by two formant peaks
    /// (700 and 1100 Hz, as in /a/), 100 ms fades.
    /// </summary>
    internal static float[] VibratoVowel(double seconds, double vibratoDepth = 0.03, double fadeSeconds = 0.1, double pitchHz = 220)
    {
        var samples = new float[(int)(seconds * Rate)];
        double phase = 0;
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            var f0 = pitchHz * (1 + (vibratoDepth * Math.Sin(2 * Math.PI * 6 * t)));
            phase += 2 * Math.PI * f0 / Rate;
            double v = 0;
            for (var h = 1; h * f0 < 4000; h++)
            {
                var f = h * f0;
                var gain = (1 / (1 + Math.Pow((f - 700) / 150, 2))) + (0.7 / (1 + Math.Pow((f - 1100) / 150, 2))) + (0.05 / h);
                v += gain * Math.Sin(h * phase);
            }

            var fade = Math.Min(1, Math.Min(t, seconds - t) / fadeSeconds);
            samples[n] = (float)(0.2 * v * fade);
        }

        return samples;
    }

    /// <summary>Log RMS of the audio in a 40 ms window centred on each video frame, computed directly from the samples.</summary>
    private static double[] LogRmsPerFrame(float[] samples, int frames)
    {
        var envelope = new double[frames];
        var half = (int)(0.02 * Rate);
        for (var k = 0; k < frames; k++)
        {
            var centre = (int)(k / Fps * Rate);
            double sum = 0;
            var count = 0;
            for (var n = Math.Max(0, centre - half); n < Math.Min(samples.Length, centre + half); n++)
            {
                sum += samples[n] * (double)samples[n];
                count++;
            }

            envelope[k] = 10 * Math.Log10((sum / Math.Max(1, count)) + 1e-10);
        }

        return envelope;
    }

    /// <summary>Pearson correlation of a[k] with b[k + lag] over the frames both have.</summary>
    private static double Pearson(double[] a, double[] b, int lag)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (var k = 0; k < a.Length; k++)
        {
            if (k + lag >= 0 && k + lag < b.Length)
            {
                xs.Add(a[k]);
                ys.Add(b[k + lag]);
            }
        }

        double mx = xs.Average(), my = ys.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
            syy += (ys[i] - my) * (ys[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    private static int CountRises(float[] values, float level)
    {
        var count = 0;
        for (var k = 1; k < values.Length; k++)
        {
            if (values[k - 1] < level && values[k] >= level)
            {
                count++;
            }
        }

        return count;
    }

    private static double Std(IEnumerable<double> values)
    {
        var array = values.ToArray();
        var mean = array.Average();
        return Math.Sqrt(array.Average(v => (v - mean) * (v - mean)));
    }
}
