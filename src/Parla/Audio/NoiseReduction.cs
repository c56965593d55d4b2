using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Parla.Media;

namespace Parla.Audio;

/// <summary>
/// A Wiener filter for a noisy voice. The noise's spectrum is the mean power of the quietest tenth
/// of its frames; each frame's gain follows its a-priori speech-to-noise ratio, decision-directed
/// (which keeps the residue free of "musical" tones), and is floored so that no band is silenced
/// outright. Only a voice noisier than <see cref="NoisyBelowDb"/>, whose quietest frames sound like
/// noise, is filtered: on clean speech the filter costs the recogniser more than it gives (measured
/// in docs/visemes.md, "Noisy voices"), and a held note is no noise.
/// </summary>
internal static class NoiseReduction
{
    /// <summary>
    /// A voice whose loud half of frames stands less than this far above its quietest tenth is
    /// filtered. The LibriVox clips measure 36–42 dB; with white noise 17 dB under the voice, 18.5–19.2 dB;
    /// 11 dB under it, 12.8–13.4 dB (24–28, 18.5–19.2 and 13.6–13.9 dB before the energies were
    /// measured above 100 Hz: the clips' DC offset of 0.7 % of full scale filled their pauses).
    /// </summary>
    public const double NoisyBelowDb = 17;

