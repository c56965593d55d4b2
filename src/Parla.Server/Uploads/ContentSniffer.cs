using System.Diagnostics;
using System.Globalization;
using Parla.Media;
using SkiaSharp;

namespace Parla.Server.Uploads;

/// <summary>
/// Decides what an uploaded file is from its bytes, never from its name or declared type: magic
/// numbers first, then a header decode (image size) or a bounded decode (audio length).
/// </summary>
public static class ContentSniffer
{
    /// <summary>Bytes read from the start of a file to recognise it.</summary>
    public const int HeadLength = 64;

    /// <summary>The file extension of a portrait format Parla decodes (jpg, png, webp), or null.</summary>
    public static string? ImageKind(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "jpg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "png";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "webp";
        return null;
    }

    /// <summary>
    /// A file extension for an audio (or audio-bearing video) container, or null. The list is what
    /// browsers record and people upload; ffmpeg then has the last word when it decodes.
    /// </summary>
    public static string? AudioKind(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12) return null;
        if (head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8)) return "wav";
        if (head.StartsWith("fLaC"u8)) return "flac";
        if (head.StartsWith("OggS"u8)) return "ogg";
        if (head.StartsWith("ID3"u8)) return "mp3";
        if (head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0) return head[1] is 0xF1 or 0xF9 ? "aac" : "mp3"; // MPEG audio / ADTS frame sync
        if (head.StartsWith("FORM"u8) && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8))) return "aiff";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "webm"; // Matroska/WebM (MediaRecorder)
        if (head[4..8].SequenceEqual("ftyp"u8)) return "m4a";
        if (head.StartsWith("#!AMR"u8)) return "amr";
        if (head.StartsWith("caff"u8)) return "caf";
        return null;
    }

    /// <summary>A file extension for a video container (mp4/mov, webm/mkv), or null.</summary>
    public static string? VideoKind(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12) return null;
        if (head[4..8].SequenceEqual("ftyp"u8)) return "mp4";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "webm";
        return null;
    }

    /// <summary>Width and height from the image's header (no pixels decoded), or null when SkiaSharp cannot read it.</summary>
    public static (int Width, int Height)? ImageSize(string path)
    {
        using var codec = SKCodec.Create(path);
        if (codec is null) return null;
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>
    /// Decodes at most <paramref name="limitSeconds"/> + 1 s of the audio with ffmpeg and returns how many
    /// seconds it held (so a long file costs no more than the limit to check), or null when ffmpeg
    /// finds no audio it can decode.
    /// </summary>
    public static async Task<double?> MeasureAudioSecondsAsync(string path, double limitSeconds, CancellationToken cancellationToken)
    {
        const int rate = 8000; // 16-bit mono at 8 kHz: 16 000 bytes a second, enough to count.
        var info = new ProcessStartInfo(ExternalTool.RequireFfmpeg())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "-hide_banner", "-v", "error", "-nostdin",
                     "-t", (limitSeconds + 1).ToString("0.###", CultureInfo.InvariantCulture), "-i", path,
                     "-vn", "-ac", "1", "-ar", rate.ToString(CultureInfo.InvariantCulture), "-f", "s16le", "pipe:1",
                 })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new ToolException("ffmpeg could not be started.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        long bytes = 0;
        var buffer = new byte[64 * 1024];
        try
        {
            var stdout = process.StandardOutput.BaseStream;
            int n;
            while ((n = await stdout.ReadAsync(buffer, cancellationToken)) > 0) bytes += n;
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
        await stderr;
        if (process.ExitCode != 0 || bytes == 0) return null;
        return bytes / (2.0 * rate);
    }
}
