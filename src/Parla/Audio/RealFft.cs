using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Parla.Audio;

/// <summary>
/// The FFT of a real frame through a complex FFT of half its size: the even samples as the real
/// parts, the odd ones as the imaginary parts, the two interleaved spectra taken apart afterwards.
/// Half the butterflies of a complex transform of the whole frame; <see cref="Inverse"/> the same way
/// back. Neither allocates.
/// </summary>
internal sealed class RealFft
{
    private readonly Fft _half;
    private readonly float[] _zr;
    private readonly float[] _zi;
    private readonly float[] _cos;
    private readonly float[] _sin;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two, at least 4.");
        }

        Size = size;
        _half = new Fft(size / 2);
        _zr = new float[size / 2];
        _zi = new float[size / 2];
        _cos = new float[(size / 2) + 1];
        _sin = new float[(size / 2) + 1];
        for (var k = 0; k <= size / 2; k++)
        {
            var angle = -2.0 * Math.PI * k / size;
            _cos[k] = (float)Math.Cos(angle);
            _sin[k] = (float)Math.Sin(angle);
        }
    }

    /// <summary>The frame's length: the transform gives its bins 0 … Size / 2.</summary>
    public int Size { get; }

    /// <summary>
    /// The discrete Fourier transform (unnormalised) of the real <paramref name="input"/> (Size values),
    /// its bins 0 … Size / 2 written to the first Size / 2 + 1 values of <paramref name="re"/> and <paramref name="im"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<float> input, Span<float> re, Span<float> im)
    {
        var m = Size / 2;
        if (input.Length != Size || re.Length <= m || im.Length <= m)
        {
            throw new ArgumentException($"The input must hold {Size} values and each output at least {m + 1}.");
        }

        var zr = _zr.AsSpan();
        var zi = _zi.AsSpan();
        for (var n = 0; n < m; n++)
        {
            var at = _half.BitReversed(n);
            zr[at] = input[2 * n];
            zi[at] = input[(2 * n) + 1];
        }

        _half.ForwardFromBitReversed(zr, zi);

        // Z = E + iO, where E and O are the even and odd samples' spectra (both of real signals, so
        // E[k] = (Z[k] + conj Z[m−k]) / 2 and O[k] = (Z[k] − conj Z[m−k]) / 2i); X[k] = E[k] + W^k O[k].
        // At k = 0 and k = m, E and O are real: X = E ± O.
        re[0] = zr[0] + zi[0];
        im[0] = 0;
        re[m] = zr[0] - zi[0];
        im[m] = 0;
        var k = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            // Eight bins at a time, the mirrored bins m − k read backwards and reversed.
            var reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
            var half = Vector256.Create(0.5f);
            for (; k + 8 <= m; k += 8)
            {
                var a = Vector256.Create<float>(zr[k..]);
                var b = Vector256.Create<float>(zi[k..]);
                var c = Vector256.Shuffle(Vector256.Create<float>(zr[(m - k - 7)..]), reverse);
                var d = Vector256.Shuffle(Vector256.Create<float>(zi[(m - k - 7)..]), reverse);
                var evenRe = half * (a + c);
                var evenIm = half * (b - d);
                var oddRe = half * (b + d);
                var oddIm = half * (c - a);
                var wr = Vector256.Create<float>(_cos.AsSpan(k));
                var wi = Vector256.Create<float>(_sin.AsSpan(k));
                (evenRe + ((wr * oddRe) - (wi * oddIm))).CopyTo(re[k..]);
                (evenIm + ((wr * oddIm) + (wi * oddRe))).CopyTo(im[k..]);
            }
        }

        for (; k < m; k++)
        {
            var a = zr[k];
            var b = zi[k];
            var c = zr[m - k];
            var d = zi[m - k];
            var evenRe = 0.5f * (a + c);
            var evenIm = 0.5f * (b - d);
            var oddRe = 0.5f * (b + d);
            var oddIm = 0.5f * (c - a);
            var wr = _cos[k];
            var wi = _sin[k];
            re[k] = evenRe + ((wr * oddRe) - (wi * oddIm));
            im[k] = evenIm + ((wr * oddIm) + (wi * oddRe));
        }
    }

    /// <summary>
    /// The real frame (Size values, into <paramref name="output"/>) whose transform has the bins 0 … Size / 2
    /// in <paramref name="re"/> and <paramref name="im"/>: the inverse of <see cref="Forward"/>, normalised
    /// (the other half of the bins is their mirror, as a real frame's is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Inverse(ReadOnlySpan<float> re, ReadOnlySpan<float> im, Span<float> output)
    {
        var m = Size / 2;
        if (output.Length != Size || re.Length <= m || im.Length <= m)
        {
            throw new ArgumentException($"The output must hold {Size} values and each input at least {m + 1}.");
        }

        // Forward's step undone: E[k] = (X[k] + conj X[m−k]) / 2, O[k] = (X[k] − conj X[m−k]) / (2W^k),
        // and Z = E + iO, whose inverse transform holds the even samples as real parts and the odd ones
        // as imaginary parts. The inverse through the forward transform: conj(FFT(conj Z)).
        var zr = _zr.AsSpan();
        var zi = _zi.AsSpan();
        for (var k = 0; k < m; k++)
        {
            var sumRe = 0.5f * (re[k] + re[m - k]);
            var sumIm = 0.5f * (im[k] - im[m - k]);
            var differenceRe = 0.5f * (re[k] - re[m - k]);
            var differenceIm = 0.5f * (im[k] + im[m - k]);
            var wr = _cos[k];
            var wi = _sin[k];
            var oddRe = (differenceRe * wr) + (differenceIm * wi);
            var oddIm = (differenceIm * wr) - (differenceRe * wi);
            var at = _half.BitReversed(k);
            zr[at] = sumRe - oddIm;
            zi[at] = -(sumIm + oddRe);
        }

        _half.ForwardFromBitReversed(zr, zi);
        var scale = 1f / m;
        for (var n = 0; n < m; n++)
        {
            output[2 * n] = zr[n] * scale;
            output[(2 * n) + 1] = -zi[n] * scale;
        }
    }
}
