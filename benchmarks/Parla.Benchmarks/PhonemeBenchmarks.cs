using BenchmarkDotNet.Attributes;
using Parla.Audio.Phonemes;
using Parla.Media;

namespace Parla.Benchmarks;

/// <summary>
/// The English path's two pocketsphinx passes over one LibriVox clip (7.1 s, 16 kHz): the word
/// recogniser, then the forced alignment of the recognised words' phones; and loading a recogniser.
/// </summary>
public class PhonemeBenchmarks
{
    private short[] _voice = [];
    private PocketSphinxDecoder _recognizer = null!;
    private PocketSphinxDecoder _aligner = null!;
    private List<string> _phones = [];

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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recognizer.Dispose();
        _aligner.Dispose();
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
}
