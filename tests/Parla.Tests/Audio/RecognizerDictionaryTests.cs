using Parla.Audio.Phonemes;
using Parla.Media;

namespace Parla.Tests.Audio;

public sealed class RecognizerDictionaryTests
{
    private static readonly string Dictionary = Path.Combine(PocketSphinxDecoder.DefaultModelDirectory, "cmudict-en-us.dict");
    private static readonly string LanguageModel = Path.Combine(PocketSphinxDecoder.DefaultModelDirectory, "en-us.lm.bin");

    [Fact]
    public void Trimmed_KeepsExactlyTheLanguageModelsWords_WithAllTheirPronunciations()
    {
        var trimmed = RecognizerDictionary.For(Dictionary, LanguageModel);
        var vocabulary = RecognizerDictionary.Vocabulary(LanguageModel);

        Assert.NotEqual(Dictionary, trimmed);
        static string Word(string line) => line[..line.IndexOfAny([' ', '\t', '('])];
        var whole = File.ReadLines(Dictionary).ToList();
        var kept = File.ReadLines(trimmed).ToList();
        Assert.InRange(vocabulary.Count, 50_000, 100_000);
        Assert.All(kept, line => Assert.Contains(Word(line), vocabulary));
        // Every pronunciation of every kept word is there (variants like "read(2)" included).
        Assert.Equal(whole.Where(line => vocabulary.Contains(Word(line))), kept);
        Assert.True(kept.Count < 0.7 * whole.Count, $"{kept.Count} of {whole.Count} lines kept");
    }

    [Fact]
    public void Recogniser_HearsTheSameWordsWithTheTrimmedDictionary()
    {
        var clip = AudioDecoder.Decode(AudioTestData.Voice("librivox_0890.wav"));
        var pcm = clip.ToPcm16();
        using var whole = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory, languageModelWordsOnly: false);
        using var trimmed = PocketSphinxDecoder.CreateWordRecognizer(PocketSphinxDecoder.DefaultModelDirectory, languageModelWordsOnly: true);

        var expected = whole.Decode(pcm, wholeUtterance: true);
        var actual = trimmed.Decode(pcm, wholeUtterance: true);

        Assert.True(expected.Count >= 5, $"{expected.Count} segments");
        Assert.Equal(expected, actual);
    }
}
