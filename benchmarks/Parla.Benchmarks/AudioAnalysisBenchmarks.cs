using BenchmarkDotNet.Attributes;
using Parla.Audio;
using Parla.Media;
using Parla.Motion;

namespace Parla.Benchmarks;

/// <summary>Feature extraction and motion generation on 60 s of a synthetic voiced signal (16 kHz).</summary>
[MemoryDiagnoser]
public class AudioAnalysisBenchmarks
{
    private AudioClip _clip = null!;
    private AudioFeatures _features = null!;

    [GlobalSetup]
    public void Setup()
    {
        const int Rate = 16000;
        var samples = new float[60 * Rate];
        var random = new Random(1);
        for (var n = 0; n < samples.Length; n++)
        {
            var t = (double)n / Rate;
            var envelope = Math.Max(0, Math.Sin(Math.PI * 5 * t)) * ((t % 2.0) < 1.4 ? 1 : 0);
            samples[n] = (float)((0.3 * envelope * Math.Sin(2 * Math.PI * 180 * t)) + (0.002 * (random.NextDouble() - 0.5)));
        }

        _clip = new AudioClip(samples, Rate);
        _features = AudioAnalyzer.Analyze(_clip);
    }

    [Benchmark]
    public AudioFeatures Analyze60Seconds() => AudioAnalyzer.Analyze(_clip);

    [Benchmark]
    public MotionTrack Motion60SecondsAt25Fps() => MotionGenerator.Generate(_features, 1500, new MotionOptions());
}
