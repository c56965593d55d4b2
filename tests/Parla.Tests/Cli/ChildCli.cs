using System.Diagnostics;

namespace Parla.Tests.Cli;

/// <summary>
/// Starts the command line as a process of its own (<c>dotnet Parla.Cli.dll ARGS</c>), where a test needs
/// what only a process shows: its memory, its signals, its environment, its files.
/// </summary>
internal static class ChildCli
{
    /// <summary>
    /// Starts <c>parla</c> with <paramref name="arguments"/>, standard output and error redirected, Parla's
    /// cache where this test run keeps it (so that models are not fetched again), and
    /// <paramref name="environment"/> set on top (a null value removes a variable).
    /// </summary>
    public static Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(Parla.Cli.Program).Assembly.Location);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["PARLA_CACHE_DIR"] = ParlaCache.Root();
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started.");
    }
}
