using Parla.Media;

namespace Parla.Audio.Phonemes;

/// <summary>
/// Whether the lips or the tongue close a murmur, as the en-us acoustic model hears it: at some frame
/// near it, a senone of M, B or P scores best of all the model's senones (silence and fillers
/// included). The acoustic path asks this of the murmurs it finds in any language, sung ones too, and the
/// English path of those its recogniser may have misheard: the lips close an
/// m or a b the same way everywhere, and where the second formant's locus that it used alone fails —
/// a voice whose formants all lie high (a woman's, a child's) pulls an m's edges to 1.4–1.7 kHz, where
/// a man's n and d lie — the model's triphones still tell them apart (docs/visemes.md, "Lips or tongue").
/// Only the frames asked about are scored: the Gaussians of a few frames a murmur, from pocketsphinx's
/// features of the stretch around them (<see cref="ChunkFrames"/> at a time, computed when first asked).
/// </summary>
internal sealed class LabialEvidence : IDisposable
{
    /// <summary>Frames (10 ms) whose features are computed together: 20 s, with <see cref="ContextFrames"/> more on each side.</summary>
    private const int ChunkFrames = 2000;

    // Around a chunk: the features' deltas and the chunk's mean (batch normalisation) see a little past its ends.
    private const int ContextFrames = 50;

    private const int SamplesPerFrame = PocketSphinxDecoder.SampleRateHz / PocketSphinxDecoder.FrameRateHz;

    private readonly PocketSphinxDecoder _frontEnd;
    private readonly SenoneScorer _scorer;
    private readonly AudioClip _clip;
    private readonly int _frameCount;
    private readonly float[]?[] _chunks; // features of each chunk's frames and its context, once asked for
    private readonly bool[] _labial; // per base phone

    private LabialEvidence(PocketSphinxDecoder frontEnd, SenoneScorer scorer, AudioClip clip)
    {
        _frontEnd = frontEnd;
        _scorer = scorer;
        _clip = clip;
        _frameCount = clip.Length / SamplesPerFrame;
        _chunks = new float[]?[(_frameCount + ChunkFrames - 1) / ChunkFrames];
        _labial = scorer.BasePhones.Select(p => p is "M" or "B" or "P").ToArray();
    }

    /// <summary>
    /// The acoustic model, ready to hear <paramref name="clip"/> (16 kHz, as the decoders hear it; the clip
    /// must outlive this); null where pocketsphinx or its English model is not installed or the clip has another rate.
    /// </summary>
    public static LabialEvidence? Measure(AudioClip clip, string modelDirectory = PocketSphinxDecoder.DefaultModelDirectory)
    {
        if (clip.SampleRateHz != PocketSphinxDecoder.SampleRateHz)
        {
            return null;
        }

        try
        {
            var frontEnd = PocketSphinxDecoder.CreatePhoneAligner(modelDirectory);
            return new LabialEvidence(frontEnd, SenoneScorer.For(frontEnd.ScoredModelDirectory!), clip);
        }
        catch (ToolException)
        {
            return null;
        }
    }

    public void Dispose() => _frontEnd.Dispose();

    /// <summary>
    /// For each span of frames (from, to; 10 ms each, as the features'): at how many of them a senone of
    /// M, B or P scores best. The spans are heard on every core; they come in time order, each call's
    /// after the last's.
    /// </summary>
    public int[] LabialFrames(IReadOnlyList<(int From, int To)> spans)
    {
        // Spans are asked in time order: the chunks before these are not needed again.
        if (spans.Count > 0)
        {
            lock (_chunks)
            {
                Array.Fill(_chunks, default, 0, Math.Clamp(spans[0].From / ChunkFrames, 0, _chunks.Length));
            }
        }

        var heard = new int[spans.Count];
        Parallel.For(0, spans.Count, () => new Scratch(_scorer), (k, _, scratch) =>
        {
            heard[k] = CountLabial(spans[k].From, spans[k].To, scratch);
            return scratch;
        }, _ => { });
        return heard;
    }

    private int CountLabial(int from, int to, Scratch scratch)
    {
        from = Math.Max(0, from);
        to = Math.Min(_frameCount - 1, to);
        if (to < from)
        {
            return 0;
        }

        // A span near a chunk's end is heard in the chunk of its first frame (its context reaches past the end).
        var chunk = from / ChunkFrames;
        var features = Chunk(chunk);
        var firstFrame = FirstFrameOf(chunk);
        from -= firstFrame;
        to = Math.Min(to - firstFrame, (features.Length / _scorer.FeatureLength) - 1);
        if (from < 0 || to < from)
        {
            return 0;
        }

        var length = _scorer.FeatureLength;
        using var scored = _scorer.Evaluate(features.AsSpan(from * length, (to - from + 1) * length), to - from + 1);
        var count = 0;
        for (var t = 0; t < scored.FrameCount; t++)
        {
            _scorer.WriteStreamFrame(scored.Codewords(t), scored.Scores(t), SenoneScorer.MostGaussians, scratch.Senones, scratch.Frame);
            _scorer.BestPerPhone(scratch.Frame.AsSpan(1), scratch.Best);
            int labial = int.MaxValue, other = int.MaxValue;
            for (var p = 0; p < scratch.Best.Length; p++)
            {
                if (_labial[p]) labial = Math.Min(labial, scratch.Best[p]);
                else other = Math.Min(other, scratch.Best[p]);
            }

            // Scores are negated log-likelihoods against the frame's best: lower is likelier.
            if (labial < other)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Chunk <paramref name="index"/>'s features, computed on first use: frames from <see cref="FirstFrameOf"/> on.</summary>
    private float[] Chunk(int index)
    {
        lock (_chunks)
        {
            if (_chunks[index] is { } known)
            {
                return known;
            }

            var first = FirstFrameOf(index);
            var end = Math.Min(_frameCount, ((index + 1) * ChunkFrames) + ContextFrames);
            var samples = new short[(end - first) * SamplesPerFrame];
            _clip.Read(first * SamplesPerFrame, samples);
            return _chunks[index] = _frontEnd.Features(samples, out _) ?? [];
        }
    }

    /// <summary>The clip's frame where chunk <paramref name="index"/>'s features start (its context before it).</summary>
    private static int FirstFrameOf(int index) => Math.Max(0, (index * ChunkFrames) - ContextFrames);

    /// <summary>One thread's working arrays.</summary>
    private sealed class Scratch(SenoneScorer scorer)
    {
        public int[] Senones { get; } = new int[scorer.SenoneCount];
        public short[] Frame { get; } = new short[1 + scorer.SenoneCount];
        public int[] Best { get; } = new int[scorer.BasePhones.Count];
    }
}
