using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Parla.Audio;

/// <summary>The features of one frame before clip-level normalisation (activity needs the whole clip).</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct FrameValues(float EnergyDb, float Voicing, float PitchHz, float SpectralCentroidHz, float BandRatioDb,
    float MidBandDb = 0, float SecondFormantHz = 0);

/// <summary>
/// Analyses one frame at a time. Owns every work buffer, so a frame costs no allocation; not
/// thread-safe (use one instance per thread). A frame is a span of <see cref="SpanLength"/> samples
/// centred on the frame's time; the spectral window and the pitch window are both centred in it.
/// </summary>
internal sealed class FrameAnalyzer
{
    private const float EnergyFloorDb = -120f;
    private const double PowerFloor = 1e-12; // -120 dB

    private readonly int _sampleRateHz;
    private readonly int _windowLength;
    private readonly int _pitchLength;
    private readonly int _minLag;
    private readonly int _maxLag;
    private readonly float _voicingThreshold;
    private readonly float[] _window;
    private readonly double _windowPower;
    private readonly Fft _fft;
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly float[] _pitchFrame;
    private readonly double[] _prefixEnergy;
    private readonly float[] _correlation;
    private readonly int _lowBinMin, _lowBinMax, _highBinMin, _highBinMax, _midBinMin, _midBinMax;

    // The second formant by linear prediction over the spectrum's 0–4 kHz (selective linear
    // prediction: those bins taken as the whole spectrum of an 8 kHz signal, where order 10 models
    // four or five formants), pre-emphasised; its envelope is searched for peaks on a 25 Hz grid.
    private const int FormantOrder = 10;
    private const double FormantBandHz = 4000;
    private const double PreEmphasis = 0.97;
    private readonly int _formantBins;
    private readonly float[] _emphasis;
    private readonly float[] _formantPower;
    private readonly float[][] _lagCosines;
    private readonly float[] _gridHz;
    private readonly float[][] _gridCos;
    private readonly float[][] _gridSin;
    private readonly double[] _lpc = new double[FormantOrder + 1];
    private readonly double[] _lpcNext = new double[FormantOrder + 1];
    private readonly double[] _lags = new double[FormantOrder + 1];
    private readonly float[] _envelope;

