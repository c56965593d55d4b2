using BenchmarkDotNet.Attributes;
using Parla.Audio.Phonemes;
using Parla.Media;

namespace Parla.Benchmarks;

/// <summary>
/// The English path's two pocketsphinx passes over one LibriVox clip (7.1 s, 16 kHz): the word
/// recogniser, then the forced alignment of the recognised words' phones, each scoring its own
/// Gaussians or reading Parla's (<see cref="SenoneScorer"/>: the Gaussians once, then each decoder's
/// senone pass as it reads); and loading a recogniser.
/// </summary>
public class PhonemeBenchmarks
{
    private short[] _voice = [];
    private PocketSphinxDecoder _recognizer = null!;
    private PocketSphinxDecoder _aligner = null!;
    private List<string> _phones = [];
    // Decoders that only ever read scores (one that decoded samples must not: pocketsphinx 5prealpha).
    private PocketSphinxDecoder _scoredRecognizer = null!;
    private PocketSphinxDecoder _scoredAligner = null!;
    private SenoneScorer _scorer = null!;
    private float[] _features = [];
    private int _frames;
    private ScoredFrames _scored = null!;

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/assets/voices/librivox_0870.wav");
        using var clip = AudioDecoder.Decode(File.Exists(path) ? path : "/work/shared/assets/voices/librivox_0870.wav");
        _voice = clip.ToPcm16();
        _recognizer = PocketSphinxDecoder.CreateWordRecognizer();
        _aligner = PocketSphinxDecoder.CreatePhoneAligner();
        foreach (var word in _recognizer.Decode(_voice, wholeUtterance: true).Where(w => w.Label is not ("" or ['<' or '[' or '+', ..])))
        {
            _phones.AddRange(_recognizer.Pronunciation(word.Label) ?? []);
        }

        _scoredRecognizer = PocketSphinxDecoder.CreateWordRecognizer();
        _scoredAligner = PocketSphinxDecoder.CreatePhoneAligner();
        _scorer = SenoneScorer.For(_scoredRecognizer.ScoredModelDirectory!);
        _features = _scoredRecognizer.Features(_voice, out _frames)!;
        _scored = _scorer.Evaluate(_features, _frames);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recognizer.Dispose();
        _aligner.Dispose();
        _scoredRecognizer.Dispose();
        _scoredAligner.Dispose();
        _scored.Dispose();
    }

    [Benchmark]
    public void LoadRecognizer() => PocketSphinxDecoder.CreateWordRecognizer().Dispose();

    [Benchmark]
    public int RecognizeWords() => _recognizer.Decode(_voice, wholeUtterance: true).Count;

    [Benchmark]
    public int AlignPhones()
    {
        _aligner.UsePhoneAlignment(_phones);
        return _aligner.Decode(_voice, wholeUtterance: true).Count;
    }

    /// <summary>The Gaussians of every frame, once for both decoders (pocketsphinx's own features included).</summary>
    [Benchmark]
    public int ScoreGaussians()
    {
        var features = _scoredRecognizer.Features(_voice, out var frames)!;
        using var scored = _scorer.Evaluate(features, frames);
        return scored.FrameCount;
    }

    /// <summary>Both decoders' senone passes alone (3 and 4 Gaussians a senone), as their streams are read.</summary>
    [Benchmark]
    public long SenonePasses() => _scored.ReadAll(3).LongLength + _scored.ReadAll(4).LongLength;

    [Benchmark]
    public int RecognizeWordsFromScores() => _scoredRecognizer.DecodeScores(_scored, 3).Count;

    [Benchmark]
    public int AlignPhonesFromScores()
    {
        _scoredAligner.UsePhoneAlignment(_phones);
        return _scoredAligner.DecodeScores(_scored, 4).Count;
    }
}
