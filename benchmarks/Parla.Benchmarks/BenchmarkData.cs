namespace Parla.Benchmarks;

/// <summary>The repository's test inputs, found above the benchmark's own folder.</summary>
internal static class BenchmarkData
{
    /// <summary>A test portrait under tests/data/portraits.</summary>
    public static string Portrait(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "portraits", name);
            if (File.Exists(candidate)) return candidate;
        }

        throw new FileNotFoundException($"tests/data/portraits/{name} not found above {AppContext.BaseDirectory}.");
    }
}
