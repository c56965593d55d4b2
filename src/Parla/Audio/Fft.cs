namespace Parla.Audio;

/// <summary>
/// In-place iterative radix-2 complex FFT of one fixed size. Twiddles and the bit-reversal
/// permutation are computed once; <see cref="Forward"/> allocates nothing.
/// </summary>
internal sealed class Fft
{
    private readonly int _size;
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly int[] _bitReversed;

    public Fft(int size)
    {
        if (size < 2 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two, at least 2.");
        }

        _size = size;
        _cos = new float[size / 2];
        _sin = new float[size / 2];
        for (var k = 0; k < size / 2; k++)
        {
            // Forward transform: W^k = exp(-2πik/N).
            var angle = -2.0 * Math.PI * k / size;
            _cos[k] = (float)Math.Cos(angle);
            _sin[k] = (float)Math.Sin(angle);
        }

        var bits = System.Numerics.BitOperations.Log2((uint)size);
        _bitReversed = new int[size];
        for (var i = 0; i < size; i++)
        {
            var r = 0;
            for (var b = 0; b < bits; b++)
            {
                r |= ((i >> b) & 1) << (bits - 1 - b);
            }

            _bitReversed[i] = r;
        }
    }

    public int Size => _size;

    /// <summary>Replaces (<paramref name="re"/>, <paramref name="im"/>) by its discrete Fourier transform (unnormalised).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Forward(Span<float> re, Span<float> im)
    {
        if (re.Length != _size || im.Length != _size)
        {
            throw new ArgumentException($"Both spans must hold exactly {_size} values.");
        }

        for (var i = 0; i < _size; i++)
        {
            var j = _bitReversed[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (var half = 1; half < _size; half <<= 1)
        {
            var twiddleStep = _size / (half * 2);
            for (var start = 0; start < _size; start += half * 2)
            {
                for (var k = 0; k < half; k++)
                {
                    var wr = _cos[k * twiddleStep];
                    var wi = _sin[k * twiddleStep];
                    var a = start + k;
                    var b = a + half;
                    var tr = (re[b] * wr) - (im[b] * wi);
                    var ti = (re[b] * wi) + (im[b] * wr);
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }
}
