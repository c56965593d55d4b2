namespace Parla.Audio.Phonemes;

/// <summary>
/// A Wiener filter for a noisy piece of voice before the recogniser hears it. The noise's spectrum
/// is the mean power of the piece's quietest frames; each frame's gain follows its a-priori
/// speech-to-noise ratio, decision-directed (which keeps the residue free of "musical" tones), and
/// is floored so that no band is silenced outright. Only pieces noisier than
/// <see cref="NoisyBelowDb"/> are filtered: on clean speech the filter costs the recogniser more
/// than it gives (measured in docs/visemes.md).
/// </summary>
internal static class NoiseReduction
{
    /// <summary>
    /// Pieces whose loud half of frames stands less than this far above their quietest tenth are
    /// filtered. The LibriVox reads measure 22–27 dB; with white noise 17 dB under the voice, 16–20 dB;
    /// 11 dB under it, 10–15 dB.
    /// </summary>
    public const double NoisyBelowDb = 17;

    private const int Size = 512;      // 32 ms at 16 kHz
    private const int Hop = Size / 2;  // square-root Hann windows at half overlap sum to one
    private const double QuietShare = 0.1;
    private const float Smoothing = 0.98f;
    private const float GainFloor = 0.15f;
    private static readonly float[] Window = Enumerable.Range(0, Size).Select(i => (float)Math.Sqrt(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / Size))).ToArray();

    /// <summary>Filters <paramref name="pcm"/> in place if it is noisy; whether it did.</summary>
    public static bool Apply(Span<short> pcm)
    {
        var frames = (pcm.Length - Size) / Hop + 1;
        if (frames < 10) return false;
        // Windowed frame energies: by Parseval the spectra's, up to a constant.
        var energy = new double[frames];
        for (var f = 0; f < frames; f++)
        {
            double sum = 0;
            for (var i = 0; i < Size; i++)
            {
                var x = pcm[f * Hop + i] * Window[i];
                sum += x * x;
            }
            energy[f] = sum;
        }

        var quietest = Enumerable.Range(0, frames).OrderBy(f => energy[f]).ThenBy(f => f).Take((int)(frames * QuietShare)).ToArray();
        var quiet = quietest.Average(f => energy[f]);
        var loud = energy.Order().Skip(frames / 2).Average();
        if (10 * Math.Log10(loud / Math.Max(quiet, 1e-9)) >= NoisyBelowDb) return false;
        Filter(pcm, frames, quietest);
        return true;
    }

    private static void Filter(Span<short> pcm, int frames, int[] quietest)
    {
        var fft = new Fft(Size);
        const int Bins = Size / 2 + 1;
        var re = new float[Size];
        var im = new float[Size];
        var noise = new float[Bins];
        foreach (var f in quietest)
        {
            Spectrum(pcm, f, fft, re, im);
            for (var k = 0; k < Bins; k++) noise[k] += (re[k] * re[k] + im[k] * im[k]) / quietest.Length;
        }
        for (var k = 0; k < Bins; k++) noise[k] = Math.Max(noise[k], 1e-3f);

        var output = new float[pcm.Length];
        var previous = new float[Bins]; // the filtered power of the frame before
        for (var f = 0; f < frames; f++)
        {
            Spectrum(pcm, f, fft, re, im);
            for (var k = 0; k < Bins; k++)
            {
                var power = re[k] * re[k] + im[k] * im[k];
                var posterior = power / noise[k];
                var prior = Smoothing * previous[k] / noise[k] + (1 - Smoothing) * Math.Max(posterior - 1, 0);
                var gain = Math.Max(prior / (1 + prior), GainFloor);
                previous[k] = gain * gain * power;
                re[k] *= gain;
                im[k] *= gain;
                if (k > 0 && k < Size / 2)
                {
                    re[Size - k] *= gain;
                    im[Size - k] *= gain;
                }
            }

            // The inverse transform through the forward one: conj(FFT(conj X)) / N (the result is real).
            for (var i = 0; i < Size; i++) im[i] = -im[i];
            fft.Forward(re, im);
            for (var i = 0; i < Size; i++) output[f * Hop + i] += re[i] / Size * Window[i];
        }

        // Samples under two windows are rebuilt whole; the first and last half-window keep the input.
        for (var i = Hop; i < frames * Hop; i++)
            pcm[i] = (short)Math.Clamp(MathF.Round(output[i]), short.MinValue, short.MaxValue);
    }

    private static void Spectrum(ReadOnlySpan<short> pcm, int frame, Fft fft, float[] re, float[] im)
    {
        for (var i = 0; i < Size; i++)
        {
            re[i] = pcm[frame * Hop + i] * Window[i];
            im[i] = 0;
        }
        fft.Forward(re, im);
    }
}
