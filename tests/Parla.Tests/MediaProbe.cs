using System.Diagnostics;

namespace Parla.Tests;

/// <summary>Reads stream facts of a media file with ffprobe (installed with ffmpeg).</summary>
internal static class MediaProbe
{
    /// <summary>ffprobe's key=value lines for every stream, with counted frames.</summary>
    public static string Run(string path)
    {
        var info = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-show_entries",
                     "stream=codec_name,codec_type,pix_fmt,width,height,channels,nb_read_frames,duration:format=duration", "-of", "default=nw=1", path })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>Duration of the container in seconds.</summary>
    public static double Duration(string path)
    {
        var line = Run(path).Split('\n').Last(l => l.StartsWith("duration=", StringComparison.Ordinal));
        return double.Parse(line["duration=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
