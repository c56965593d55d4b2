using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Parla.Media;

/// <summary>
/// Mono audio as 16-bit samples: the format of the usual sources and of the phoneme recogniser.
/// A decoded voice stays in a temporary file (deleted when the clip is disposed, or at once where the
/// system allows it) and is read piece by piece, so a voice of any length costs no memory; a clip
/// made from samples holds them. Samples read as floats are <c>s / 32768</c>, in [-1, 1).
/// </summary>
public sealed class AudioClip : IDisposable, IArrivingSamples
{
    private const int ReadBlock = 4096;
    private const float Scale = 1f / 32768;
    private readonly short[]? _samples;
    private readonly SafeFileHandle? _file;
    private readonly bool _ownsFile = true;
    private readonly int _offset; // the first sample's place in the samples or the file (a slice's)

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
        Length = samples.Length;
        SampleRateHz = sampleRateHz;
    }

    /// <summary>A clip read from <paramref name="file"/>: <paramref name="length"/> little-endian 16-bit samples from its start. The clip owns the handle.</summary>
    internal AudioClip(SafeFileHandle file, int length, int sampleRateHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _file = file;
        Length = length;
        SampleRateHz = sampleRateHz;
    }

    /// <summary>
    /// The samples <paramref name="file"/> holds so far, read as a clip's are, for a reader that knows
    /// how many there are (<see cref="DecodingVoice"/>): the clip's length is unbounded and it does not close the file.
    /// </summary>
    internal static AudioClip Viewing(SafeFileHandle file, int sampleRateHz) => new(file, int.MaxValue, sampleRateHz, ownsFile: false);

    private AudioClip(SafeFileHandle file, int length, int sampleRateHz, bool ownsFile)
        : this(file, length, sampleRateHz)
    {
        _ownsFile = ownsFile;
    }

    private AudioClip(AudioClip whole, int start, int length)
    {
        _samples = whole._samples;
        _file = whole._file;
        _ownsFile = false;
        _offset = whole._offset + start;
        Length = length;
        SampleRateHz = whole.SampleRateHz;
    }

    /// <summary>
    /// The <paramref name="length"/> samples from <paramref name="start"/> on, as a clip of their own
    /// that reads this one's samples where they are (no copy); it must not outlive this clip.
    /// </summary>
    public AudioClip Slice(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - start, nameof(length));
        return new AudioClip(this, start, length);
    }

    /// <summary>Number of samples.</summary>
    public int Length { get; }

    public int SampleRateHz { get; }

    public double DurationSeconds => (double)Length / SampleRateHz;

    /// <summary>Reads samples from <paramref name="start"/> on, as many as <paramref name="destination"/> holds. Safe to call from several threads at once.</summary>
    public void Read(int start, Span<short> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, Length - start, nameof(destination));
        if (_samples is not null)
        {
            _samples.AsSpan(_offset + start, destination.Length).CopyTo(destination);
            return;
        }

        ObjectDisposedException.ThrowIf(_file!.IsClosed, this);
        var bytes = MemoryMarshal.AsBytes(destination);
        var offset = ((long)_offset + start) * sizeof(short);
        while (!bytes.IsEmpty)
        {
            var read = RandomAccess.Read(_file, bytes, offset);
            if (read <= 0) throw new IOException("The decoded voice's temporary file ended early.");
            bytes = bytes[read..];
            offset += read;
        }
    }

    /// <summary>Reads samples from <paramref name="start"/> on as floats, as many as <paramref name="destination"/> holds.</summary>
    public void CopyTo(int start, Span<float> destination)
    {
        Span<short> block = stackalloc short[ReadBlock];
        for (var done = 0; done < destination.Length; done += ReadBlock)
        {
            var part = block[..Math.Min(ReadBlock, destination.Length - done)];
            Read(start + done, part);
            var target = destination.Slice(done, part.Length);
            for (var i = 0; i < part.Length; i++) target[i] = part[i] * Scale;
        }
    }

    /// <summary>All samples in a new array (for short clips).</summary>
    public short[] ToPcm16()
    {
        var pcm = new short[Length];
        Read(0, pcm);
        return pcm;
    }

    /// <summary>All samples as floats in a new array (for short clips: twice their 16-bit size).</summary>
    public float[] ToFloats()
    {
        var floats = new float[Length];
        CopyTo(0, floats);
        return floats;
    }

    public void Dispose()
    {
        if (_ownsFile) _file?.Dispose();
    }

    int? IArrivingSamples.WaitFor(long end, CancellationToken ct) => Length;

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
