using System.Diagnostics;
using Parla.Media;

namespace Parla.Tests;

/// <summary>Decodes a video's frames back to RGBA with ffmpeg, one at a time.</summary>
internal static class VideoFrames
{
    public static IEnumerable<Frame> Read(string path, int width, int height)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-nostdin", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1" })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        _ = p.StandardError.ReadToEndAsync();
        var stream = p.StandardOutput.BaseStream;
        while (true)
        {
            var frame = new Frame(width, height);
            var read = 0;
            var buffer = frame.Buffer;
            while (read < frame.Length)
            {
                var n = stream.Read(buffer, read, frame.Length - read);
                if (n == 0) break;
                read += n;
            }
            if (read < frame.Length)
            {
                frame.Dispose();
                break;
            }
            yield return frame;
        }
        p.WaitForExit();
    }
}
