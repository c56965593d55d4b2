using System.Globalization;
using System.Runtime.InteropServices;
using Parla.Media;

namespace Parla.Audio.Phonemes;

/// <summary>
/// CMUdict cut to the words the trigram model knows. The recogniser can only ever hear those (73 k of
/// CMUdict's 126 k words): the rest cost each recogniser about 11 MB and load time for nothing. The
/// trimmed copy is made once, from the installed files, and kept in the cache; the words and phones
/// decoded with it are the same as with the whole dictionary (a test checks).
/// </summary>
internal static class RecognizerDictionary
{
    private static readonly Lock Gate = new();

    /// <summary>The trimmed dictionary for these model files, made if needed; the whole one if it cannot be made.</summary>
    public static string For(string dictionaryPath, string languageModelPath)
    {
        try
        {
            var dictionary = new FileInfo(dictionaryPath);
            var model = new FileInfo(languageModelPath);
            // Named after the sources' sizes and times: a new package version gets a new copy.
            var key = string.Create(CultureInfo.InvariantCulture,
                $"{dictionary.Length:x}-{dictionary.LastWriteTimeUtc.Ticks:x}-{model.Length:x}-{model.LastWriteTimeUtc.Ticks:x}");
            var path = Path.Combine(ParlaCache.Root(), "pocketsphinx", $"cmudict-lm-{key}.dict");
            lock (Gate)
            {
                if (File.Exists(path)) return path;
                var vocabulary = Vocabulary(languageModelPath);
                var kept = new System.Text.StringBuilder();
                foreach (var line in File.ReadLines(dictionaryPath))
                {
                    var end = line.IndexOfAny([' ', '\t', '(']);
                    if (end > 0 && vocabulary.Contains(line[..end])) kept.Append(line).Append('\n');
                }
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                OutputFile.WriteAllTextAtomic(path, kept.ToString());
                return path;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ToolException)
        {
            // A read-only home or an unreadable model: the whole dictionary works, only larger.
            return dictionaryPath;
        }
    }

    /// <summary>The words of a language model, read with sphinxbase itself.</summary>
    internal static HashSet<string> Vocabulary(string languageModelPath)
    {
        // Reading the model logs an INFO line to stderr otherwise: the first English run printed it.
        PocketSphinxDecoder.SilenceLogging();
        var logMath = PocketSphinxNative.LogMathInit(1.0001, 0, 0);
        if (logMath == 0) throw new ToolException("sphinxbase could not set up its log tables.");
        try
        {
            var model = PocketSphinxNative.NgramModelRead(0, languageModelPath, 0, logMath);
            if (model == 0) throw new ToolException($"sphinxbase could not read the language model {languageModelPath}.");
            try
            {
                var count = (int)(uint)Marshal.ReadInt32(PocketSphinxNative.NgramModelGetCounts(model));
                var words = new HashSet<string>(count, StringComparer.Ordinal);
                for (var id = 0; id < count; id++)
                {
                    if (Marshal.PtrToStringUTF8(PocketSphinxNative.NgramWord(model, id)) is { Length: > 0 } word) words.Add(word);
                }
                return words;
            }
            finally
            {
                PocketSphinxNative.NgramModelFree(model);
            }
        }
        finally
        {
            PocketSphinxNative.LogMathFree(logMath);
        }
    }
}
