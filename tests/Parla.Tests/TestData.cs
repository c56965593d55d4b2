namespace Parla.Tests;

/// <summary>Paths of the committed test inputs under tests/data (licences in the LICENSES.md beside them).</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    public static string Portrait(string name) => Require(Path.Combine(Root, "portraits", name));

    public static string Voice(string name) => Require(Path.Combine(Root, "voices", name));

    public static string File(string relative) => Require(Path.Combine(Root, relative));

    private static string Require(string path) =>
        System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Test input {path} is missing from tests/data.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/data not found above " + AppContext.BaseDirectory);
    }
}
