using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    // The twiddles of each stage side by side: those of the stage of half-size h at [h − 1, 2h − 1),
    // so that a stage's butterflies read them as whole vectors.
    private readonly float[] _stageCos;
    private readonly float[] _stageSin;

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

        _stageCos = new float[Math.Max(1, size - 1)];
        _stageSin = new float[Math.Max(1, size - 1)];
        for (var half = 1; half < size; half <<= 1)
        {
            for (var k = 0; k < half; k++)
            {
                _stageCos[half - 1 + k] = _cos[k * (size / (half * 2))];
                _stageSin[half - 1 + k] = _sin[k * (size / (half * 2))];
            }
        }

        var bits = BitOperations.Log2((uint)size);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        ForwardFromBitReversed(re, im);
    }

    /// <summary>Where the transform's input value <paramref name="index"/> must stand for <see cref="ForwardFromBitReversed"/>.</summary>
    public int BitReversed(int index) => _bitReversed[index];

    /// <summary>
    /// <see cref="Forward"/> of an input already stored in bit-reversed order (value n at
    /// <see cref="BitReversed"/>(n)): a caller that writes its input anyway saves the permutation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForwardFromBitReversed(Span<float> re, Span<float> im)
    {
        if (re.Length != _size || im.Length != _size)
        {
            throw new ArgumentException($"Both spans must hold exactly {_size} values.");
        }

        var width = Vector<float>.Count;
        var firstHalf = 1;
        if (_size >= 4)
        {
            FirstTwoStages(re, im);
            firstHalf = 4;
        }

        for (var half = firstHalf; half < _size; half <<= 1)
        {
            if (Vector.IsHardwareAccelerated && half >= width)
            {
                Stage(re, im, half);
                continue;
            }

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

    /// <summary>
    /// The stages of half-size 1 and 2 in one pass over each four values: their twiddles are 1 and −i,
    /// so they need no multiplication.
    /// </summary>
    private void FirstTwoStages(Span<float> re, Span<float> im)
    {
        for (var a = 0; a + 3 < _size; a += 4)
        {
            float r0 = re[a], r1 = re[a + 1], r2 = re[a + 2], r3 = re[a + 3];
            float i0 = im[a], i1 = im[a + 1], i2 = im[a + 2], i3 = im[a + 3];
            // Half-size 1: sums and differences of neighbours.
            float s0r = r0 + r1, s0i = i0 + i1, d0r = r0 - r1, d0i = i0 - i1;
            float s1r = r2 + r3, s1i = i2 + i3, d1r = r2 - r3, d1i = i2 - i3;
            // Half-size 2: the second difference times −i is (d1i, −d1r).
            re[a] = s0r + s1r;
            im[a] = s0i + s1i;
            re[a + 2] = s0r - s1r;
            im[a + 2] = s0i - s1i;
            re[a + 1] = d0r + d1i;
            im[a + 1] = d0i - d1r;
            re[a + 3] = d0r - d1i;
            im[a + 3] = d0i + d1r;
        }
    }

    /// <summary>
    /// One stage of butterflies, a vector of them at a time (half-size at least a vector's width): the
    /// very operations of the scalar butterfly, lane by lane, so the same values to the bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Stage(Span<float> re, Span<float> im, int half)
    {
        var width = Vector<float>.Count;
        ref var r = ref MemoryMarshal.GetReference(re);
        ref var i = ref MemoryMarshal.GetReference(im);
        ref var cos = ref MemoryMarshal.GetArrayDataReference(_stageCos);
        ref var sin = ref MemoryMarshal.GetArrayDataReference(_stageSin);
        for (var start = 0; start < _size; start += half * 2)
        {
            for (var k = 0; k < half; k += width)
            {
                var wr = Vector.LoadUnsafe(ref cos, (nuint)(half - 1 + k));
                var wi = Vector.LoadUnsafe(ref sin, (nuint)(half - 1 + k));
                var a = (nuint)(start + k);
                var b = a + (nuint)half;
                var rb = Vector.LoadUnsafe(ref r, b);
                var ib = Vector.LoadUnsafe(ref i, b);
                var ra = Vector.LoadUnsafe(ref r, a);
                var ia = Vector.LoadUnsafe(ref i, a);
                var tr = (rb * wr) - (ib * wi);
                var ti = (rb * wi) + (ib * wr);
                (ra - tr).StoreUnsafe(ref r, b);
                (ia - ti).StoreUnsafe(ref i, b);
                (ra + tr).StoreUnsafe(ref r, a);
                (ia + ti).StoreUnsafe(ref i, a);
            }
        }
    }
}
