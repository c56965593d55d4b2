using Parla.Media;

namespace Parla.Audio.Phonemes;

/// <summary>One recognised phone: ARPAbet symbol (as in CMUdict, without stress; "SIL" for silence) and its time span.</summary>
/// <param name="Symbol">"AA", "B", … or "SIL", "+NSN+" (noise) as pocketsphinx names them.</param>
/// <param name="StartSeconds">Start of the phone.</param>
/// <param name="EndSeconds">End of the phone (the start of the next one).</param>
/// <param name="AcousticScorePerFrame">The decoder's acoustic log-likelihood over the phone divided by its frames (integer log base 1.0001, scaled by 2^-10; larger is better).</param>
public readonly record struct Phone(string Symbol, double StartSeconds, double EndSeconds, float AcousticScorePerFrame)
{
    /// <summary>Whether this is a silence or noise filler rather than a speech sound.</summary>
    public bool IsSilence => Symbol is "SIL" || Symbol.StartsWith('+');

    public double DurationSeconds => EndSeconds - StartSeconds;
}

/// <summary>One recognised English word and its time span.</summary>
/// <param name="Text">The word as CMUdict spells it, lower case.</param>
/// <param name="StartSeconds">Start of the word.</param>
/// <param name="EndSeconds">End of the word.</param>
/// <param name="AcousticScorePerFrame">Acoustic log-likelihood per frame (as for <see cref="Phone"/>).</param>
/// <param name="LanguageScore">The trigram model's log-probability of the word in context (same units; larger is likelier English).</param>
public readonly record struct Word(string Text, double StartSeconds, double EndSeconds, float AcousticScorePerFrame, int LanguageScore);

/// <summary>The phones of a whole clip, in order and without gaps, the words they come from, and how well they explain the voice.</summary>
public sealed class PhonemeTrack
{
    public PhonemeTrack(IReadOnlyList<Phone> phones, IReadOnlyList<Word> words, PhonemeConfidence confidence, double decodeSeconds)
    {
        Phones = phones;
        Words = words;
        Confidence = confidence;
        DecodeSeconds = decodeSeconds;
    }

    public IReadOnlyList<Phone> Phones { get; }

    public IReadOnlyList<Word> Words { get; }

    /// <summary>Measures of how well English phones fit this voice (see <see cref="PhonemeConfidence"/>).</summary>
    public PhonemeConfidence Confidence { get; }

    /// <summary>Wall-clock time the decoding took, seconds (for the ×real-time figure; not part of the result's identity).</summary>
    public double DecodeSeconds { get; }
}

/// <summary>Settings of <see cref="PhonemeAnalyzer"/>.</summary>
public sealed record PhonemeAnalysisOptions
{
    /// <summary>Folder of the pocketsphinx en-us model; default Debian's (package pocketsphinx-en-us).</summary>
    public string ModelDirectory { get; init; } = PocketSphinxDecoder.DefaultModelDirectory;

    /// <summary>Decoders run side by side (each thread holds its own recogniser, about 100 MB); default: all cores.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>A piece is cut at the first pause after this many seconds; default 4 (shorter pieces parallelise better, but batch normalisation wants a second or two of voice).</summary>
    public double MinPieceSeconds { get; init; } = 4;

    /// <summary>Without a pause, a piece is cut at its quietest frame before this length; default 15 s.</summary>
    public double MaxPieceSeconds { get; init; } = 15;

