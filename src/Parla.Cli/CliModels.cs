using Parla.Face;

namespace Parla.Cli;

/// <summary>The face-model store as the CLI uses it: slow first-run steps (npm fetch, import) are announced on stderr.</summary>
internal static class CliModels
{
    public static FaceModelStore Store(TextWriter error) => new(progress: new LineProgress(error));

    private sealed class LineProgress(TextWriter error) : IProgress<string>
    {
        public void Report(string value) => error.WriteLine($"parla: {value}");
    }
}
