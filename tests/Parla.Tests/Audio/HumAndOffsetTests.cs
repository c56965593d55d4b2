using Parla.Audio;
using Parla.Media;
using Parla.Pipeline;

namespace Parla.Tests.Audio;

/// <summary>
/// A recorder's DC offset (a constant added to every sample, common with cheap converters) and a
/// mains hum under the voice's band are no noise the listeners hear: they filled a clean read's
/// pauses, so an offset of 0.3 % of full scale (−50 dBFS) or a 50-Hz hum at −36 dBFS made the read
/// "noise under the voice" and sent it to the acoustic path; the offset left a quiet voice unraised.
/// </summary>
public sealed class HumAndOffsetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-dc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static short[] Offset(short[] pcm, double offset) =>
        pcm.Select(x => (short)Math.Clamp(Math.Round(x + (offset * 32767)), short.MinValue, short.MaxValue)).ToArray();

    [Theory]
    [InlineData(0.003)]
    [InlineData(0.02)]
    [InlineData(0.2)]
    public void ACleanRead_WithAnOffset_IsNotTakenForANoisyOne(double offset)
    {
        var read = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav")).ToPcm16();
        using var clean = new AudioClip(read, 16000);
        using var offsetClip = new AudioClip(Offset(read, offset), 16000);

        using var cleaned = NoiseReduction.Clean(clean, out var cleanDb);
        using var kept = NoiseReduction.Clean(offsetClip, out var offsetDb);

        Assert.Same(offsetClip, kept);
        Assert.True(Math.Abs(offsetDb - cleanDb) < 1, $"loud over quiet {offsetDb:0.0} dB with the offset, {cleanDb:0.0} dB without");
    }

    [Theory]
    [InlineData(50, 0.015)]
    [InlineData(60, 0.05)]
    public void ACleanRead_OverAMainsHum_IsNotTakenForANoisyOne(double hz, double amplitude)
    {
        var read = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav")).ToPcm16();
        using var clean = new AudioClip(read, 16000);
        var hum = read.Select((x, n) => (short)Math.Clamp(Math.Round(x + (amplitude * 32767 * Math.Sin(2 * Math.PI * hz * n / 16000))), short.MinValue, short.MaxValue)).ToArray();
        using var humming = new AudioClip(hum, 16000);

        using var cleaned = NoiseReduction.Clean(clean, out var cleanDb);
        using var kept = NoiseReduction.Clean(humming, out var humDb);

        Assert.Same(humming, kept);
        Assert.True(humDb > NoiseReduction.NoisyBelowDb + 3, $"loud over quiet {humDb:0.0} dB over the hum, {cleanDb:0.0} dB without");
    }

    [Fact]
    public void TheCascadedHighPass_GivesTheSamplesOfItsTwoSectionsOneAfterTheOther_InAnyChunks()
    {
        var random = new Random(3);
        var input = Enumerable.Range(0, 5000).Select(_ => (float)((random.NextDouble() - 0.5) * 60000)).ToArray();
        var expected = input.ToArray();
        new HighPassFilter(100, 16000).Process(expected, expected);
        new HighPassFilter(100, 16000).Process(expected, expected);

        var cascaded = input.ToArray();
        var (first, second) = (new HighPassFilter(100, 16000), new HighPassFilter(100, 16000));
        foreach (var (start, length) in new[] { (0, 1), (1, 999), (1000, 2500), (3500, 1500) })
            HighPassFilter.Cascade(first, second, cascaded.AsSpan(start, length));
        Assert.Equal(expected, cascaded);
    }

    [Fact]
    public void AQuietVoice_WithAnOffset_IsRaisedAsMuchAsWithout()
    {
        var read = AudioDecoder.Decode(AudioTestData.Voice("librivox_0870.wav")).ToFloats();
        var gain = (float)Math.Pow(10, -45 / 20.0);
        var quiet = read.Select(x => (short)Math.Round(x * gain * 32767)).ToArray();
        using var plain = new AudioClip(quiet, 16000);
        using var offsetClip = new AudioClip(Offset(quiet, 0.003), 16000);

        var plainGain = Loudness.GainFor(plain);
        Assert.InRange(plainGain, 25, 50);
        Assert.InRange(Loudness.GainFor(offsetClip), plainGain - 1, plainGain + 1);
    }

    [Fact]
    public void AReadWithAnOffset_MovesTheMouthFromItsEnglishPhones_AsTheReadWithout()
    {
        var read = AudioDecoder.Decode(AudioTestData.Voice("librivox_0880.wav")).ToFloats();
        var path = Path.Combine(_dir, "offset.wav");
        AudioTestData.WriteWav(path, read.Select(x => x + 0.02f).ToArray());
        AnimateResult Render(string voice, string name) => new Animator().Run(new AnimateRequest(TestData.Portrait("grace_hopper.jpg"), voice,
            Path.Combine(_dir, name), new AnimateOptions { Consent = TestData.Consent, Portrait = new PortraitOptions { MaxSidePixels = 128 } }));

        var offset = Render(path, "offset.mp4");
        var plain = Render(AudioTestData.Voice("librivox_0880.wav"), "plain.mp4");
        Assert.StartsWith("English phones", offset.Mouth, StringComparison.Ordinal);
        var jaw = offset.Motion.Frames.Select(s => (double)s.JawOpen).ToArray();
        var plainJaw = plain.Motion.Frames.Select(s => (double)s.JawOpen).ToArray();
        Assert.True(Statistics.Pearson(jaw, plainJaw) > 0.95, $"jaw against the read's without the offset: r {Statistics.Pearson(jaw, plainJaw):0.000}");
    }
}
