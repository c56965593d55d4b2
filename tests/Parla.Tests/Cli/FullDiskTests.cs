using System.Diagnostics;
using Xunit;

namespace Parla.Tests.Cli;

/// <summary>
/// A disk that fills up while the video is written: the command line runs as its own process with an
/// ffmpeg that writes the video into /dev/full (every write fails with "No space left on device", as
/// on a full disk) and is the real ffmpeg otherwise.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // /dev/full, and a bash script as ffmpeg
public sealed class FullDiskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-full-disk").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ADiskThatFillsWhileTheVideoIsWritten_IsAnOutputProblem_AndLeavesNothing()
    {
        var ffmpeg = Parla.Media.ExternalTool.RequireFfmpeg();
        var tools = Directory.CreateDirectory(Path.Combine(_dir, "tools")).FullName;
        var wrapper = Path.Combine(tools, "ffmpeg");
        // The encoder is the ffmpeg that writes an MP4 with faststart; its target is its last argument.
        File.WriteAllText(wrapper, $$"""
            #!/usr/bin/env bash
            args=("$@")
            if [[ " ${args[*]} " == *" +faststart "* ]]; then args[-1]=/dev/full; fi
            exec {{ffmpeg}} "${args[@]}"
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var outputs = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var output = Path.Combine(outputs, "talking.mp4");

        using var child = ChildCli.Start(["animate", TestData.Portrait("astronaut.png"), TestData.Voice("librivox_0880.wav"), "-o", output, "--consent", TestData.Consent.Text],
            new Dictionary<string, string?> { ["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") });
        var stderr = child.StandardError.ReadToEndAsync();
        await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var said = await stderr;

        Assert.True(child.ExitCode == Parla.Cli.ExitCodes.BadInput, $"exit code {child.ExitCode}:\n{said}");
        Assert.Contains($"parla: {output}: the disk is full: the video (after ", said, StringComparison.Ordinal);
        Assert.Contains($"Free some space in {outputs}, or choose another folder.", said, StringComparison.Ordinal);
        var left = Directory.EnumerateFileSystemEntries(outputs).Select(Path.GetFileName).ToArray();
        Assert.True(left.Length == 0, "left in the output folder: " + string.Join(", ", left));
    }
}
