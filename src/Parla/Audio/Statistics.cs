using System.Buffers;

namespace Parla.Audio;

/// <summary>Small order statistics shared by the audio and motion stages.</summary>
internal static class Statistics
{
    /// <summary>The <paramref name="percent"/>-th percentile (0..100) of <paramref name="values"/> with linear interpolation between ranks; NaN when empty.</summary>
    public static float Percentile(ReadOnlySpan<float> values, double percent)
    {
        if (values.IsEmpty)
        {
            return float.NaN;
        }

        var rented = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            var sorted = rented.AsSpan(0, values.Length);
            values.CopyTo(sorted);
            sorted.Sort();
            return PercentileOfSorted(sorted, percent);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>As <see cref="Percentile"/> for values already sorted ascending.</summary>
    public static float PercentileOfSorted(ReadOnlySpan<float> sorted, double percent)
    {
        if (sorted.IsEmpty)
        {
            return float.NaN;
        }

        var position = Math.Clamp(percent, 0, 100) / 100.0 * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        var fraction = (float)(position - lower);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * fraction);
    }
}