    /// <summary>
    /// All threads decode the pieces that hold this many seconds of voice from the start (or that
    /// span three times as many seconds of sound, for a sound the activity track hears little voice
    /// in: see <see cref="HoldsPrefix"/>); after them as many as <see cref="PhonemeDecoding.SetThreadsAfterPrefix"/>
    /// says go on, so that the others' recognisers are freed for whatever runs beside them (the
    /// renderer). Default: all pieces by all threads.
    /// </summary>
    public double ParallelPrefixVoiceSeconds { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// Whether a start of the clip that holds <paramref name="voiceSeconds"/> of voice, and spans
    /// <paramref name="spanSeconds"/> from its first voice, is the whole parallel prefix: its voice is
    /// there, or it spans three times that. Without the span a sound with little voice in it by the
    /// activity track (a held synthetic tone, music) would be all prefix, and the first frame would
    /// wait for all of it. The span starts at the first voice: counted from the clip's start, 20 s of
    /// silence before an English read made a prefix of silence, and the read went to the acoustic path.
    /// </summary>
    internal bool HoldsPrefix(double voiceSeconds, double spanSeconds) =>
        voiceSeconds >= ParallelPrefixVoiceSeconds || spanSeconds >= 3 * ParallelPrefixVoiceSeconds;

    /// <summary>The time of the clip's first frame of voice by the activity track (0 when it has none): where <see cref="HoldsPrefix"/>'s span starts.</summary>
    internal static double FirstVoiceSeconds(AudioFeatures features)
    {
        for (var i = 0; i < features.FrameCount; i++)
        {
            if (features.IsSpeech(i)) return i / features.FrameRateHz;
        }

        return 0;
    }

    /// <summary>
    /// The pieces of a parallel prefix (<see cref="ParallelPrefixVoiceSeconds"/>, when given) are
    /// shorter: cut at the first pause after half this length, or at their quietest frame before it;
    /// default 3 s. The first frames wait for them, and two short pieces decode side by side in a
    /// third of the time of one long one.
    /// </summary>
    public double PrefixPieceSeconds { get; init; } = 3;

    /// <summary>A pause at least this long can take a cut; default 0.2 s.</summary>
    public double MinPauseSeconds { get; init; } = 0.2;
}

/// <summary>
/// English phoneme timing with pocketsphinx, in process. Long audio is cut in the middle of pauses
/// and the pieces are decoded in parallel, one decoder per thread; each piece is decoded on its own,
/// so the result does not depend on the number of threads.
/// </summary>
public static class PhonemeAnalyzer
{
    /// <summary>Decodes the phones of <paramref name="clip"/> (16 kHz mono); <paramref name="features"/> (same clip) places the cuts.</summary>
    /// <param name="clip">The voice, 16 kHz mono.</param>
    /// <param name="features">The same clip's features; they place the cuts.</param>
    /// <param name="options">Model folder, threads and how pieces are cut.</param>
    /// <param name="ct">Stops the decoding between pieces.</param>
    /// <param name="piecesDone">Called with (pieces decoded, pieces in all) as pieces finish, from the decoding threads.</param>
    public static PhonemeTrack Analyze(AudioClip clip, AudioFeatures features, PhonemeAnalysisOptions? options = null, CancellationToken ct = default,
        Action<int, int>? piecesDone = null)
    {
        using var decoding = Start(clip, features, options, ct, piecesDone);
        return decoding.Complete();
    }

    /// <summary>
    /// Starts decoding in the background and returns at once: the phones become known piece by piece,
    /// in order from the start of the clip (<see cref="PhonemeDecoding.WaitForPrefix"/>), so that
    /// whatever follows them need not wait for the whole clip.
    /// </summary>
    /// <param name="clip">The voice, 16 kHz mono.</param>
    /// <param name="features">The same clip's features; they place the cuts.</param>
    /// <param name="options">Model folder, threads and how pieces are cut.</param>
    /// <param name="ct">Stops the decoding between pieces.</param>
    /// <param name="piecesDone">Called with (pieces decoded, pieces in all) as pieces finish, from the decoding threads.</param>
    /// <param name="preloaded">Recognisers loaded ahead (from the same model folder) for the threads to take before they load their own.</param>
    public static PhonemeDecoding Start(AudioClip clip, AudioFeatures features, PhonemeAnalysisOptions? options = null, CancellationToken ct = default,
        Action<int, int>? piecesDone = null, PreloadedDecoders? preloaded = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(features);
        options ??= new PhonemeAnalysisOptions();
        if (clip.SampleRateHz != PocketSphinxDecoder.SampleRateHz)
        {
            throw new ArgumentException($"The phoneme decoder needs 16 kHz audio (got {clip.SampleRateHz} Hz).", nameof(clip));
        }

        return new PhonemeDecoding(clip, features, Cut(features, clip.Length, options), options, ct, piecesDone, preloaded);
    }

