using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Parla.Audio.Phonemes;

/// <summary>
/// The en-us model's senone scores, computed here instead of inside each pocketsphinx decoder. The
/// model is phonetically tied (PTM): every senone mixes the Gaussians of its base phone's codebook
/// (42 codebooks × 3 streams × 128 Gaussians of 13 dimensions), so a frame's scores are the best
/// Gaussians of every codebook and stream (3 for the recogniser, 4 for the aligner), then a log-add
/// over them with each senone's mixture weights. pocketsphinx evaluates them in scalar C for every
/// decoder that hears the voice; here each Gaussian's sum runs in SIMD lanes across Gaussians (each
/// lane subtracting its dimensions in pocketsphinx's order, so the float sums are the same), one
/// evaluation (<see cref="Evaluate"/>) serves both decoders, and each reads its senone scores from a
/// stream made as it reads (<see cref="ScoredFrames"/>, <see cref="PocketSphinxDecoder.DecodeScores"/>).
/// The features are pocketsphinx's own: its front end and dynamic features, called on the decoder's objects.
/// </summary>
internal sealed class SenoneScorer
{
    private const int SenscrShift = 10;
    private const int MaxNegativeAcousticScore = 96;
    private const float VarianceFloor = 0.0001f;

    /// <summary>The decoder's log base: its -logbase option is a float, widened to double (1.0001f).</summary>
    private const double LogBase = (double)1.0001f;

    private readonly int _codebooks;
    private readonly int _streams;
    private readonly int _densities;
    private readonly int[] _streamLength;
    private readonly int[] _streamOffset;
    private readonly int _topN;
    // Per codebook and stream, dimension-major: [cb][stream][dim][density], so a vector holds one
    // dimension of consecutive Gaussians.
    private readonly float[] _mean;
    private readonly float[] _precision;
    private readonly float[] _determinant; // [cb][stream][density]
    private readonly byte[] _mixtureWeights; // [stream][density][senone], negated and quantised
    private readonly short[] _senoneCodebook;
    private readonly (int Start, int End)[][] _codebookRuns; // each codebook's senones as runs of consecutive numbers
    private readonly int[] _logAdd; // 32-bit entries, so vectors can look them up too
    private readonly bool _logAddShort; // every entry from 32 on is 0: the table fits four vectors

