using System.Diagnostics;
using Parla.Media;

namespace Parla.Tests.Media;

public sealed class OutputFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parla-output").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WhatARunKilledOutrightLeftBesideAnOutput_IsRemoved_AndNothingElse()
    {
        // A process that has ended: its files are left over. This test's own process is running.
        using var ended = Process.Start(new ProcessStartInfo("true"))!;
        ended.WaitForExit();
        var gone = ended.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var alive = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] leftovers = [$".talking.mp4.{gone}.partial", $".talking.mp4.{gone}.manifest.partial"];
        string[] kept = [$".talking.mp4.{alive}.partial", $".other.mp4.{gone}.partial", ".talking.mp4.draft.partial", "talking.mp4", "talking.mp4.partial"];
        foreach (var name in leftovers.Concat(kept)) File.WriteAllText(Path.Combine(_dir, name), name);

        OutputFile.RemoveLeftovers(Path.Combine(_dir, "talking.mp4"));

        Assert.Equal(kept.Order(StringComparer.Ordinal), Directory.EnumerateFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(250, "a")]
    [InlineData(121, "ü")] // two bytes each: 242 + ".mp4"
    [InlineData(60, "😀")] // four bytes each, a surrogate pair each: never cut in half
    public void AnOutputWithALongName_GetsTemporaryFilesThatCanBeMade_AndTheirLeftoversAreFound(int repeats, string unit)
    {
        // An output named with 250 characters is legal, but ".NAME.PID.partial" was not: "File name too long".
        var output = Path.Combine(_dir, string.Concat(Enumerable.Repeat(unit, repeats)) + ".mp4");
        File.WriteAllText(output, "the video");
        foreach (var kind in new string?[] { null, "manifest" })
        {
            var temporary = OutputFile.TemporaryPath(output, kind);
            Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(temporary)), 1, 255);
            Assert.Equal(_dir, Path.GetDirectoryName(temporary));
            File.WriteAllText(temporary, "unfinished");
        }

        // Left by a process that has ended, under the same shortened name: found and removed.
        using var ended = Process.Start(new ProcessStartInfo("true"))!;
        ended.WaitForExit();
        var ours = Path.GetFileName(OutputFile.TemporaryPath(output));
        var theirs = ours.Replace($".{Environment.ProcessId}.", $".{ended.Id}.", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, theirs), "left over");
        OutputFile.RemoveLeftovers(output);
        Assert.False(File.Exists(Path.Combine(_dir, theirs)));
        Assert.True(File.Exists(Path.Combine(_dir, ours)));
        Assert.True(File.Exists(output));
    }
}
