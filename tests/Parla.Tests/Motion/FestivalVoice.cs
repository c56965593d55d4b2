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
    // Scheme: synthesise TEXT with VOICE, save the wave, and each word's first segment's start and last segment's end.
    private const string Program = """
        (define (parla-say voice text wav words)
          (eval (list voice))
          (set! utt (eval (list 'Utterance 'Text text)))
          (utt.synth utt)
          (utt.save.wave utt wav 'riff)
          (let ((fd (fopen words "w")))
            (mapcar (lambda (w)
              (format fd "%s %f %f\n" (downcase (item.name w))
                (item.feat w "R:SylStructure.daughter1.daughter1.segment_start")
                (item.feat w "R:SylStructure.daughtern.daughtern.segment_end")))
              (utt.relation.items utt 'Word))
            (fclose fd)))
        """;

    /// <summary>Synthesises <paramref name="text"/> with festival's <paramref name="voice"/> (e.g. <c>cmu_us_slt_arctic_hts</c>) into <paramref name="directory"/>: the wave's path and its words.</summary>
    public static (string Wave, List<AlignedWord> Words) Say(string voice, string text, string directory)
    {
        var name = Path.Combine(directory, voice);
        var script = name + ".scm";
        File.WriteAllText(script, Program + $"\n(parla-say 'voice_{voice} \"{text}\" \"{name}.wav\" \"{name}.words\")\n");
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
