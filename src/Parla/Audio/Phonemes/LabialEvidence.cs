using Parla.Media;

namespace Parla.Audio.Phonemes;

/// <summary>
/// Whether the lips or the tongue close a murmur, as the en-us acoustic model hears it: at some frame
/// near it, a senone of M, B or P scores best of all the model's senones (silence and fillers
/// included). The acoustic path asks this of the murmurs it finds in any language: the lips close an
/// m or a b the same way everywhere, and where the second formant's locus that it used alone fails —
/// a voice whose formants all lie high (a woman's, a child's) pulls an m's edges to 1.4–1.7 kHz, where
/// a man's n and d lie — the model's triphones still tell them apart (docs/visemes.md, "Lips or tongue").
/// Only the frames asked about are scored: the Gaussians of a few frames a murmur.
/// </summary>
internal sealed class LabialEvidence
{
    private readonly SenoneScorer _scorer;
    private readonly float[] _features;
    private readonly int _frameCount;
    private readonly bool[] _labial; // per base phone

    private LabialEvidence(SenoneScorer scorer, float[] features, int frameCount)
    {
        _scorer = scorer;
        _features = features;
        _frameCount = frameCount;
        _labial = scorer.BasePhones.Select(p => p is "M" or "B" or "P").ToArray();
    }

    /// <summary>The model's frames of <paramref name="clip"/> (16 kHz, as the decoders hear it); null where pocketsphinx or its English model is not installed, the clip has another rate, or it is too short.</summary>
    public static LabialEvidence? Measure(AudioClip clip, string modelDirectory = PocketSphinxDecoder.DefaultModelDirectory)
    {
        if (clip.SampleRateHz != PocketSphinxDecoder.SampleRateHz)
        {
            return null;
        }

        try
        {
            using var frontEnd = PocketSphinxDecoder.CreatePhoneAligner(modelDirectory);
            var scorer = SenoneScorer.For(frontEnd.ScoredModelDirectory!);
            return frontEnd.Features(clip.ToPcm16(), out var frames) is { } features ? new LabialEvidence(scorer, features, frames) : null;
        }
        catch (ToolException)
        {
            return null;
        }
    }

    /// <summary>For each span of frames (from, to; 10 ms each, as the features'): whether a senone of M, B or P scores best at any of them. The spans are heard on every core.</summary>
    public bool[] SoundsLabial(IReadOnlyList<(int From, int To)> spans)
    {
        var heard = new bool[spans.Count];
        Parallel.For(0, spans.Count, () => new Scratch(_scorer), (k, _, scratch) =>
        {
            heard[k] = AnyLabial(spans[k].From, spans[k].To, scratch);
            return scratch;
        }, _ => { });
        return heard;
    }

    private bool AnyLabial(int from, int to, Scratch scratch)
    {
        from = Math.Max(0, from);
        to = Math.Min(_frameCount - 1, to);
        if (to < from)
        {
            return false;
        }

        var length = _scorer.FeatureLength;
        using var scored = _scorer.Evaluate(_features.AsSpan(from * length, (to - from + 1) * length), to - from + 1);
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
                return true;
            }
        }

        return false;
    }

    /// <summary>One thread's working arrays.</summary>
    private sealed class Scratch(SenoneScorer scorer)
    {
        public int[] Senones { get; } = new int[scorer.SenoneCount];
        public short[] Frame { get; } = new short[1 + scorer.SenoneCount];
        public int[] Best { get; } = new int[scorer.BasePhones.Count];
    }
}
