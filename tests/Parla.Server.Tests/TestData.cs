namespace Parla.Server.Tests;

/// <summary>Paths of the committed test inputs under tests/data (licences beside them).</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    public static string Portrait(string name) => Require(Path.Combine(Root, "portraits", name));

    public static string Voice(string name) => Require(Path.Combine(Root, "voices", name));

    /// <summary>A folder for screenshots and other things a person should look at after the run.</summary>
    public static string OutputDirectory(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "test-output", name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// A path for a file a test makes and uploads, in test-output/scratch beside the build: the next run
    /// writes over it, so runs leave nothing behind in the system's temporary folder. Names must differ between tests.
    /// </summary>
    public static string ScratchFile(string name) => Path.Combine(OutputDirectory("scratch"), name);

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"Test input {path} is missing from tests/data.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data");
            if (Directory.Exists(Path.Combine(candidate, "portraits"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/data not found above " + AppContext.BaseDirectory);
    }
}