    private const int Size = 512;      // 32 ms at 16 kHz
    private const int Hop = Size / 2;  // square-root Hann windows at half overlap sum to one
    private const int Bins = Size / 2 + 1;
    private const double QuietShare = 0.1;
    private const float Smoothing = 0.98f;
    private const float GainFloor = 0.15f;
    // Frames read at a time by the gate: 16,640 samples, under the large-object heap's 85 kB, since
    // the gate runs on every phone piece (a buffer per piece there must stay cheap garbage).
    private const int BlockFrames = 64;
    private static readonly float[] Window = Enumerable.Range(0, Size).Select(i => (float)Math.Sqrt(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / Size))).ToArray();

    internal delegate void ReadSamples(int start, Span<short> destination);

    private delegate void WriteSamples(int start, ReadOnlySpan<short> samples);

    /// <summary>Filters the first <paramref name="length"/> samples of <paramref name="pcm"/> in place if they are noisy; whether it did.</summary>
    public static bool Apply(short[] pcm, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, pcm.Length);
        // In place is safe: a frame reads from its own start on, and only samples before the next frame's start are written.
        void Read(int start, Span<short> destination) => pcm.AsSpan(start, destination.Length).CopyTo(destination);
        if (NoiseSpectrum(length, Read, out _) is not { } noise) return false;
        Run(length, noise, Read, (start, samples) => samples.CopyTo(pcm.AsSpan(start)), CancellationToken.None);
        return true;
    }

    /// <summary>
    /// <paramref name="clip"/> itself if it is not noisy; else a filtered copy (in a temporary file,
    /// like a decoded voice: a block at a time, so no length costs memory), which the caller owns.
    /// </summary>
    public static AudioClip Clean(AudioClip clip, CancellationToken ct = default) => Clean(clip, out _, ct);

    /// <summary>
    /// As <see cref="Clean(AudioClip, CancellationToken)"/>, and from the same pass over the voice
    /// (before cleaning) how far its louder half of frames stands above its quietest tenth, in
    /// decibels: the gate's measure (<see cref="NoisyBelowDb"/>), which <c>auto</c> also reads to leave
    /// a noisy voice to the acoustic path. Infinity for a voice too short to tell (under 10 frames, 0.18 s).
    /// </summary>
    public static AudioClip Clean(AudioClip clip, out double loudOverQuietDb, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return NoiseSpectrum(clip.Length, clip.Read, out loudOverQuietDb) is { } noise ? Filtered(clip, noise, ct) : clip;
    }

    /// <summary>
    /// For a voice the activity track found nowhere: a filtered copy if a tonal background sounds
    /// steadily under the whole clip (a held chord, a drone, hum as loud as the voice, which the
    /// track took for the background and the voice with it), else null. The caller owns the copy.
    /// Measured on the read under a held four-note chord as loud as the voice: voice found in 1 % of
    /// the frames before, 47 % after (the clean read: 82 %); a held sung note is not asked (the track
    /// finds it), and a piano, whose notes die away, is no steady background.
    /// </summary>
    public static AudioClip? WithoutSteadyBackground(AudioClip clip, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (FrameEnergies(clip.Length, clip.Read) is not { } energy) return null;
        LoudOverQuiet(energy, out var quietest);
        var noise = QuietSpectrum(clip.Read, quietest);
        return Steadiness(FrameCount(clip.Length), clip.Read, noise) >= SteadyBackground ? Filtered(clip, noise, ct) : null;
    }

    /// <summary>A filtered copy of <paramref name="clip"/> against the noise spectrum <paramref name="noise"/>, in a temporary file.</summary>
    private static AudioClip Filtered(AudioClip clip, float[] noise, CancellationToken ct)
    {
        var folder = Path.GetTempPath();
        var file = AudioDecoder.NewTemporaryFile(folder);
        try
        {
            // Little-endian 16-bit samples, as the decoder writes them (it requires a little-endian machine).
            void Write(int start, ReadOnlySpan<short> samples)
            {
                try
                {
                    RandomAccess.Write(file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples), (long)start * sizeof(short));
                }
                catch (IOException e)
                {
                    throw AudioDecoder.TemporaryFolderFailure(folder, e);
                }
            }

            Run(clip.Length, noise, clip.Read, Write, ct);
            return new AudioClip(file, clip.Length, clip.SampleRateHz);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Each bin's gain from its a-priori speech-to-noise ratio (decision-directed: from the bin's filtered
    /// power in the frame before, <paramref name="previous"/>, which it updates), applied to the bin. The
    /// bins are independent: a vector of them at a time, each lane the scalar tail's operations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyGains(float[] re, float[] im, float[] noise, float[] previous)
    {
        var k = 0;
        var width = Vector<float>.Count;
        var smoothing = new Vector<float>(Smoothing);
        var fresh = new Vector<float>(1 - Smoothing);
        var floor = new Vector<float>(GainFloor);
        var one = Vector<float>.One;
        for (; k + width <= Bins; k += width)
        {
            var r = new Vector<float>(re, k);
            var i = new Vector<float>(im, k);
            var n = new Vector<float>(noise, k);
            var power = (r * r) + (i * i);
            var posterior = power / n;
            var prior = (smoothing * new Vector<float>(previous, k) / n) + (fresh * Vector.Max(posterior - one, Vector<float>.Zero));
            var gain = Vector.Max(prior / (one + prior), floor);
            (gain * gain * power).CopyTo(previous, k);
            (r * gain).CopyTo(re, k);
            (i * gain).CopyTo(im, k);
        }

        for (; k < Bins; k++)
        {
            var power = (re[k] * re[k]) + (im[k] * im[k]);
            var posterior = power / noise[k];
            var prior = Smoothing * previous[k] / noise[k] + (1 - Smoothing) * Math.Max(posterior - 1, 0);
            var gain = Math.Max(prior / (1 + prior), GainFloor);
            previous[k] = gain * gain * power;
            re[k] *= gain;
            im[k] *= gain;
        }
    }

    /// <summary>The filter over samples [0, <paramref name="length"/>) of a source, written to a sink: all of them, filtered or as they were.</summary>
    private static void Run(int length, float[] noise, ReadSamples read, WriteSamples write, CancellationToken ct)
    {
        var frames = FrameCount(length);
        var spectrum = new FrameSpectrum();
        var (re, im) = (spectrum.Re, spectrum.Im);
        var previous = new float[Bins]; // the filtered power of the frame before
        var sum = new float[Size];      // overlap-add of the frames so far, from this frame's start
        var done = new short[Hop];
        var filtered = new float[Size];
        for (var f = 0; f < frames; f++)
        {
            if ((f & 255) == 0) ct.ThrowIfCancellationRequested();
            spectrum.Load(read, f);
            // The first half-window lies under one window only: it keeps the input.
            if (f == 0) write(0, spectrum.Samples.AsSpan(0, Hop));
            ApplyGains(re, im, noise, previous);
            spectrum.Fft.Inverse(re, im, filtered);
            for (var i = 0; i < Size; i++) sum[i] += filtered[i] * Window[i];
            if (f > 0)
            {
                // Samples [f·hop, (f+1)·hop) now have both their windows.
                for (var i = 0; i < Hop; i++) done[i] = (short)Math.Clamp(MathF.Round(sum[i]), short.MinValue, short.MaxValue);
                write(f * Hop, done);
            }

            sum.AsSpan(Hop).CopyTo(sum);
            sum.AsSpan(Hop).Clear();
        }

        // From the last frame's second half on (fewer than a frame's samples), one window or none: as they were.
        var rest = new short[length - (frames * Hop)];
        read(frames * Hop, rest);
        write(frames * Hop, rest);
    }

    private static int FrameCount(int length) => length < Size ? 0 : ((length - Size) / Hop) + 1;

    /// <summary>
    /// The noise's power spectrum if the voice is noisy: its loud half of frames less than
    /// <see cref="NoisyBelowDb"/> above its quietest tenth, and that tenth sounding like noise, not
    /// like a voice — a spectrum about as flat as noise's (<see cref="NoiseFlatness"/>), not the
    /// harmonics of a held note, whose quietest frames are the note itself; null otherwise.
    /// </summary>
    private static float[]? NoiseSpectrum(int length, ReadSamples read, out double loudOverQuietDb)
    {
        loudOverQuietDb = double.PositiveInfinity;
        if (FrameEnergies(length, read) is not { } energy) return null;
        loudOverQuietDb = LoudOverQuiet(energy, out var quietest);
        if (loudOverQuietDb >= NoisyBelowDb) return null;

        var noise = QuietSpectrum(read, quietest);
        return Flatness(noise) >= NoiseFlatness ? noise : null;
    }

    /// <summary>The mean power spectrum of the given frames (the quietest tenth), floored.</summary>
    private static float[] QuietSpectrum(ReadSamples read, int[] quietest)
    {
        var spectrum = new FrameSpectrum();
        var noise = new float[Bins];
        foreach (var f in quietest)
        {
            spectrum.Load(read, f);
            for (var k = 0; k < Bins; k++) noise[k] += spectrum.Power(k) / quietest.Length;
        }
        for (var k = 0; k < Bins; k++) noise[k] = Math.Max(noise[k], 1e-3f);
        return noise;
    }

    /// <summary>
    /// A tonal background is steady when the median frame holds at least this share of its power in
    /// the background's bins (a held synthetic chord 0.96–0.99, hum 0.90–0.93; a sung vowel with 2 %
    /// vibrato 0.68, with 1 % 0.91: which is why only a voice the activity track found nowhere asks).
    /// </summary>
    private const double SteadyBackground = 0.6;

    /// <summary>
    /// How steadily the background given by the quietest frames' spectrum (<paramref name="noise"/>)
    /// sounds: the median over all frames of the share of its power that its bins hold. The
    /// background's bins: the fewest, from the strongest down, that hold 80 % of its power from 100 Hz to 4 kHz.
    /// </summary>
    private static double Steadiness(int frames, ReadSamples read, float[] noise)
    {
        int from = 100 * Size / 16000, to = 4000 * Size / 16000;
        var band = Enumerable.Range(from, to - from + 1).OrderByDescending(k => noise[k]).ToArray();
        var total = band.Sum(k => (double)noise[k]);
        var inBackground = new bool[Bins];
        double held = 0;
        foreach (var k in band)
        {
            if (held >= 0.8 * total) break;
            inBackground[k] = true;
            held += noise[k];
        }

        var spectrum = new FrameSpectrum();
        var steadiness = new double[frames];
        for (var f = 0; f < frames; f++)
        {
            spectrum.Load(read, f);
            double present = 0;
            for (var k = from; k <= to; k++)
            {
                if (inBackground[k]) present += Math.Min(spectrum.Power(k), noise[k]);
            }

            steadiness[f] = present / held;
        }

        Array.Sort(steadiness);
        return steadiness[frames / 2];
    }

    /// <summary>
    /// Windowed frame energies (by Parseval the spectra's, up to a constant) of the voice's band, a
    /// block of frames at a time; null under 10 frames. Eight frames at a time where AVX2 is there,
    /// the same sums to the bit (with <paramref name="vectorized"/> false one at a time, as the tests
    /// compare).
    /// </summary>
    /// <remarks>
    /// The samples are high-passed first (<see cref="VoiceBandFromHz"/>): what lies under the voice's
    /// band is no noise that the listeners hear (the recogniser's filters begin at 133 Hz), but it
    /// filled a clean read's pauses. A recorder's DC offset of 0.3 % of full scale (−50 dBFS) took a
    /// clean read under the voice's gate, "noise under the voice", to the acoustic path; a 50-Hz
    /// mains hum at −36 dBFS did the same.
    /// </remarks>
    internal static double[]? FrameEnergies(int length, ReadSamples read, bool vectorized = true)
    {
        var frames = FrameCount(length);
        if (frames < 10) return null;
        var energy = new double[frames];
        var block = new short[((BlockFrames - 1) * Hop) + Size];
        var samples = new float[block.Length];
        // Two second-order sections: 50 Hz 25 dB down, 60 Hz 19 dB. They run through the clip in order,
        // once: a block's first samples, shared with the block before, are taken as filtered then.
        // Ten minutes of voice: 43 ms with them, in one loop (50 ms one after the other), 18 ms without.
        HighPassFilter first = new(VoiceBandFromHz, SampleRateHz), second = new(VoiceBandFromHz, SampleRateHz);
        int previousStart = 0, filteredTo = 0;
        for (var f0 = 0; f0 < frames; f0 += BlockFrames)
        {
            var count = Math.Min(BlockFrames, frames - f0);
            var start = f0 * Hop;
            var span = block.AsSpan(0, ((count - 1) * Hop) + Size);
            read(start, span);
            var kept = Math.Max(0, filteredTo - start);
            samples.AsSpan(start - previousStart, kept).CopyTo(samples);
            var fresh = samples.AsSpan(kept, span.Length - kept);
            for (var n = 0; n < fresh.Length; n++) fresh[n] = span[kept + n];
            HighPassFilter.Cascade(first, second, fresh);
            (previousStart, filteredTo) = (start, start + span.Length);

            var f = vectorized && Avx2.IsSupported ? EightFramesAtATime(samples, count, energy.AsSpan(f0)) : 0;
            for (; f < count; f++)
            {
                double sum = 0;
                for (var i = 0; i < Size; i++)
                {
                    var x = samples[(f * Hop) + i] * Window[i];
                    sum += x * x;
                }
                energy[f0 + f] = sum;
            }
        }

        return energy;
    }

    private const int SampleRateHz = 16000;

    /// <summary>Where the band of the voice that the noise check measures begins.</summary>
    private const double VoiceBandFromHz = 100;

    /// <summary>
    /// The energies of the block's frames eight at a time, one frame a lane: each lane squares and
    /// adds its frame's windowed samples in the scalar loop's order and precision (float products, a
    /// double sum), so the sums are the same to the bit. Returns how many frames it did.
    /// </summary>
    // Every voice is read whole before its first frame (10 minutes: 37,500 frames, 70 ms one at a time).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int EightFramesAtATime(float[] samples, int count, Span<double> energy)
    {
        var f = 0;
        fixed (float* first = samples)
        fixed (float* window = Window)
        {
            var lanes = Vector256.Create(0, Hop, 2 * Hop, 3 * Hop, 4 * Hop, 5 * Hop, 6 * Hop, 7 * Hop);
            for (; f <= count - 8; f += 8)
            {
                var frameStart = first + (f * Hop);
                var low = Vector256<double>.Zero;
                var high = Vector256<double>.Zero;
                for (var i = 0; i < Size; i++)
                {
                    var x = Avx2.GatherVector256(frameStart + i, lanes, 4) * Vector256.Create(window[i]);
                    var squares = x * x;
                    low += Avx.ConvertToVector256Double(squares.GetLower());
                    high += Avx.ConvertToVector256Double(squares.GetUpper());
                }

                low.CopyTo(energy[f..]);
                high.CopyTo(energy[(f + 4)..]);
            }
        }

        return f;
    }

    /// <summary>The louder half of the frames over the quietest tenth (whose frames it gives), dB.</summary>
    private static double LoudOverQuiet(double[] energy, out int[] quietest)
    {
        var order = Quietest(energy);
        var frames = energy.Length;
        quietest = order[..(int)(frames * QuietShare)];
        var quiet = MeanOf(energy, quietest);
        var loud = MeanOf(energy, order.AsSpan(frames / 2));
        return 10 * Math.Log10(loud / Math.Max(quiet, 1e-9));
    }

    /// <summary>The frames from the quietest to the loudest, equal energies in frame order.</summary>
    internal static int[] Quietest(double[] energy)
    {
        var order = new int[energy.Length];
        for (var f = 0; f < order.Length; f++) order[f] = f;
        var keys = (double[])energy.Clone();
        Array.Sort(keys, order);
        // The sort does not keep equal energies in order (silence: many frames of 0); they are put back in it.
        for (var a = 0; a < keys.Length;)
        {
            var b = a + 1;
            while (b < keys.Length && keys[b].Equals(keys[a])) b++;
            if (b - a > 1) Array.Sort(order, a, b - a);
            a = b;
        }

        return order;
    }

    /// <summary>The mean energy of the given frames, summed in their order.</summary>
    private static double MeanOf(double[] energy, ReadOnlySpan<int> frames)
    {
        double sum = 0;
        foreach (var f in frames) sum += energy[f];
        return sum / frames.Length;
    }

    /// <summary>
    /// Spectral flatness (geometric over arithmetic mean of the power) from 100 Hz to 4 kHz at which
    /// the quietest frames count as noise. Measured: white noise under the LibriVox clips and under
    /// synthetic voices 0.87–0.99 (pink noise would be about 0.6); held sung notes, whose quietest
    /// tenth is the note itself, 0.003–0.008. Without this test the filter took a sung vowel's jaw
    /// from 0.92 open on average to 0.42.
    /// </summary>
    private const double NoiseFlatness = 0.3;

    private static double Flatness(float[] power)
    {
        int from = 100 * Size / 16000, to = 4000 * Size / 16000;
        double logSum = 0, sum = 0;
        for (var k = from; k <= to; k++)
        {
            logSum += Math.Log(power[k]);
            sum += power[k];
        }

        var n = to - from + 1;
        return Math.Exp(logSum / n) / (sum / n);
    }

    /// <summary>One frame's windowed spectrum and the buffers it is computed in: one for each pass over the frames.</summary>
    private sealed class FrameSpectrum
    {
        private readonly float[] _windowed = new float[Size];

        public RealFft Fft { get; } = new(Size);

        /// <summary>The frame's bins 0 … Size / 2 (the rest are their mirror: the frame is real).</summary>
        public float[] Re { get; } = new float[Bins];

        public float[] Im { get; } = new float[Bins];

        /// <summary>The frame's samples as read (unwindowed).</summary>
        public short[] Samples { get; } = new short[Size];

        /// <summary>Reads frame <paramref name="frame"/> (samples from frame · hop) and transforms it, windowed.</summary>
        public void Load(ReadSamples read, int frame)
        {
            read(frame * Hop, Samples);
            for (var i = 0; i < Size; i++)
            {
                _windowed[i] = Samples[i] * Window[i];
            }

            Fft.Forward(_windowed, Re, Im);
        }

        public float Power(int k) => (Re[k] * Re[k]) + (Im[k] * Im[k]);
    }
}
