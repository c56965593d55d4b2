using System.Diagnostics;

namespace Parla.Media;

/// <summary>Finds external programs (ffmpeg, npm) on PATH and explains how to install the missing ones.</summary>
public static class ExternalTool
{
    /// <summary>Full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Path of ffmpeg, or a <see cref="ToolException"/> that says how to install it.</summary>
    public static string RequireFfmpeg() =>
        Find("ffmpeg") ?? throw new ToolException(
            "ffmpeg was not found on PATH. Install it with 'sudo apt-get install ffmpeg' (Debian/Ubuntu), or run './parla demo' as root to have it installed.");

    /// <summary>Starts a process with redirected standard streams; the caller owns it.</summary>
    internal static Process Start(string fileName, IEnumerable<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new ToolException($"Could not start {fileName}.");
    }
}
