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
}
