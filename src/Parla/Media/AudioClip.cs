namespace Parla.Media;

/// <summary>
/// Mono audio, held as 16-bit samples: the format of the usual sources and of the phoneme recogniser,
/// and half the memory of floats, which is what a long voice costs (16 kHz: 1.9 MB a minute).
/// Samples read as floats are <c>s / 32768</c>, in [-1, 1).
/// </summary>
public sealed class AudioClip
{
    private readonly short[] _samples;

    /// <summary>A clip from float samples in [-1, 1], rounded to 16 bits (louder ones are clipped).</summary>
    public AudioClip(float[] samples, int sampleRateHz)
        : this(ToPcm16(samples ?? throw new ArgumentNullException(nameof(samples))), sampleRateHz)
    {
    }

    /// <summary>A clip that takes <paramref name="samples"/> as they are (not copied).</summary>
    public AudioClip(short[] samples, int sampleRateHz)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1);
        _samples = samples;
        SampleRateHz = sampleRateHz;
    }

    /// <summary>The samples as 16-bit integers.</summary>
    public ReadOnlySpan<short> Pcm16 => _samples;

    /// <summary>Number of samples.</summary>
    public int Length => _samples.Length;

    public int SampleRateHz { get; }

    public double DurationSeconds => (double)_samples.Length / SampleRateHz;

    /// <summary>Sample <paramref name="index"/> as a float in [-1, 1).</summary>
    public float this[int index] => _samples[index] * Scale;

    /// <summary>Writes samples from <paramref name="start"/> on as floats, as many as <paramref name="destination"/> holds.</summary>
    public void CopyTo(int start, Span<float> destination)
    {
        var source = _samples.AsSpan(start, destination.Length);
        for (var i = 0; i < source.Length; i++) destination[i] = source[i] * Scale;
    }

    /// <summary>All samples as a new float array (for short clips: it is twice the clip's size).</summary>
    public float[] ToFloats()
    {
        var floats = new float[_samples.Length];
        CopyTo(0, floats);
        return floats;
    }

    private const float Scale = 1f / 32768;

    private static short[] ToPcm16(ReadOnlySpan<float> samples)
    {
        var pcm = new short[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            pcm[i] = (short)Math.Clamp(MathF.Round(samples[i] * 32768f), -32768f, 32767f);
        }

        return pcm;
    }
}
