using System.CommandLine;
using Parla.Provenance;

namespace Parla.Cli;

/// <summary>
/// <c>parla verify &lt;video&gt; [--manifest file] [--json] [--quick]</c>: checks a video's watermark and signed
/// manifest. Exit codes: 0 Parla's and nothing contradicts it, 1 no trace of Parla, 2 traces
/// contradict each other or were tampered with (also for a missing input file), 3 ffmpeg missing.
/// </summary>
public static class VerifyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var video = new Argument<FileInfo>("video") { Description = "The video to check (MP4, or any format ffmpeg reads for the watermark)." };
        var manifest = new Option<FileInfo?>("--manifest")
        {
            Description = "A manifest file to check the video against (default: the one embedded in the MP4, else <video>.manifest.json).",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var quick = new Option<bool>("--quick")
        {
            Description = "Look for the watermark only in the video's first seconds as they stand: quicker on a video without one "
                + "(a 1080p minute about 1 s instead of 4 to 9), but a mirrored, turned, stretched or padded copy, or one with an intro, is not recognised.",
        };
        var command = new Command("verify", "Check whether a video was made by Parla: watermark, signed manifest, and whether they agree.")
        {
            video, manifest, json, quick,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            parse.GetValue(video)!.FullName, parse.GetValue(manifest)?.FullName, parse.GetValue(json), output, error, cancellationToken,
            parse.GetValue(quick))));
        return command;
    }

    /// <summary>Runs the verification and prints the report; returns the exit code.</summary>
    internal static int Run(string videoPath, string? manifestPath, bool asJson, TextWriter output, TextWriter error,
        CancellationToken cancellationToken = default, bool quick = false)
    {
        try
        {
            var detection = quick ? new WatermarkDetectorOptions { SearchEdits = false } : null;
            var report = Verifier.Verify(videoPath, manifestPath, detection, cancellationToken);
            output.Write(asJson ? report.ToJson() + Environment.NewLine : report.ToText());
            return report.ExitCode;
        }
        catch (Exception e) when (e is ParlaException or OperationCanceledException)
        {
            return CliErrors.Report(e, error, verbose: false);
        }
    }
}