    private SenoneScorer(int codebooks, int streams, int densities, int[] streamLength, int topN, float[] mean, float[] precision,
        float[] determinant, byte[] mixtureWeights, short[] senoneCodebook, string[] basePhones, int[] logAdd, string mdefPath)
    {
        _codebooks = codebooks;
        _streams = streams;
        _densities = densities;
        _streamLength = streamLength;
        _streamOffset = new int[streams + 1];
        for (var f = 0; f < streams; f++)
        {
            _streamOffset[f + 1] = _streamOffset[f] + streamLength[f];
        }

        _topN = topN;
        _mean = mean;
        _precision = precision;
        _determinant = determinant;
        _mixtureWeights = mixtureWeights;
        _senoneCodebook = senoneCodebook;
        BasePhones = basePhones;
        _codebookRuns = Enumerable.Range(0, codebooks).Select(cb => Runs(Enumerable.Range(0, senoneCodebook.Length).Where(sen => senoneCodebook[sen] == cb))).ToArray();
        _logAdd = logAdd;
        _logAddShort = logAdd.AsSpan(ShortLogAdd).IndexOfAnyExcept(0) < 0;
        StreamHeader = Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"s3\nversion 0.1\nmdef_file {mdefPath}\nn_sen {senoneCodebook.Length}\nlogbase {LogBase:F6}\nendhdr\n"));
    }

    /// <summary>The most Gaussians a senone's score may mix per stream (the aligner's -topn, pocketsphinx's default); the recogniser mixes 3.</summary>
    public const int MostGaussians = 4;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<SenoneScorer>> Loaded = new();

    public int SenoneCount => _senoneCodebook.Length;

    /// <summary>The model's base phones in its mdef's order; base phone <c>i</c>'s senones mix codebook <c>i</c>.</summary>
    public IReadOnlyList<string> BasePhones { get; }

    /// <summary>The best (lowest) score of each base phone's senones in one frame's <paramref name="senoneScores"/> (a <see cref="WriteStreamFrame"/> frame less its count).</summary>
    internal void BestPerPhone(ReadOnlySpan<short> senoneScores, Span<int> best)
    {
        for (var cb = 0; cb < _codebooks; cb++)
        {
            var least = int.MaxValue;
            foreach (var (start, end) in _codebookRuns[cb])
            {
                for (var sen = start; sen < end; sen++)
                {
                    least = Math.Min(least, senoneScores[sen]);
                }
            }

            best[cb] = least;
        }
    }

    /// <summary>The scorer of the model in <paramref name="hmmDirectory"/>, loaded once per process (about 4 MB).</summary>
    public static SenoneScorer For(string hmmDirectory) =>
        Loaded.GetOrAdd(hmmDirectory, directory => new Lazy<SenoneScorer>(() => Load(directory, MostGaussians))).Value;

    /// <summary>Feature values of one frame (all streams).</summary>
    public int FeatureLength => _streamOffset[^1];

    /// <summary>Reads the model in <paramref name="hmmDirectory"/> (means, variances, sendump, mdef), scoring the <paramref name="topN"/> best Gaussians.</summary>
    public static SenoneScorer Load(string hmmDirectory, int topN)
    {
        var (codebooks, streams, densities, lengths, means) = ReadGaussians(Path.Combine(hmmDirectory, "means"));
        var (_, _, _, _, variances) = ReadGaussians(Path.Combine(hmmDirectory, "variances"));
        var featureLength = lengths.Sum();
        var invLogBase = 1.0 / Math.Log(LogBase);
        var mean = new float[codebooks * densities * featureLength];
        var precision = new float[mean.Length];
        var determinant = new float[codebooks * streams * densities];
        var source = 0;
        for (var m = 0; m < codebooks; m++)
        {
            var offset = 0;
            for (var f = 0; f < streams; f++)
            {
                var length = lengths[f];
                var block = (m * featureLength + offset) * densities; // [cb][stream] block, dimension-major
                for (var d = 0; d < densities; d++)
                {
                    float det = 0;
                    for (var i = 0; i < length; i++, source++)
                    {
                        var v = Math.Max(variances[source], VarianceFloor);
                        // As gauden_dist_precompute: log-base determinant term, and the precision part of the exponent.
                        det += (int)(Math.Log(1.0 / Math.Sqrt(v * 2.0 * Math.PI)) * invLogBase);
                        mean[block + i * densities + d] = means[source];
                        precision[block + i * densities + d] = (int)(1.0 / (v * 2.0) * invLogBase); // logmath_ln_to_log truncates
                    }

                    determinant[((m * streams) + f) * densities + d] = det;
                }

                offset += length;
            }
        }

        var (senoneCodebook, basePhones) = ReadSenoneCodebooks(Path.Combine(hmmDirectory, "mdef"));
        var mixtureWeights = ReadSendump(Path.Combine(hmmDirectory, "sendump"), streams, densities, senoneCodebook.Length);
        return new SenoneScorer(codebooks, streams, densities, lengths, topN, mean, precision, determinant, mixtureWeights,
            senoneCodebook, basePhones, LogAddTable(), Path.Combine(hmmDirectory, "mdef"));
    }

    /// <summary>
    /// A piece's Gaussians evaluated: for every frame, codebook and stream, the <see cref="MostGaussians"/>
    /// best and their scores (<see cref="ScoredFrames"/>, about 1 KB a frame). Each decoder's senone
    /// scores are made from them as it reads its stream (<see cref="ScoredFrames.Open"/>).
    /// </summary>
    /// <param name="features">Frames × <see cref="FeatureLength"/> values (<see cref="PocketSphinxDecoder.Features"/>).</param>
    /// <param name="frameCount">Frames in <paramref name="features"/>.</param>
    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public ScoredFrames Evaluate(ReadOnlySpan<float> features, int frameCount)
    {
        var perFrame = _codebooks * _streams * _topN;
        var frames = new ScoredFrames(this, frameCount, perFrame);
        var topCodeword = new int[FramesAtOnce * perFrame];
        var topScore = new int[FramesAtOnce * perFrame];
        var distances = new float[FramesAtOnce * _densities];
        var integers = new int[_densities];
        for (var t0 = 0; t0 < frameCount; t0 += FramesAtOnce)
        {
            var count = Math.Min(FramesAtOnce, frameCount - t0);
            EvaluateCodebooks(features.Slice(t0 * FeatureLength, count * FeatureLength), count, topCodeword, topScore, distances, integers);
            for (var b = 0; b < count; b++)
            {
                var codewords = frames.Codewords(t0 + b);
                var scores = frames.Scores(t0 + b);
                for (var i = 0; i < perFrame; i++)
                {
                    // Codewords are below the 128 densities, scores clamped to 0..96 (MaxNegativeAcousticScore).
                    codewords[i] = (byte)topCodeword[(b * perFrame) + i];
                    scores[i] = (byte)topScore[(b * perFrame) + i];
                }
            }
        }

        return frames;
    }

    // Frames whose Gaussians are evaluated together: the model's means and precisions (1.7 MB, more than
    // a core's L2 cache) are read once for four frames instead of once a frame.
    private const int FramesAtOnce = 4;

    /// <summary>The text header of a senone-score stream (<c>ps_decode_senscr</c>), the byte-order word after it.</summary>
    internal byte[] StreamHeader { get; }

    /// <summary>Bytes of one frame in a senone-score stream: the count of scores (all senones), then the scores.</summary>
    internal int StreamFrameBytes => 2 + (2 * SenoneCount);

    /// <summary>
    /// One frame of a senone-score stream as pocketsphinx's <c>ps_decode_senscr</c> reads it: the count
    /// of scores (all senones) and the scores, each the senone's negated log-likelihood relative to the
    /// frame's best (0), as pocketsphinx's own evaluation with every senone active.
    /// </summary>
    /// <param name="codewords">The frame's best Gaussians, per codebook and stream (<see cref="ScoredFrames"/>).</param>
    /// <param name="scores">Their scores.</param>
    /// <param name="gaussians">How many of a codebook's best Gaussians a senone mixes (a decoder's -topn; at most <see cref="MostGaussians"/>).</param>
    /// <param name="senones">Scratch, one entry a senone.</param>
    /// <param name="output">The frame: <see cref="StreamFrameBytes"/> bytes.</param>
    /// <param name="wideVectors">Sixteen senones at a time where AVX-512 is there (the same values; false: eight at a time, as the tests compare).</param>
    internal void WriteStreamFrame(ReadOnlySpan<byte> codewords, ReadOnlySpan<byte> scores, int gaussians, int[] senones, Span<short> output,
        bool wideVectors = true)
    {
        output[0] = (short)SenoneCount;
        EvaluateSenones(codewords, scores, Math.Clamp(gaussians, 1, _topN), senones, output[1..], wideVectors);
    }

    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void EvaluateCodebooks(ReadOnlySpan<float> frames, int count, int[] topCodeword, int[] topScore, float[] distances, int[] integers)
    {
        var perFrame = _codebooks * _streams * _topN;
        Span<int> norms = stackalloc int[FramesAtOnce];
        for (var f = 0; f < _streams; f++)
        {
            norms.Fill(int.MinValue);
            for (var m = 0; m < _codebooks; m++)
            {
                CodebookDistances(frames, count, m, f, distances);
                for (var b = 0; b < count; b++)
                {
                    var top = (b * perFrame) + (((m * _streams) + f) * _topN);
                    SelectTop(distances.AsSpan(b * _densities, _densities), integers, topCodeword.AsSpan(top, _topN), topScore.AsSpan(top, _topN));
                    norms[b] = Math.Max(norms[b], topScore[top] >> SenscrShift);
                }
            }

            for (var b = 0; b < count; b++)
            {
                for (var m = 0; m < _codebooks; m++)
                {
                    var top = (b * perFrame) + (((m * _streams) + f) * _topN);
                    for (var k = 0; k < _topN; k++)
                    {
                        var s = -((topScore[top + k] >> SenscrShift) - norms[b]);
                        topScore[top + k] = Math.Min(s, MaxNegativeAcousticScore);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The log densities of codebook <paramref name="codebook"/>'s Gaussians in stream <paramref name="stream"/>
    /// for <paramref name="count"/> consecutive frames (whole, in <paramref name="frames"/>), a row of
    /// <see cref="_densities"/> values a frame: four frames at a time when there are four.
    /// </summary>
    internal void CodebookDistances(ReadOnlySpan<float> frames, int count, int codebook, int stream, float[] distances)
    {
        var block = (codebook * FeatureLength + _streamOffset[stream]) * _densities;
        var determinants = ((codebook * _streams) + stream) * _densities;
        if (count == FramesAtOnce)
        {
            DistancesOfFour(frames, _streamOffset[stream], _streamLength[stream], block, determinants, distances);
            return;
        }

        for (var b = 0; b < count; b++)
            Distances(frames.Slice((b * FeatureLength) + _streamOffset[stream], _streamLength[stream]), block, determinants, distances.AsSpan(b * _densities, _densities));
    }

    /// <summary>
    /// <see cref="Distances"/> of four consecutive frames (<paramref name="frames"/> holds them whole,
    /// the stream at <paramref name="offset"/>), into four rows of <paramref name="distances"/>: two
    /// lane-vectors of Gaussians at a time for all four, each lane's arithmetic that of <see cref="Step"/>.
    /// </summary>
    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe void DistancesOfFour(ReadOnlySpan<float> frames, int offset, int length, int block, int determinantStart, float[] distances)
    {
        var n = _densities;
        var w = Vector<float>.Count;
        var stride = FeatureLength;
        fixed (float* mean = &_mean[block], precision = &_precision[block], det = &_determinant[determinantStart], output = distances)
        fixed (float* features = frames)
        {
            float* x0 = features + offset, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
            var d = 0;
            for (; d <= n - (2 * w); d += 2 * w)
            {
                var first = Vector.Load(det + d);
                var second = Vector.Load(det + d + w);
                Vector<float> a0 = first, b0 = second, a1 = first, b1 = second, a2 = first, b2 = second, a3 = first, b3 = second;
                for (var i = 0; i < length; i++)
                {
                    // Each frame's lanes step as Distances's do; the mean and precision loads after the
                    // first frame's come from L1.
                    var m = mean + (i * n) + d;
                    var p = precision + (i * n) + d;
                    Vector<float> v0 = new(x0[i]), v1 = new(x1[i]), v2 = new(x2[i]), v3 = new(x3[i]);
                    a0 = Step(a0, v0, m, p);
                    b0 = Step(b0, v0, m + w, p + w);
                    a1 = Step(a1, v1, m, p);
                    b1 = Step(b1, v1, m + w, p + w);
                    a2 = Step(a2, v2, m, p);
                    b2 = Step(b2, v2, m + w, p + w);
                    a3 = Step(a3, v3, m, p);
                    b3 = Step(b3, v3, m + w, p + w);
                }

                a0.Store(output + d);
                b0.Store(output + d + w);
                a1.Store(output + n + d);
                b1.Store(output + n + d + w);
                a2.Store(output + (2 * n) + d);
                b2.Store(output + (2 * n) + d + w);
                a3.Store(output + (3 * n) + d);
                b3.Store(output + (3 * n) + d + w);
            }

            for (var b = 0; b < FramesAtOnce && d < n; b++)
            {
                Distances(frames.Slice((b * stride) + offset, length), block, determinantStart, distances.AsSpan(b * n, n), d);
            }
        }
    }

    /// <summary>
    /// Every Gaussian's log density (float, as pocketsphinx: the determinant term less each
    /// dimension's weighted square, dimension by dimension), eight Gaussians a lane-vector and
    /// sixty-four at a time held in registers across the dimensions.
    /// </summary>
    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe void Distances(ReadOnlySpan<float> x, int block, int determinantStart, Span<float> distances, int from = 0)
    {
        var n = _densities;
        var w = Vector<float>.Count;
        const int Held = 8;
        fixed (float* mean = &_mean[block], precision = &_precision[block], det = &_determinant[determinantStart], output = distances)
        fixed (float* features = x)
        {
            var d = from;
            for (; d <= n - (Held * w); d += Held * w)
            {
                var a0 = Vector.Load(det + d);
                var a1 = Vector.Load(det + d + w);
                var a2 = Vector.Load(det + d + (2 * w));
                var a3 = Vector.Load(det + d + (3 * w));
                var a4 = Vector.Load(det + d + (4 * w));
                var a5 = Vector.Load(det + d + (5 * w));
                var a6 = Vector.Load(det + d + (6 * w));
                var a7 = Vector.Load(det + d + (7 * w));
                for (var i = 0; i < x.Length; i++)
                {
                    var xi = new Vector<float>(features[i]);
                    var m = mean + (i * n) + d;
                    var p = precision + (i * n) + d;
                    a0 = Step(a0, xi, m, p);
                    a1 = Step(a1, xi, m + w, p + w);
                    a2 = Step(a2, xi, m + (2 * w), p + (2 * w));
                    a3 = Step(a3, xi, m + (3 * w), p + (3 * w));
                    a4 = Step(a4, xi, m + (4 * w), p + (4 * w));
                    a5 = Step(a5, xi, m + (5 * w), p + (5 * w));
                    a6 = Step(a6, xi, m + (6 * w), p + (6 * w));
                    a7 = Step(a7, xi, m + (7 * w), p + (7 * w));
                }

                a0.Store(output + d);
                a1.Store(output + d + w);
                a2.Store(output + d + (2 * w));
                a3.Store(output + d + (3 * w));
                a4.Store(output + d + (4 * w));
                a5.Store(output + d + (5 * w));
                a6.Store(output + d + (6 * w));
                a7.Store(output + d + (7 * w));
            }

            for (; d < n; d++)
            {
                var acc = det[d];
                for (var i = 0; i < x.Length; i++)
                {
                    var diff = features[i] - mean[(i * n) + d];
                    acc -= diff * diff * precision[(i * n) + d];
                }

                output[d] = acc;
            }
        }
    }

    /// <summary>One dimension of eight Gaussians: the sum less (x − mean)² × precision, multiplied and subtracted apart (no fused multiply-add), as pocketsphinx.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector<float> Step(Vector<float> acc, Vector<float> x, float* mean, float* precision)
    {
        var diff = x - Vector.Load(mean);
        return acc - (diff * diff * Vector.Load(precision));
    }

    /// <summary>The <see cref="_topN"/> best Gaussians by their integer score (truncated, as C's cast), best first, equal scores by codeword.</summary>
    internal static void SelectTop(ReadOnlySpan<float> distances, int[] scratch, Span<int> codewords, Span<int> scores)
    {
        if (!SelectTopPacked(distances, scratch, codewords, scores))
            SelectTopUnpacked(distances, scratch, codewords, scores);
    }

    // A packed key: the score above, 127 − the codeword in the low seven bits, so that the largest key is
    // the best score at the lowest codeword, and the codeword comes out of the key itself.
    private const int RankBits = 7;
    private const int RankMask = (1 << RankBits) - 1;
    private static readonly int[] Ranks = [.. Enumerable.Range(0, 1 << RankBits).Select(i => RankMask - i)];

    /// <summary>
    /// <see cref="SelectTop"/> with packed keys (one vector maximum a place, no search for where it was);
    /// false, with nothing chosen, where a score is too large to pack (beyond ±2²⁴) or the codebook
    /// too large for seven bits.
    /// </summary>
    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static bool SelectTopPacked(ReadOnlySpan<float> distances, int[] keys, Span<int> codewords, Span<int> scores)
    {
        var n = distances.Length;
        var w = Vector<int>.Count;
        if (n > Ranks.Length || n % w != 0 || codewords.Length > n) return false;

        // Scores in −(2²⁴ − 1) .. 2²⁴ − 1: shifted by 2²⁴ − 1 they lie below 2²⁵ − 1 as unsigned.
        var bias = new Vector<int>((1 << 24) - 1);
        var limit = new Vector<uint>((1u << 25) - 1);
        var outside = Vector<uint>.Zero;
        for (var i = 0; i < n; i += w)
        {
            var score = Vector.ConvertToInt32Native(new Vector<float>(distances[i..]));
            outside |= Vector.GreaterThanOrEqual(Vector.AsVectorUInt32(score + bias), limit);
            (Vector.ShiftLeft(score, RankBits) | new Vector<int>(Ranks, i)).CopyTo(keys, i);
        }

        if (outside != Vector<uint>.Zero) return false;

        for (var k = 0; k < codewords.Length; k++)
        {
            var max = new Vector<int>(keys);
            for (var j = w; j < n; j += w)
            {
                max = Vector.Max(max, new Vector<int>(keys, j));
            }

            var best = int.MinValue;
            for (var lane = 0; lane < w; lane++)
            {
                best = Math.Max(best, max[lane]);
            }

            var at = RankMask - (best & RankMask);
            codewords[k] = at;
            scores[k] = best >> RankBits;
            keys[at] = int.MinValue;
        }

        return true;
    }

    /// <summary><see cref="SelectTop"/> of any scores: each place's best found by a vector maximum, then searched for.</summary>
    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void SelectTopUnpacked(ReadOnlySpan<float> distances, int[] scoresOfAll, Span<int> codewords, Span<int> scores)
    {
        var w = Vector<float>.Count;
        var i = 0;
        for (; i <= distances.Length - w; i += w)
        {
            Vector.ConvertToInt32Native(new Vector<float>(distances[i..])).CopyTo(scoresOfAll.AsSpan(i));
        }

        for (; i < distances.Length; i++)
        {
            scoresOfAll[i] = (int)distances[i];
        }

        // The best, then the best of the rest, and so on: a vector maximum and the first place that
        // holds it, which ranks equal scores by codeword as the insertion it replaces did.
        var all = scoresOfAll.AsSpan();
        for (var k = 0; k < codewords.Length; k++)
        {
            var best = int.MinValue;
            var j = 0;
            if (all.Length >= w)
            {
                var max = new Vector<int>(all);
                for (j = w; j <= all.Length - w; j += w)
                {
                    max = Vector.Max(max, new Vector<int>(all[j..]));
                }

                for (var lane = 0; lane < w; lane++)
                {
                    best = Math.Max(best, max[lane]);
                }
            }

            for (; j < all.Length; j++)
            {
                best = Math.Max(best, all[j]);
            }

            var at = all.IndexOf(best);
            codewords[k] = at;
            scores[k] = best;
            all[at] = int.MinValue;
        }
    }

    // Compiled optimised at once: the recogniser's threads keep the tiered JIT from promoting it for seconds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe void EvaluateSenones(ReadOnlySpan<byte> topCodeword, ReadOnlySpan<byte> topScore, int count, int[] senones, Span<short> output,
        bool wideVectors)
    {
        var n = SenoneCount;
        var sixteen = wideVectors && _logAddShort && Avx512F.IsSupported;
        Array.Clear(senones);
        fixed (byte* weights = _mixtureWeights)
        fixed (int* total = senones, logAdd = _logAdd)
        {
            // Codebook by codebook, along the runs of its senones, so that each mixture-weight row is
            // read in order. Each stream's density: the best Gaussian's weighted score log-added with
            // the others' (negated log values, as pocketsphinx's fast_logmath_add), in the same order;
            // eight senones at a time where AVX2 is there (integer arithmetic: the same values).
            for (var cb = 0; cb < _codebooks; cb++)
            {
                for (var f = 0; f < _streams; f++)
                {
                    var top = ((cb * _streams) + f) * _topN;
                    var plane = weights + (f * _densities * n);
                    foreach (var (start, end) in _codebookRuns[cb])
                    {
                        var sen = start;
                        if (sixteen)
                        {
                            sen = AddDensities16(plane, n, topCodeword, topScore, top, count, sen, end, logAdd, total);
                        }

                        if (Avx2.IsSupported)
                        {
                            for (; sen <= end - 8; sen += 8)
                            {
                                var fden = Avx2.Add(Avx2.ConvertToVector256Int32(plane + (topCodeword[top] * n) + sen), Vector256.Create((int)topScore[top]));
                                for (var j = 1; j < count; j++)
                                {
                                    var other = Avx2.Add(Avx2.ConvertToVector256Int32(plane + (topCodeword[top + j] * n) + sen), Vector256.Create((int)topScore[top + j]));
                                    var distance = Avx2.Abs(Avx2.Subtract(fden, other)).AsInt32();
                                    var added = _logAddShort ? LookUpShort(logAdd, distance) : Avx2.GatherVector256(logAdd, distance, 4);
                                    fden = Avx2.Subtract(Avx2.Min(fden, other), added);
                                }

                                Avx.Store(total + sen, Avx2.Add(Avx.LoadVector256(total + sen), fden));
                            }
                        }

                        for (; sen < end; sen++)
                        {
                            var fden = plane[(topCodeword[top] * n) + sen] + topScore[top];
                            for (var j = 1; j < count; j++)
                            {
                                fden = LogAdd(logAdd, fden, plane[(topCodeword[top + j] * n) + sen] + topScore[top + j]);
                            }

                            total[sen] += fden;
                        }
                    }
                }
            }
        }

        // Relative to the frame's best: the least total, a vector at a time, then each total less it
        // (scores of a few thousand at most: narrowing to 16 bits keeps every one).
        var all = senones.AsSpan(0, n);
        var lanes = Vector<int>.Count;
        var at = 0;
        var least = new Vector<int>(int.MaxValue);
        for (; at <= n - lanes; at += lanes)
        {
            least = Vector.Min(least, new Vector<int>(all[at..]));
        }

        var best = int.MaxValue;
        for (var lane = 0; lane < lanes; lane++)
        {
            best = Math.Min(best, least[lane]);
        }

        for (; at < n; at++)
        {
            best = Math.Min(best, all[at]);
        }

        var offset = new Vector<int>(best);
        at = 0;
        for (; at <= n - (2 * lanes); at += 2 * lanes)
        {
            Vector.Narrow(new Vector<int>(all[at..]) - offset, new Vector<int>(all[(at + lanes)..]) - offset).CopyTo(output[at..]);
        }

        for (; at < n; at++)
        {
            output[at] = (short)((short)all[at] - best);
        }
    }

    /// <summary>
    /// The AVX2 loop of <see cref="EvaluateSenones"/> sixteen senones at a time with AVX-512 (from
    /// <paramref name="sen"/> while sixteen fit before <paramref name="end"/>): the same integer
    /// arithmetic, and the log-add table's 32 entries looked up by one two-table permute. Returns the
    /// first senone left.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe int AddDensities16(byte* plane, int n, ReadOnlySpan<byte> topCodeword, ReadOnlySpan<byte> topScore, int top, int count,
        int sen, int end, int* logAdd, int* total)
    {
        var lowEntries = Vector512.Load(logAdd);
        var highEntries = Vector512.Load(logAdd + 16);
        var lastEntry = Vector512.Create(ShortLogAdd - 1);
        for (; sen <= end - 16; sen += 16)
        {
            var fden = Avx512F.Add(Avx512F.ConvertToVector512Int32(Vector128.Load(plane + (topCodeword[top] * n) + sen)), Vector512.Create((int)topScore[top]));
            for (var j = 1; j < count; j++)
            {
                var other = Avx512F.Add(Avx512F.ConvertToVector512Int32(Vector128.Load(plane + (topCodeword[top + j] * n) + sen)), Vector512.Create((int)topScore[top + j]));
                var distance = Avx512F.Abs(Avx512F.Subtract(fden, other)).AsInt32();
                var inTable = Avx512F.PermuteVar16x32x2(lowEntries, Avx512F.Min(distance, lastEntry), highEntries);
                // Distances past the short table add nothing.
                var added = Avx512F.AndNot(Avx512F.CompareGreaterThan(distance, lastEntry), inTable);
                fden = Avx512F.Subtract(Avx512F.Min(fden, other), added);
            }

            Vector512.Store(Avx512F.Add(Vector512.Load(total + sen), fden), total + sen);
        }

        return sen;
    }

    private const int ShortLogAdd = 32;

    /// <summary>
    /// Entries of the log-add table for eight distances when all from <see cref="ShortLogAdd"/> on are 0:
    /// four in-register lookups of eight (one per eight entries) and a choice between them by the
    /// distance's bits 3 and 4, instead of a gather from memory (several times slower on this machine).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> LookUpShort(int* table, Vector256<int> distance)
    {
        var index = Avx2.Min(distance, Vector256.Create(ShortLogAdd - 1)).AsUInt32();
        var low = Avx2.PermuteVar8x32(Avx.LoadVector256(table), index.AsInt32());
        var second = Avx2.PermuteVar8x32(Avx.LoadVector256(table + 8), index.AsInt32());
        var third = Avx2.PermuteVar8x32(Avx.LoadVector256(table + 16), index.AsInt32());
        var fourth = Avx2.PermuteVar8x32(Avx.LoadVector256(table + 24), index.AsInt32());
        var bit3 = Avx2.CompareEqual(Avx2.And(index, Vector256.Create(8u)), Vector256.Create(8u)).AsInt32();
        var bit4 = Avx2.CompareEqual(Avx2.And(index, Vector256.Create(16u)), Vector256.Create(16u)).AsInt32();
        var upTo15 = Avx2.BlendVariable(low, second, bit3);
        var from16 = Avx2.BlendVariable(third, fourth, bit3);
        var inTable = Avx2.BlendVariable(upTo15, from16, bit4);
        // Distances past the short table add nothing.
        return Avx2.AndNot(Avx2.CompareGreaterThan(distance, Vector256.Create(ShortLogAdd - 1)), inTable);
    }

    private static (int Start, int End)[] Runs(IEnumerable<int> ascending)
    {
        var runs = new List<(int Start, int End)>();
        foreach (var sen in ascending)
        {
            if (runs.Count > 0 && runs[^1].End == sen) runs[^1] = (runs[^1].Start, sen + 1);
            else runs.Add((sen, sen + 1));
        }

        return [.. runs];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe int LogAdd(int* table, int x, int y)
    {
        // Branch-free: the smaller value less the table's entry for their distance.
        var d = x - y;
        var sign = d >> 31;
        return y + (d & sign) - table[(d ^ sign) - sign];
    }

    /// <summary>
    /// The 8-bit log-add table of base 1.0001 shifted by 10 bits that pocketsphinx's PTM evaluation
    /// uses: entry d is what adding a probability d units lower adds, read from sphinxbase's own table.
    /// </summary>
    private static int[] LogAddTable()
    {
        var lmath = PocketSphinxNative.LogMathInit(LogBase, SenscrShift, 1);
        try
        {
            // Weighted scores lie in 0..254 (weights up to 158, scores up to 96) and a log-added density a
            // few units below 0, so distances pass 255 by a little: the table runs on in zeros to 511.
            var table = new int[512];
            for (var d = 0; d < table.Length; d++)
            {
                table[d] = (byte)PocketSphinxNative.LogMathAdd(lmath, 0, -d);
            }

            return table;
        }
        finally
        {
            PocketSphinxNative.LogMathFree(lmath);
        }
    }

    /// <summary>Sphinx-3 binary Gaussian parameters (means or variances): [codebook][stream][density][dimension].</summary>
    private static (int Codebooks, int Streams, int Densities, int[] Lengths, float[] Values) ReadGaussians(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = HeaderEnd(bytes, path);
        int Next()
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
            position += 4;
            return v;
        }

        var codebooks = Next();
        var streams = Next();
        var densities = Next();
        var lengths = new int[streams];
        for (var f = 0; f < streams; f++)
        {
            lengths[f] = Next();
        }

        var count = Next();
        if (count != codebooks * densities * lengths.Sum())
        {
            throw new InvalidDataException($"{path}: {count} values, expected {codebooks * densities * lengths.Sum()}.");
        }

        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(position, count * 4)).ToArray();
        return (codebooks, streams, densities, lengths, values);
    }

    /// <summary>Where the data of a Sphinx-3 binary file starts: after "endhdr\n" and the byte-order word.</summary>
    private static int HeaderEnd(byte[] bytes, string path)
    {
        var end = bytes.AsSpan().IndexOf("endhdr\n"u8);
        if (end < 0 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end + 7)) != 0x11223344)
        {
            throw new InvalidDataException($"{path} is not a little-endian Sphinx-3 binary file.");
        }

        return end + 7 + 4;
    }

    /// <summary>Each senone's base phone (its codebook), from the binary model definition, as bin_mdef_read builds sen2cimap.</summary>
    private static (short[] SenoneCodebook, string[] BasePhones) ReadSenoneCodebooks(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 4; // "BMDF"
        int Next()
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
            position += 4;
            return v;
        }

        _ = Next(); // format version
        var description = Next();
        position += description;
        var ciPhones = Next();
        var phones = Next();
        var emitStates = Next();
        _ = Next(); // CI senones
        var senones = Next();
        _ = Next(); // transition matrices
        _ = Next(); // phone sequences
        _ = Next(); // context
        var treeNodes = Next();
        _ = Next(); // silence
        var names = position;
        var basePhones = new string[ciPhones];
        for (var i = 0; i < ciPhones; i++)
        {
            var end = Array.IndexOf(bytes, (byte)0, position);
            basePhones[i] = Encoding.ASCII.GetString(bytes, position, end - position);
            position = end + 1;
        }

        position = names + (((position - names) + 3) & ~3);
        position += treeNodes * 8;
        var phoneTable = position;
        position += phones * 12;
        _ = Next(); // their total size
        var sequenceStart = position;
        if (emitStates == 0)
        {
            throw new InvalidDataException($"{path}: phones with different numbers of states are not supported.");
        }

        var map = new short[senones];
        Array.Fill(map, (short)-1);
        for (var p = 0; p < phones; p++)
        {
            var entry = phoneTable + (p * 12);
            var ssid = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(entry));
            var ci = p < ciPhones ? p : bytes[entry + 8 + 1]; // CD phones: info.cd.ctx[0], the base phone
            for (var j = 0; j < emitStates; j++)
            {
                var s = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(sequenceStart + (2 * ((ssid * emitStates) + j))));
                if (map[s] == -1) map[s] = (short)ci;
            }
        }

        return (map, basePhones);
    }

    /// <summary>The quantised mixture weights (sendump, 8 bits each): [stream][density][senone].</summary>
    private static byte[] ReadSendump(string path, int streams, int densities, int senones)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        int Next()
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
            position += 4;
            return v;
        }

        // Title, header, then header strings until an empty one.
        var title = Next();
        position += title;
        var header = Next();
        position += header;
        var clusters = 0;
        for (var n = Next(); n != 0; n = Next())
        {
            var line = Encoding.ASCII.GetString(bytes, position, n - 1);
            if (line.StartsWith("cluster_count ", StringComparison.Ordinal)) clusters = int.Parse(line[14..], System.Globalization.CultureInfo.InvariantCulture);
            position += n;
        }

        if (clusters != 0)
        {
            throw new InvalidDataException($"{path}: clustered mixture weights are not supported.");
        }

        var rows = Next();
        var columns = Next();
        if (rows != densities || columns != senones)
        {
            throw new InvalidDataException($"{path}: {rows}×{columns} mixture weights, expected {densities}×{senones}.");
        }

        return bytes.AsSpan(position, streams * densities * senones).ToArray();
    }
}