    public FrameAnalyzer(AudioAnalysisOptions options, int sampleRateHz)
    {
        _sampleRateHz = sampleRateHz;
        _windowLength = Math.Max(8, (int)Math.Round(options.WindowSeconds * sampleRateHz));
        _pitchLength = Math.Max(8, (int)Math.Round(options.PitchWindowSeconds * sampleRateHz));
        SpanLength = Math.Max(_windowLength, _pitchLength);
        _minLag = Math.Max(2, (int)Math.Floor(sampleRateHz / options.MaxPitchHz));
        _maxLag = Math.Min(_pitchLength - 4, (int)Math.Ceiling(sampleRateHz / options.MinPitchHz));
        _voicingThreshold = (float)options.VoicingThreshold;

        // Periodic Hann window, the usual choice for overlapped spectral frames.
        _window = new float[_windowLength];
        double power = 0;
        for (var n = 0; n < _windowLength; n++)
        {
            _window[n] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * n / _windowLength)));
            power += _window[n] * (double)_window[n];
        }

        _windowPower = power;
        var fftSize = (int)BitOperations.RoundUpToPowerOf2((uint)_windowLength);
        _fft = new Fft(fftSize);
        _re = new float[fftSize];
        _im = new float[fftSize];
        _pitchFrame = new float[_pitchLength];
        _prefixEnergy = new double[_pitchLength + 1];
        // Lags minLag-1 .. maxLag+1, so that a peak at either end of the range can be recognised as a local maximum.
        _correlation = new float[_maxLag - _minLag + 3];

        var binHz = (double)sampleRateHz / fftSize;
        var lastBin = fftSize / 2;
        int Bin(double hz) => Math.Clamp((int)Math.Round(hz / binHz), 0, lastBin);
        _lowBinMin = Bin(options.LowBandMinHz);
        _lowBinMax = Bin(options.LowBandMaxHz);
        _highBinMin = Bin(options.HighBandMinHz);
        _highBinMax = Bin(options.HighBandMaxHz);
        _midBinMin = Bin(1000);
        _midBinMax = Bin(3000);

        _formantBins = Math.Min(lastBin, (int)Math.Round(FormantBandHz / binHz));
        _emphasis = new float[_formantBins + 1];
        _formantPower = new float[_formantBins + 1];
        for (var k = 0; k <= _formantBins; k++)
        {
            _emphasis[k] = (float)(1 + (PreEmphasis * PreEmphasis) - (2 * PreEmphasis * Math.Cos(2 * Math.PI * k / fftSize)));
        }

        // Bins 0.._formantBins are the half spectrum of a 2·_formantBins-point transform of the band.
        var bandPoints = 2 * _formantBins;
        _lagCosines = new float[FormantOrder + 1][];
        for (var m = 0; m <= FormantOrder; m++)
        {
            _lagCosines[m] = new float[_formantBins + 1];
            for (var k = 0; k <= _formantBins; k++)
            {
                var weight = k == 0 || k == _formantBins ? 1 : 2;
                _lagCosines[m][k] = (float)(weight * Math.Cos(2 * Math.PI * k * m / bandPoints));
            }
        }

        var bandRateHz = 2 * _formantBins * binHz;
        var grid = new List<float>();
        for (var hz = 150.0; hz <= 3500; hz += 25) grid.Add((float)hz);
        _gridHz = [.. grid];
        _gridCos = new float[_gridHz.Length][];
        _gridSin = new float[_gridHz.Length][];
        for (var g = 0; g < _gridHz.Length; g++)
        {
            _gridCos[g] = new float[FormantOrder + 1];
            _gridSin[g] = new float[FormantOrder + 1];
            for (var m = 0; m <= FormantOrder; m++)
            {
                var w = 2 * Math.PI * _gridHz[g] * m / bandRateHz;
                _gridCos[g][m] = (float)Math.Cos(w);
                _gridSin[g][m] = (float)Math.Sin(w);
            }
        }

        _envelope = new float[_gridHz.Length];
    }

    /// <summary>Number of samples a frame span must hold.</summary>
    public int SpanLength { get; }

    // The frame's kernels (this, Spectrum, Periodicity, Dot, Fft.Forward) are compiled optimised at
    // their first call: at tier 0 Vector<float> arithmetic is a call per operation, and while a run
    // starts up (thousands of methods compiled) tiering kept them there for most of the first second.
    // The features of a 60-s voice took 92–123 ms in a fresh process, against 154–222 ms; the 60-s
    // run's first frame came at 1.00 s against 1.07 (English) and 0.39 against 0.44 s (acoustic),
    // medians of five alternated runs, the same motion to the bit. With only Spectrum and Periodicity
    // marked (Dot left tiered) the first frame had come later.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public FrameValues Analyze(ReadOnlySpan<float> span)
    {
        Debug.Assert(span.Length == SpanLength, "Frame span has the wrong length.");
        var spectral = span.Slice((SpanLength - _windowLength) / 2, _windowLength);
        var pitch = span.Slice((SpanLength - _pitchLength) / 2, _pitchLength);

        // Energy: mean power of the windowed frame, normalised by the window's own power so that
        // the level does not depend on the window; a full-scale sine reads -3 dB.
        double sumSquares = 0;
        for (var n = 0; n < _windowLength; n++)
        {
            var v = spectral[n] * _window[n];
            _re[n] = v;
            sumSquares += v * (double)v;
        }

        var energyDb = (float)Math.Max(EnergyFloorDb, 10 * Math.Log10((sumSquares / _windowPower) + PowerFloor));

        var (centroid, ratioDb, midPower) = Spectrum(sumSquares);
        var midBandDb = (float)Math.Max(EnergyFloorDb, 10 * Math.Log10((midPower / (_windowPower * _fft.Size / 2.0)) + PowerFloor));
        var (voicing, pitchHz) = Periodicity(pitch);
        // A formant is read only where the voice is periodic: the closures' edges that use it are voiced.
        var secondFormant = midPower > 0 && voicing >= _voicingThreshold ? SecondFormant() : 0f;
        return new FrameValues(energyDb, voicing, pitchHz, centroid, ratioDb, midBandDb, secondFormant);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private (float CentroidHz, float BandRatioDb, double MidPower) Spectrum(double windowedEnergy)
    {
        _re.AsSpan(_windowLength).Clear();
        _im.AsSpan().Clear();
        if (windowedEnergy < PowerFloor * _windowPower)
        {
            return (0, 0, 0);
        }

        _fft.Forward(_re, _im);
        var binHz = (double)_sampleRateHz / _fft.Size;
        double total = 0, weighted = 0, low = 0, high = 0, mid = 0;
        for (var k = 0; k <= _fft.Size / 2; k++)
        {
            double p = (_re[k] * _re[k]) + (_im[k] * _im[k]);
            total += p;
            if (k <= _formantBins)
            {
                _formantPower[k] = (float)p * _emphasis[k];
            }

            if (k >= _midBinMin && k <= _midBinMax)
            {
                mid += p;
            }

            weighted += p * k * binHz;
            if (k >= _lowBinMin && k <= _lowBinMax)
            {
                low += p;
            }

            if (k >= _highBinMin && k <= _highBinMax)
            {
                high += p;
            }
        }

        // The small floor, relative to the frame's total power, keeps the ratio finite (±60 dB) for pure tones.
        var floor = (total * 1e-6) + 1e-20;
        var ratio = 10 * Math.Log10((low + floor) / (high + floor));
        return ((float)(weighted / total), (float)ratio, mid);
    }

    /// <summary>
    /// The second formant of the frame whose pre-emphasised 0–4 kHz power spectrum is in
    /// <see cref="_formantPower"/>: autocorrelation from the spectrum, Levinson–Durbin, then the
    /// envelope's peaks — the first between 200 Hz and 1 kHz is the first formant, the next one at
    /// least 150 Hz above it and between 700 Hz and 2.9 kHz the second. 0 when there is none.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private float SecondFormant()
    {
        var power = _formantPower.AsSpan(0, _formantBins + 1);
        for (var m = 0; m <= FormantOrder; m++)
        {
            _lags[m] = Dot(power, _lagCosines[m]);
        }

        if (_lags[0] <= 0)
        {
            return 0;
        }

        // Levinson–Durbin: a[0] = 1, prediction error e.
        var a = _lpc;
        var next = _lpcNext;
        Array.Clear(a);
        a[0] = 1;
        var error = _lags[0] * (1 + 1e-9);
        for (var k = 1; k <= FormantOrder; k++)
        {
            var acc = _lags[k];
            for (var j = 1; j < k; j++) acc += a[j] * _lags[k - j];
            var reflection = -acc / error;
            Array.Copy(a, next, k);
            for (var j = 1; j < k; j++) next[j] = a[j] + (reflection * a[k - j]);
            next[k] = reflection;
            Array.Copy(next, a, k + 1);
            error *= 1 - (reflection * reflection);
            if (error <= 0) return 0;
        }

        for (var g = 0; g < _gridHz.Length; g++)
        {
            double re = 0, im = 0;
            var c = _gridCos[g];
            var sn = _gridSin[g];
            for (var m = 0; m <= FormantOrder; m++)
            {
                re += a[m] * c[m];
                im -= a[m] * sn[m];
            }

            _envelope[g] = (float)(1 / ((re * re) + (im * im) + 1e-30));
        }

        var first = 0f;
        for (var g = 1; g < _gridHz.Length - 1; g++)
        {
            if (_envelope[g] <= _envelope[g - 1] || _envelope[g] < _envelope[g + 1]) continue;
            var hz = _gridHz[g];
            if (first == 0)
            {
                if (hz is >= 200 and <= 1000) first = hz;
                continue;
            }

            if (hz > first + 150 && hz is >= 700 and <= 2900) return hz;
        }

        return 0;
    }

    /// <summary>
    /// Normalised cross-correlation of the frame with itself shifted by each lag (the NCCF of RAPT):
    /// r(τ) = Σ x[n]x[n+τ] / sqrt(Σ x[n]² · Σ x[n+τ]²) over the overlap, which is 1 for any exactly
    /// periodic signal at its period, whatever its amplitude or the overlap length.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private (float Voicing, float PitchHz) Periodicity(ReadOnlySpan<float> pitch)
    {
        var x = _pitchFrame.AsSpan();
        float mean = 0;
        for (var n = 0; n < x.Length; n++)
        {
            mean += pitch[n];
        }

        mean /= x.Length;
        // The running sum kept in a register: read back from the array, each step waited on the store before it.
        _prefixEnergy[0] = 0;
        double running = 0;
        for (var n = 0; n < x.Length; n++)
        {
            var centred = pitch[n] - mean;
            x[n] = centred;
            running += centred * (double)centred;
            _prefixEnergy[n + 1] = running;
        }

        var totalEnergy = _prefixEnergy[x.Length];
        if (totalEnergy < PowerFloor * x.Length)
        {
            return (0, 0);
        }

        // The numerators Σ x[n]x[n+τ], four lags at a time (LagProducts); the same sums, to the bit, as one Dot per lag.
        Span<double> products = stackalloc double[LagBlock];
        var best = 0f;
        for (var i0 = 0; i0 < _correlation.Length; i0 += LagBlock)
        {
            var count = Math.Min(LagBlock, _correlation.Length - i0);
            LagProducts(x, _minLag - 1 + i0, count, products);
            for (var j = 0; j < count; j++)
            {
                var i = i0 + j;
                var lag = _minLag - 1 + i;
                var overlap = x.Length - lag;
                var head = _prefixEnergy[overlap];
                var tail = totalEnergy - _prefixEnergy[lag];
                var denominator = Math.Sqrt(head * tail);
                var r = denominator > 0 ? (float)(products[j] / denominator) : 0f;
                _correlation[i] = r;
                if (i > 0 && i < _correlation.Length - 1 && r > best)
                {
                    best = r;
                }
            }
        }

        var voicing = Math.Clamp(best, 0f, 1f);
        if (voicing < _voicingThreshold)
        {
            return (voicing, 0);
        }

        // A periodic signal correlates almost as well at two or three periods as at one; the first
        // local maximum close to the best is the period (this avoids octave-down errors).
        var accept = best * 0.9f;
        for (var i = 1; i < _correlation.Length - 1; i++)
        {
            var r = _correlation[i];
            if (r >= accept && r >= _correlation[i - 1] && r >= _correlation[i + 1])
            {
                // Parabolic interpolation of the peak for sub-sample lag precision.
                var a = _correlation[i - 1];
                var c = _correlation[i + 1];
                var curvature = a - (2 * r) + c;
                var offset = curvature < 0 ? 0.5f * (a - c) / curvature : 0f;
                var lag = _minLag - 1 + i + Math.Clamp(offset, -0.5f, 0.5f);
                return (voicing, _sampleRateHz / lag);
            }
        }

        return (voicing, 0);
    }

    private const int LagBlock = 4;

    /// <summary>
    /// <c>products[j] = Dot(x[..(n − τ)], x[τ..])</c> for the <paramref name="count"/> (at most
    /// <see cref="LagBlock"/>) lags τ = <paramref name="firstLag"/> + j, with the very operations of
    /// <see cref="Dot"/> in the same order, so the same values to the bit. Computed side by side, the
    /// lags share the loads of x[n] and their four sums no longer wait on one another: one
    /// accumulator a lag made each lag's dot product wait for its own previous addition.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void LagProducts(ReadOnlySpan<float> x, int firstLag, int count, Span<double> products)
    {
        var width = Vector<float>.Count;
        if (count < LagBlock || !Vector.IsHardwareAccelerated || x.Length - firstLag - LagBlock + 1 < width)
        {
            for (var j = 0; j < count; j++)
            {
                var lag = firstLag + j;
                products[j] = Dot(x[..(x.Length - lag)], x.Slice(lag, x.Length - lag));
            }

            return;
        }

        ref var origin = ref MemoryMarshal.GetReference(x);
        var a0 = Vector<float>.Zero;
        var a1 = Vector<float>.Zero;
        var a2 = Vector<float>.Zero;
        var a3 = Vector<float>.Zero;
        // Whole vectors of each lag's overlap: the longest lag's count, then each lag's own remainder.
        var shared = (x.Length - firstLag - 3) / width;
        var lag0 = (nuint)firstLag;
        for (var v = 0; v < shared; v++)
        {
            var at = (nuint)(v * width);
            var head = Vector.LoadUnsafe(ref origin, at);
            a0 += head * Vector.LoadUnsafe(ref origin, lag0 + at);
            a1 += head * Vector.LoadUnsafe(ref origin, lag0 + 1 + at);
            a2 += head * Vector.LoadUnsafe(ref origin, lag0 + 2 + at);
            a3 += head * Vector.LoadUnsafe(ref origin, lag0 + 3 + at);
        }

        // Parked before the calls: sums live across a call would be spilled to memory inside the loop.
        Span<Vector<float>> sums = [a0, a1, a2, a3];
        for (var j = 0; j < LagBlock; j++)
        {
            var lag = firstLag + j;
            products[j] = DotFrom(x[..(x.Length - lag)], x.Slice(lag, x.Length - lag), sums[j], shared);
        }
    }

    /// <summary>Dot product, Vector&lt;float&gt;-wide with a scalar tail; accumulates lanes in float (frames are short) and sums them in double.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => DotFrom(a, b, Vector<float>.Zero, 0);

    /// <summary>
    /// <see cref="Dot"/> of <paramref name="a"/> and <paramref name="b"/> whose first <paramref name="done"/>
    /// vectors of products are already summed, lane by lane, in <paramref name="acc"/> (<see cref="LagProducts"/>).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double DotFrom(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Vector<float> acc, int done)
    {
        var n = a.Length;
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var v = done; v < va.Length; v++)
            {
                acc += va[v] * vb[v];
            }

            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
