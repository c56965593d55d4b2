using Xunit;

namespace Parla.Tests.Face;

public sealed class OnnxTelemetryTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("parla-home").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task FindingAFace_LeavesNoDeviceIdAndQueuesNoUsageEvent()
    {
        // ONNX Runtime 1.29 and later keep a device id and queue usage events for Microsoft under
        // ~/.cache/Microsoft/DeveloperTools/.onnxruntime from the moment its environment is made. The
        // CLI finds a face in a child process whose home is empty (Parla's own cache stays where it is).
        using var child = Parla.Tests.Cli.ChildCli.Start(["landmarks", TestData.Portrait("astronaut.png")], new Dictionary<string, string?>
        {
            ["HOME"] = _home,
            ["XDG_CACHE_HOME"] = Path.Combine(_home, ".cache"),
            ["ORT_DISABLE_TELEMETRY"] = null,
        });
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, await stderr);
        Assert.Contains("1 face(s)", stdout, StringComparison.Ordinal);

        var written = Directory.EnumerateFileSystemEntries(_home, "*", SearchOption.AllDirectories).ToArray();
        Assert.True(written.Length == 0, "written in the home folder: " + string.Join(", ", written));
    }
}
