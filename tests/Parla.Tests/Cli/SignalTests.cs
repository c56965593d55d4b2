using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Parla.Tests.Cli;

/// <summary>
/// A render stopped by a signal, as a user's Ctrl+C, <c>kill</c> or <c>timeout</c> stops it: the
/// command line runs as its own process, and the signal comes while frames are being encoded.
/// </summary>
public sealed partial class SignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-signal").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(15, 143)] // SIGTERM: kill, timeout, a service manager
    [InlineData(2, 130)]  // SIGINT: Ctrl+C
    [InlineData(1, 129)]  // SIGHUP: the terminal closed
    public async Task ASignalWhileFramesAreEncoded_StopsTheEncoderAndLeavesNoFile(int signal, int exitCode)
    {
        // A signal this process ignores (SIGINT in a shell's background job, SIGHUP under nohup) is
        // ignored by the child too, and Parla must then go on: the video is written whole.
        var ignored = IgnoredHere(signal);
        var output = Path.Combine(_dir, "talking.mp4");
        using var child = ChildCli.Start(["animate", TestData.Portrait("astronaut.png"), Path.Combine(TestData.Root, "..", "..", "demo", "voice.flac"),
            "-o", output, "--consent", TestData.Consent.Text]);
        var stdout = child.StandardOutput.ReadToEndAsync();

        // The first frame has gone to the encoder.
        var said = new System.Text.StringBuilder();
        while (await child.StandardError.ReadLineAsync() is { } line)
        {
            said.AppendLine(line);
            if (line.Contains("render 0%", StringComparison.Ordinal)) break;
        }
        Assert.False(child.HasExited, "the render ended before the signal:\n" + said);
        Assert.Equal(0, Kill(child.Id, signal));

        said.Append(await child.StandardError.ReadToEndAsync());
        await child.WaitForExitAsync();
        await stdout;
        if (ignored)
        {
            Assert.True(child.ExitCode == 0, $"signal {signal} is ignored here, yet the render stopped with {child.ExitCode}:\n{said}");
            Assert.True(File.Exists(output), "no video written:\n" + said);
            return;
        }
        Assert.True(child.ExitCode == exitCode, $"exit code {child.ExitCode}:\n{said}");
        Assert.Contains("parla: cancelled.", said.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", said.ToString(), StringComparison.Ordinal);
        var left = Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).ToArray();
        Assert.True(left.Length == 0, "left in the output folder: " + string.Join(", ", left));
        Assert.True(EncodersWriting(_dir).Count == 0, "an encoder still writes into " + _dir);
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (its children start ignoring it too).</summary>
    private static bool IgnoredHere(int signal)
    {
        var mask = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return ((Convert.ToUInt64(mask, 16) >> (signal - 1)) & 1) != 0;
    }

    /// <summary>Processes whose command line names <paramref name="dir"/> (the encoder names its unfinished file there).</summary>
    private static List<int> EncodersWriting(string dir)
    {
        var found = new List<int>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                if (commandLine.StartsWith("/usr/bin/ffmpeg", StringComparison.Ordinal) || commandLine.StartsWith("ffmpeg", StringComparison.Ordinal))
                {
                    if (commandLine.Contains(dir, StringComparison.Ordinal)) found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
