using System.Diagnostics;
using System.Globalization;

namespace Parla.Tests.Motion;

/// <summary>
/// Speech and song from Debian's festival voices (HTS voices trained on one speaker's recordings: other
/// voices than the LibriVox reader's, other languages; a diphone voice singing), with every word's start
/// and end as the synthesiser placed its segments: an exact alignment, in the yardstick's word format.
/// </summary>
internal static class FestivalVoice
{
    /// <summary>
    /// Synthesises <paramref name="text"/> with festival's <paramref name="voice"/> (e.g. <c>cmu_us_slt_arctic_hts</c>)
    /// into <paramref name="directory"/>: the wave's path and its words. The file is named for the voice and
    /// the text: tests run in parallel, and two saying different things with one voice overwrote each other.
    /// </summary>
    public static (string Wave, List<AlignedWord> Words) Say(string voice, string text, string directory)
    {
        var said = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 6));
        return Run("parla-say", voice, text, Path.Combine(directory, $"{voice}-{said}"));
    }

    /// <summary>
    /// Sings <paramref name="song"/> — phrases of (word, note, beats), a rest of a beat and a half after each —
    /// at <paramref name="beatsPerMinute"/> with festival's <paramref name="voice"/> (a diphone voice, e.g.
    /// <c>kal_diphone</c>: it holds the notes as written) into <paramref name="directory"/>.
    /// </summary>
    public static (string Wave, List<AlignedWord> Words) Sing(string voice, IEnumerable<IEnumerable<(string Word, string Note, double Beats)>> song, int beatsPerMinute, string directory)
    {
        var name = Path.Combine(directory, voice + "-song");
        var xml = new System.Text.StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE SINGING PUBLIC \"-//SINGING//DTD SINGING mark up//EN\" \"Singing.v0_1.dtd\" []>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<SINGING BPM=\"{beatsPerMinute}\">\n");
        foreach (var phrase in song)
        {
            foreach (var (word, note, beats) in phrase)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<PITCH NOTE=\"{note}\"><DURATION BEATS=\"{beats}\">{word}</DURATION></PITCH>\n");
            }

            xml.Append("<REST BEATS=\"1.5\"></REST>\n");
        }

        File.WriteAllText(name + ".xml", xml.Append("</SINGING>\n").ToString());
        return Run("parla-sing", voice, name + ".xml", name);
    }

    /// <summary>Runs festival_say.scm's <paramref name="function"/> for <paramref name="voice"/> on <paramref name="input"/> (text, or a song's file), writing NAME.wav and NAME.words.</summary>
    private static (string Wave, List<AlignedWord> Words) Run(string function, string voice, string input, string name)
    {
        var script = name + ".scm";
        File.Delete(name + ".words");
        File.WriteAllText(script, $"(load \"{TestData.Voice("festival_say.scm")}\")\n({function} 'voice_{voice} \"{input}\" \"{name}.wav\" \"{name}.words\")\n");
        using var festival = Process.Start(new ProcessStartInfo("festival", ["-b", script]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = festival.StandardError.ReadToEnd();
        festival.StandardOutput.ReadToEnd();
        festival.WaitForExit();
        Assert.True(festival.ExitCode == 0 && File.Exists(name + ".words"), $"festival could not {(function == "parla-sing" ? "sing" : "speak")} with {voice} (install festival and festvox-*): {errors}");
        var words = File.ReadLines(name + ".words")
            .Select(line => line.Split(' '))
            .Select(p => new AlignedWord(p[0], double.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToList();
        return (name + ".wav", words);
    }
}
