using System.Numerics;
using System.Runtime.InteropServices;
using Parla.Media;

namespace Parla.Audio;

/// <summary>
/// How loud a voice is, and how much a quiet one is raised before it is analysed: the activity
/// track, the pitch track and the recogniser all meet levels far under a usual recording's as near
/// silence (a read 45 dB under its original level, peaks at −50 dBFS: the mouth hardly moved,
/// mouth p10–p90 0.023–0.035, and the voice was not confidently English). The video keeps the voice
/// as given.
/// </summary>
internal static class Loudness
{
    /// <summary>A voice whose louder frames (the 95th percentile of 20-ms levels) stand under this, dBFS, is raised.</summary>
    public const double QuietBelowDb = -40;

    /// <summary>Where a quiet voice's louder frames are raised to, dBFS: a usual recording's level.</summary>
    public const double TargetDb = -20;

    /// <summary>The most a voice is raised, dB (beyond it, what is left is the converter's noise).</summary>
    public const double MaxGainDb = 50;

    /// <summary>A voice that would be raised by less than this, dB, is left as it is.</summary>
    public const double MinGainDb = 3;

    /// <summary>A sound whose louder frames stand less than this above its quieter ones (the 10th percentile) is a steady one (hum, hiss, dither): no voice to raise.</summary>
    public const double MinRangeDb = 6;

    private const double FrameSeconds = 0.02;

    /// <summary>The gain, dB, that brings a quiet voice to <see cref="TargetDb"/> without clipping it (1 dB under full scale); 0 for a voice loud enough (or one it would raise by less than <see cref="MinGainDb"/>), or no voice.</summary>
    public static double GainFor(AudioClip clip, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var frame = Math.Max(1, (int)Math.Round(FrameSeconds * clip.SampleRateHz));
        var frames = clip.Length / frame;
        if (frames < 10) return 0;
        var levels = new float[frames];
        var block = new short[frame * 64];
        var peak = 0;
        for (var f0 = 0; f0 < frames; f0 += 64)
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(64, frames - f0);
            var span = block.AsSpan(0, count * frame);
            clip.Read(f0 * frame, span);
            for (var f = 0; f < count; f++)
            {
                var (squares, sum, framePeak) = SquaresSumAndPeak(span.Slice(f * frame, frame));
                peak = Math.Max(peak, framePeak);
                // The level about the frame's mean: a recorder's DC offset is no sound (an offset of
                // 0.3 % of full scale, −50 dBFS, left a quiet voice "steady": no voice to raise).
                var power = Math.Max(0, squares - (sum * sum / frame));
                levels[f0 + f] = (float)(10 * Math.Log10((power / frame / (32768.0 * 32768.0)) + 1e-14));
            }
        }

        var loud = Statistics.Percentile(levels, 95);
        var quiet = Statistics.Percentile(levels, 10);
        if (loud >= QuietBelowDb || loud - quiet < MinRangeDb || peak == 0) return 0;
        var peakDb = 20 * Math.Log10(peak / 32768.0);
        var gain = Math.Min(Math.Min(TargetDb - loud, MaxGainDb), -1 - peakDb);
        return gain >= MinGainDb ? gain : 0;
    }

    /// <summary>The sum of squares, the sum and the largest magnitude of 16-bit samples, a vector at a time (every voice is read whole before its first frame).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (double Squares, double Sum, int Peak) SquaresSumAndPeak(ReadOnlySpan<short> samples)
    {
        var vectors = MemoryMarshal.Cast<short, Vector<short>>(samples);
        var squares = Vector<float>.Zero;
        // Integer sums: exact.
        var sums = Vector<int>.Zero;
        var high = Vector<short>.Zero;
        var low = Vector<short>.Zero;
        foreach (var v in vectors)
        {
            high = Vector.Max(high, v);
            low = Vector.Min(low, v);
            Vector.Widen(v, out var a, out var b);
            sums += a + b;
            var fa = Vector.ConvertToSingle(a);
            var fb = Vector.ConvertToSingle(b);
            squares += (fa * fa) + (fb * fb);
        }

        double squareSum = Vector.Sum(squares);
        double sum = Vector.Sum(sums);
        int peak = 0;
        for (var i = 0; i < Vector<short>.Count; i++) peak = Math.Max(peak, Math.Max(high[i], -(int)low[i]));
        for (var i = vectors.Length * Vector<short>.Count; i < samples.Length; i++)
        {
            squareSum += samples[i] * (double)samples[i];
            sum += samples[i];
            peak = Math.Max(peak, Math.Abs((int)samples[i]));
        }

        return (squareSum, sum, peak);
    }
}
