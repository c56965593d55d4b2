namespace Parla.Media;

/// <summary>Mono audio as float samples in [-1, 1].</summary>
public sealed class AudioClip
{
    public AudioClip(float[] samples, int sampleRateHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1);
        Samples = samples;
        SampleRateHz = sampleRateHz;
    }

    public float[] Samples { get; }

    public int SampleRateHz { get; }

    public double DurationSeconds => (double)Samples.Length / SampleRateHz;
}
