using System.Collections.Concurrent;

namespace Parla.Audio.Phonemes;

/// <summary>CMUdict as pocketsphinx-en-us ships it: word (with "(2)" for a variant) → ARPAbet phones. Loaded once per model folder.</summary>
internal static class Pronunciations
{
    private static readonly ConcurrentDictionary<string, Lazy<Dictionary<string, string[]>>> Loaded = new(StringComparer.Ordinal);

    /// <summary>The dictionary of the model in <paramref name="modelDirectory"/>; keys as the decoder names words ("read", "read(2)").</summary>
    public static Dictionary<string, string[]> For(string modelDirectory) =>
        Loaded.GetOrAdd(modelDirectory, dir => new Lazy<Dictionary<string, string[]>>(() => Load(Path.Combine(dir, "cmudict-en-us.dict")))).Value;

    private static Dictionary<string, string[]> Load(string path)
    {
        var dictionary = new Dictionary<string, string[]>(140_000, StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 1)
            {
                dictionary[parts[0]] = parts[1..];
            }
        }

        return dictionary;
    }
}
