using Xunit;

namespace Parla.Tests.Cli;

/// <summary>
/// An encoder that fails while the video is written: the command line runs as its own process with a
/// stand-in for ffmpeg that is the real ffmpeg, run so that it fails as it would on a full disk or
/// under the system's out-of-memory killer. Either way nothing is left in the output folder.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // /dev/full, and a bash script as ffmpeg
public sealed class EncoderFailureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-encoder-failure").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ADiskThatFillsWhileTheVideoIsWritten_IsAnOutputProblem_AndLeavesNothing()
    {
        // The real ffmpeg writes its MP4 into /dev/full: every write fails with "No space left on device".
        var (code, said, outputs) = await AnimateWithEncoder("""args[-1]=/dev/full; exec "$ffmpeg" "${args[@]}" """);

        Assert.True(code == Parla.Cli.ExitCodes.BadInput, $"exit code {code}:\n{said}");
        Assert.Contains($"parla: {Path.Combine(outputs, "talking.mp4")}: the disk is full: the video (after ", said, StringComparison.Ordinal);
        Assert.Contains($"Free some space in {outputs}, or choose another folder.", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEncoderKilledWhileTheVideoIsWritten_IsAFailure_NotAMissingProgram_AndLeavesNothing()
    {
        // Killed after a few frames (a megabyte of them), as the out-of-memory killer kills: it prints nothing.
        var (code, said, _) = await AnimateWithEncoder("""head -c 1000000 > /dev/null; kill -KILL $$""");

        Assert.True(code == Parla.Cli.ExitCodes.Failure, $"exit code {code}:\n{said}");
        Assert.Contains("ffmpeg was killed (SIGKILL: the system may have run out of memory)", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    /// <summary>
    /// Animates a 5-s voice with ffmpeg's encoding run by <paramref name="encoderLine"/> (bash, with
    /// <c>$ffmpeg</c> the real one and <c>args</c> its arguments; ffmpeg's other uses run as they are);
    /// returns the exit code, what it printed, and the output folder, checked empty.
    /// </summary>
    private async Task<(int Code, string Said, string Outputs)> AnimateWithEncoder(string encoderLine)
    {
        var tools = Directory.CreateDirectory(Path.Combine(_dir, "tools")).FullName;
        var wrapper = Path.Combine(tools, "ffmpeg");
        // The encoder is the ffmpeg that writes an MP4 with faststart; its target is its last argument.
        File.WriteAllText(wrapper, $$"""
            #!/usr/bin/env bash
            ffmpeg={{Parla.Media.ExternalTool.RequireFfmpeg()}}
            args=("$@")
            if [[ " ${args[*]} " == *" +faststart "* ]]; then {{encoderLine}}; fi
            exec "$ffmpeg" "$@"
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var outputs = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;

        using var child = ChildCli.Start(["animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0880.wav"),
                "-o", Path.Combine(outputs, "talking.mp4"), "--consent", TestData.Consent.Text],
            new Dictionary<string, string?> { ["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") });
        var stderr = child.StandardError.ReadToEndAsync();
        await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var said = await stderr;

        var left = Directory.EnumerateFileSystemEntries(outputs).Select(Path.GetFileName).ToArray();
        Assert.True(left.Length == 0, "left in the output folder: " + string.Join(", ", left) + "\n" + said);
        return (child.ExitCode, said, outputs);
    }
}
