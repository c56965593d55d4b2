using Parla.Audio.Phonemes;

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
    public void NoisyVoice_IsFiltered_AndComesCloserToTheCleanOne()
    {
        var clean = Bursts();
        var pcm = Pcm(clean, AudioTestData.WhiteNoise(4, seed: 3, rms: 0.04));
        var before = SignalToError(clean, pcm);

        Assert.True(NoiseReduction.Apply(pcm));
        var after = SignalToError(clean, pcm);
        Assert.True(after > before + 4, $"signal to error {before:0.0} dB before, {after:0.0} dB after");
    }

    [Fact]
    public void CleanVoice_IsLeftAsItIs()
    {
        var clean = Bursts();
        var pcm = Pcm(clean, AudioTestData.WhiteNoise(4, seed: 3, rms: 0.001));
        var copy = pcm.ToArray();

        Assert.False(NoiseReduction.Apply(pcm));
        Assert.Equal(copy, pcm);
    }

    [Fact]
    public void SameNoisyPiece_IsFilteredTheSameEachTime()
    {
        var noisy = Pcm(Bursts(), AudioTestData.WhiteNoise(4, seed: 5, rms: 0.05));
        var a = noisy.ToArray();
        var b = noisy.ToArray();
        NoiseReduction.Apply(a);
        NoiseReduction.Apply(b);
        Assert.Equal(a, b);
        Assert.NotEqual(noisy, a);
    }
}
