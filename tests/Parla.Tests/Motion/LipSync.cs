using System.Globalization;
using Parla.Audio.Phonemes;
using Parla.Media;
using Parla.Motion;

namespace Parla.Tests.Motion;

/// <summary>A word of a forced alignment, seconds.</summary>
internal readonly record struct AlignedWord(string Word, double StartSeconds, double EndSeconds);

/// <summary>Of <paramref name="Total"/> cases (onsets, words, frames), the <paramref name="Hits"/> that were right; sums over clips.</summary>
internal readonly record struct Tally(int Hits, int Total)
{
    /// <summary>The share right; 0 when there was nothing to count.</summary>
    public double Share => Total == 0 ? 0 : (double)Hits / Total;

    public static Tally operator +(Tally a, Tally b) => new(a.Hits + b.Hits, a.Total + b.Total);

    /// <summary>"hits/total (share)", the share with <paramref name="decimals"/> decimals of a percent.</summary>
    public string Describe(int decimals) => string.Create(CultureInfo.InvariantCulture, $"{Hits}/{Total} ({Share.ToString("P" + decimals, CultureInfo.InvariantCulture)})");
}

/// <summary>The lip-sync figures of a motion track against word timings: word-initial p/b/m closed, open-vowel words opened.</summary>
internal sealed record LipSyncScore(Tally Bilabial, Tally OpenVowel)
{
    public static LipSyncScore operator +(LipSyncScore a, LipSyncScore b) => new(a.Bilabial + b.Bilabial, a.OpenVowel + b.OpenVowel);

    public override string ToString() => $"bilabial onsets closed {Bilabial.Describe(0)}, open-vowel words open {OpenVowel.Describe(0)}";
}

/// <summary>
/// The lip-sync yardstick of the tests: word onsets from a forced alignment (pocketsphinx with a
/// one-sentence JSGF grammar, independent of the all-phone decoder that drives the mouth), and the
/// pronunciations of CMUdict.
/// </summary>
internal static class LipSync
{
    // A mouth counts as closed at a frame with the jaw nearly shut and the lips pressed; as open in a word when the jaw opens this far somewhere in it.
    public const float ClosedJaw = 0.1f;
    public const float ClosedPress = 0.8f;
    public const float OpenJaw = 0.25f;

    private static readonly Lazy<Dictionary<string, string[]>> Dictionary = new(LoadDictionary);

    /// <summary>The transcribed LibriVox test clips (tests/data/voices/librivox_NNNN.wav), in reading order.</summary>
    public static readonly IReadOnlyList<string> Clips = ["0870", "0880", "0890", "0920", "0930"];

    /// <summary>The transcript of a LibriVox test clip ("0870") from tests/data/voices/librivox.transcription.</summary>
    public static string Transcript(string clip)
    {
        var line = File.ReadLines(TestData.Voice("librivox.transcription")).Single(l => l.EndsWith($"-{clip})", StringComparison.Ordinal));
        return System.Text.RegularExpressions.Regex.Match(line, "<s> (.*) </s>").Groups[1].Value;
    }

    /// <summary>Forced word alignment of a 16 kHz clip against its transcript.</summary>
    public static List<AlignedWord> Align(AudioClip clip, string transcript)
    {
        var words = transcript.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var grammar = Path.Combine(Path.GetTempPath(), $"parla-align-{Guid.NewGuid():N}.gram");
        try
        {
            using var decoder = PocketSphinxDecoder.CreateWordAligner(words, grammar);
            var segments = decoder.Decode(clip.ToPcm16());
            var aligned = new List<AlignedWord>();
            foreach (var s in segments)
            {
                if (s.Label.StartsWith('<') || s.Label.StartsWith('['))
                {
                    continue;
                }

                var word = s.Label.Contains('(') ? s.Label[..s.Label.IndexOf('(')] : s.Label;
                aligned.Add(new AlignedWord(word, s.StartFrame / 100.0, (s.EndFrame + 1) / 100.0));
            }

            return aligned;
        }
        finally
        {
            File.Delete(grammar);
        }
    }

    /// <summary>
    /// For each word that starts with p, b or m: is some video frame within one frame of its onset
    /// closed? For each word whose pronunciation holds an open vowel (AA, AE, AO, AW, AY): does the
    /// jaw open somewhere in it?
    /// </summary>
    public static LipSyncScore Score(MotionTrack track, IReadOnlyList<AlignedWord> words)
    {
        var fps = track.FramesPerSecond;
        int closed = 0, bilabials = 0, open = 0, vowels = 0;
        foreach (var w in words)
        {
            var phones = Dictionary.Value.GetValueOrDefault(w.Word) ?? [];
            if (phones.Length > 0 && phones[0] is "P" or "B" or "M")
            {
                bilabials++;
                var k0 = (int)Math.Floor(w.StartSeconds * fps) - 1;
                var shut = false;
                for (var k = Math.Max(0, k0); k <= Math.Min(track.FrameCount - 1, k0 + 3); k++)
                {
                    shut |= Math.Abs((k / fps) - w.StartSeconds) <= 1 / fps && track.Frames[k].JawOpen <= ClosedJaw && track.Frames[k].LipPress >= ClosedPress;
                }

                closed += shut ? 1 : 0;
            }

            if (phones.Any(p => p is "AA" or "AE" or "AO" or "AW" or "AY"))
            {
                vowels++;
                var max = 0f;
                for (var k = (int)Math.Ceiling(w.StartSeconds * fps); k < Math.Min(track.FrameCount, w.EndSeconds * fps); k++)
                {
                    max = Math.Max(max, track.Frames[k].JawOpen);
                }

                open += max >= OpenJaw ? 1 : 0;
            }
        }

        return new LipSyncScore(new Tally(closed, bilabials), new Tally(open, vowels));
    }

    /// <summary>
    /// For each word whose spelling starts with p, b or m (any language): is the mouth closed (the lips
    /// pressed, or the jaw shut) in a video frame from 100 ms before its onset to 40 ms after it, the
    /// window the yardstick searches for a closure (the closure comes before the release)?
    /// </summary>
    public static Tally ClosedAtOnsets(MotionTrack track, IReadOnlyList<AlignedWord> words)
    {
        var fps = track.FramesPerSecond;
        int closed = 0, total = 0;
        foreach (var w in words.Where(w => w.Word.Length > 0 && "pbm".Contains(w.Word[0])))
        {
            total++;
            var from = Math.Max(0, (int)Math.Ceiling((w.StartSeconds - 0.10) * fps));
            var to = Math.Min(track.FrameCount - 1, (int)Math.Floor((w.StartSeconds + 0.04) * fps));
            closed += Enumerable.Range(from, Math.Max(0, to - from + 1)).Any(k => track.Frames[k].LipPress >= ClosedPress || track.Frames[k].JawOpen <= ClosedJaw) ? 1 : 0;
        }

        return new Tally(closed, total);
    }

    /// <summary>The first CMUdict pronunciation of a word, ARPAbet with stress digits; empty if it has none.</summary>
    public static string[] Pronunciation(string word) => Dictionary.Value.GetValueOrDefault(word) ?? [];

    private static Dictionary<string, string[]> LoadDictionary()
    {
        var path = Path.Combine(PocketSphinxDecoder.DefaultModelDirectory, "cmudict-en-us.dict");
        var dict = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 1 && !parts[0].Contains('('))
            {
                dict[parts[0]] = parts[1..];
            }
        }

        return dict;
    }
}