    /// <summary>Silence a piece keeps before its voice when a longer silence precedes it.</summary>
    private const double LeadInSeconds = 0.5;

    /// <summary>Pieces (first sample, length) that tile the clip, cut in the middle of pauses.</summary>
    internal static List<(int Start, int Length)> Cut(AudioFeatures features, int sampleCount, PhonemeAnalysisOptions options)
    {
        var rate = features.FrameRateHz;
        var samplesPerFrame = sampleCount / Math.Max(1.0, features.DurationSeconds * rate);
        var n = features.FrameCount;
        var minPause = Math.Max(1, (int)Math.Round(options.MinPauseSeconds * rate));
        var minPiece = (int)Math.Round(options.MinPieceSeconds * rate);
        var maxPiece = Math.Max(minPiece + 1, (int)Math.Round(options.MaxPieceSeconds * rate));
        // The parallel prefix's pieces (those that start before it is held) are shorter; with no
        // prefix (every piece decoded by every thread) none is.
        var hasPrefix = !double.IsPositiveInfinity(options.ParallelPrefixVoiceSeconds);
        var prefixMin = (int)Math.Round(options.PrefixPieceSeconds / 2 * rate);
        var prefixMax = Math.Max(prefixMin + 1, (int)Math.Round(options.PrefixPieceSeconds * rate));
        var leadIn = (int)Math.Round(LeadInSeconds * rate);
        var firstVoice = (int)Math.Round(PhonemeAnalysisOptions.FirstVoiceSeconds(features) * rate);
        var voicedBefore = new int[n + 1];
        for (var f = 0; f < n; f++)
        {
            voicedBefore[f + 1] = voicedBefore[f] + (features.IsSpeech(f) ? 1 : 0);
        }

        var cuts = new List<int>();
        var pieceStart = 0;
        var i = 0;
        while (i < n)
        {
            var inPrefix = hasPrefix && !options.HoldsPrefix(voicedBefore[pieceStart] / rate, Math.Max(0, pieceStart - firstVoice) / rate);
            if (features.IsSpeech(i))
            {
                if (i - pieceStart >= (inPrefix ? prefixMax : maxPiece))
                {
                    var cut = Quietest(features, pieceStart + (inPrefix ? prefixMin : minPiece), i);
                    cuts.Add(cut);
                    pieceStart = cut;
                }

                i++;
                continue;
            }

            var end = i;
            while (end < n && !features.IsSpeech(end))
            {
                end++;
            }

            // A piece that holds no voice yet (the clip's start, or the second half of a long pause)
            // ends shortly before the voice: silence on its own is not decoded, and a piece that began
            // seconds ahead of its voice was cut short inside its first words.
            if (end < n && end - leadIn > pieceStart + leadIn && voicedBefore[end] == voicedBefore[pieceStart])
            {
                pieceStart = end - leadIn;
                cuts.Add(pieceStart);
                i = end;
                continue;
            }

            // The silence that ends the clip, past a little, is a piece of its own (not decoded).
            if (end == n && end - i > 2 * leadIn && i + leadIn > pieceStart)
            {
                cuts.Add(i + leadIn);
                break;
            }

            var middle = (i + end) / 2;
            if (end - i >= minPause && end < n && middle - pieceStart >= (inPrefix ? prefixMin : minPiece) && (!inPrefix || middle - pieceStart <= prefixMax))
            {
                cuts.Add(middle);
                pieceStart = middle;
                // The pause's second half is looked at again: a long one is cut once more before the voice.
                i = middle;
                continue;
            }
            else if (inPrefix && end - pieceStart > prefixMax && pieceStart + prefixMax < n)
            {
                // A long stretch without voice: a prefix piece still ends at its length (inside the
                // stretch, which begins before it), and the rest is looked at again from there.
                pieceStart = Math.Max(i, pieceStart + prefixMax);
                cuts.Add(pieceStart);
                i = pieceStart;
                continue;
            }

            i = end;
        }

        var pieces = new List<(int, int)>();
        var previous = 0;
        foreach (var frame in cuts.Append(-1))
        {
            var sample = frame < 0 ? sampleCount : Math.Clamp((int)Math.Round(frame * samplesPerFrame), previous, sampleCount);
            if (sample > previous)
            {
                pieces.Add((previous, sample - previous));
            }

            previous = sample;
        }

        if (pieces.Count == 0)
        {
            pieces.Add((0, sampleCount));
        }

        return pieces;
    }

