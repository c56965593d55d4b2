using System.Diagnostics;

namespace Parla.Tests;

/// <summary>Makes test inputs with ffmpeg (installed by test.sh).</summary>
internal static class Ffmpeg
{
    /// <summary>Runs ffmpeg with <paramref name="arguments"/> (overwriting its output); fails the test with ffmpeg's message when it fails.</summary>
    public static void Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-hide_banner", "-v", "error", "-nostdin", "-y" }.Concat(arguments)) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start; install it with apt-get install ffmpeg.");
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {stderr.Result}");
    }
}
