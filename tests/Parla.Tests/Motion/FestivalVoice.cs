using System.Diagnostics;
using System.Globalization;

namespace Parla.Tests.Motion;

/// <summary>
/// Speech from Debian's festival voices (HTS voices trained on one speaker's recordings: other
/// voices than the LibriVox reader's, other languages), with every word's start and end as the
/// synthesiser placed its segments: an exact alignment, in the yardstick's word format.
/// </summary>
internal static class FestivalVoice
{
    /// <summary>Synthesises <paramref name="text"/> with festival's <paramref name="voice"/> (e.g. <c>cmu_us_slt_arctic_hts</c>) into <paramref name="directory"/>: the wave's path and its words.</summary>
    public static (string Wave, List<AlignedWord> Words) Say(string voice, string text, string directory)
    {
        var name = Path.Combine(directory, voice);
        var script = name + ".scm";
        File.Delete(name + ".words");
        File.WriteAllText(script, $"(load \"{TestData.Voice("festival_say.scm")}\")\n(parla-say 'voice_{voice} \"{text}\" \"{name}.wav\" \"{name}.words\")\n");
        using var festival = Process.Start(new ProcessStartInfo("festival", ["-b", script]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = festival.StandardError.ReadToEnd();
        festival.StandardOutput.ReadToEnd();
        festival.WaitForExit();
        Assert.True(festival.ExitCode == 0 && File.Exists(name + ".words"), $"festival could not speak with {voice} (install festival and festvox-*): {errors}");
        var words = File.ReadLines(name + ".words")
            .Select(line => line.Split(' '))
            .Select(p => new AlignedWord(p[0], double.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToList();
        return (name + ".wav", words);
    }
}