    /// <summary>
    /// Two passes over one piece: the words (trigram model and CMUdict), then a forced alignment of
    /// their phones (a second decoder, so that the phone words never reach the recogniser's language
    /// model), which gives each phone its own time. A piece without words is silence; if the
    /// alignment finds no path, the phones share their word's time.
    /// </summary>
    internal static (List<DecodedSegment> Phones, List<DecodedSegment> Words) DecodePiece(
        ReadOnlySpan<short> piece, PocketSphinxDecoder recognizer, PocketSphinxDecoder aligner)
    {
        // The senone scores once, for both decoders: pocketsphinx would evaluate the Gaussians in each,
        // in scalar C (more than half of the recogniser's time, which keeps nearly every codebook active).
        var scorer = SenoneScorer.For(recognizer.ScoredModelDirectory ?? throw new ArgumentException("The recogniser does not decode from senone scores.", nameof(recognizer)));
        if (recognizer.Features(piece, out var frames) is not { } features)
        {
            return ([], []);
        }

        using var scored = scorer.Evaluate(features, frames);
        var words = recognizer.DecodeScores(scored, RecognizerGaussians).Where(w => !IsFiller(w.Label)).ToList();
        var phones = new List<string>();
        var spread = new List<DecodedSegment>();
        foreach (var word in words)
        {
            // The recogniser's own CMUdict, in the variant it picked.
            if (recognizer.Pronunciation(word.Label) is not { Length: > 0 } pronunciation)
            {
                continue;
            }

            phones.AddRange(pronunciation);
            // The fallback: phones share the word's frames evenly.
            for (var k = 0; k < pronunciation.Length; k++)
            {
                var from = word.StartFrame + (k * word.FrameCount / pronunciation.Length);
                var to = word.StartFrame + ((k + 1) * word.FrameCount / pronunciation.Length) - 1;
                spread.Add(new DecodedSegment(pronunciation[k], from, Math.Max(from, to), 0, 0));
            }
        }

        if (phones.Count == 0)
        {
            return ([], words);
        }

        aligner.UsePhoneAlignment(phones);
        var aligned = aligner.DecodeScores(scored, AlignerGaussians)
            .Select(s => s.Label.StartsWith("ph_", StringComparison.Ordinal) ? s with { Label = s.Label[3..].ToUpperInvariant() } : s with { Label = "SIL" })
            .ToList();
        return (aligned.Any(s => s.Label != "SIL") ? aligned : spread, words);
    }

    // The recogniser mixes a senone's 3 best Gaussians (-topn 3), the aligner 4: with 3 its phone
    // times lose a point of the visemes and 3 of 186 p/b/m frames (VisemeAgreementTests).
    private const int RecognizerGaussians = 3;
    private const int AlignerGaussians = 4;

    /// <summary>Sentence marks, silences and noises ("&lt;s&gt;", "&lt;sil&gt;", "[NOISE]", "+breath+").</summary>
    private static bool IsFiller(string label) => label.Length == 0 || label[0] is '<' or '[' or '+';

    private static int Quietest(AudioFeatures features, int from, int to)
    {
        var best = from;
        for (var i = from; i < to; i++)
        {
            if (features.EnergyDb[i] < features.EnergyDb[best])
            {
                best = i;
            }
        }

        return best;
    }
}
