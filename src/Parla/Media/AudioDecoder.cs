using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Parla.Media;

/// <summary>
/// Decodes any audio (or the audio track of any video) that ffmpeg understands into mono 16-bit PCM.
/// ffmpeg writes 16-bit little-endian samples to its stdout, which is read as a stream, so memory
/// holds only the decoded samples.
/// </summary>
public static class AudioDecoder
{
    /// <summary>The sample rate Parla's audio analysis works at, in Hz.</summary>
    public const int DefaultSampleRateHz = 16000;

    private const int ReadChunkBytes = 64 * 1024;

    /// <summary>
    /// Decodes <paramref name="path"/> to mono samples at <paramref name="sampleRateHz"/>.
    /// Throws <see cref="InvalidInputException"/> when the file is missing, has no audio or cannot be
    /// decoded, and <see cref="ToolException"/> when ffmpeg is missing.
    /// </summary>
    public static AudioClip Decode(string path, int sampleRateHz = DefaultSampleRateHz, CancellationToken ct = default)
        => Decode(path, sampleRateHz, "ffmpeg", ct);

    /// <summary>As <see cref="Decode(string, int, CancellationToken)"/>, with the ffmpeg executable named (a path, or a name looked up on PATH).</summary>
    public static AudioClip Decode(string path, int sampleRateHz, string ffmpegExecutable, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(ffmpegExecutable);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 1000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRateHz, 384000);

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidInputException(path, "file not found.");
        }

        if (info.Length == 0)
        {
            throw new InvalidInputException(path, "is empty (0 bytes).", "Give a recording that contains sound.");
        }

        var startInfo = new ProcessStartInfo(ffmpegExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in BuildArguments(info.FullName, sampleRateHz))
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new ToolException($"ffmpeg ('{ffmpegExecutable}') could not be started.");
        }
        catch (Win32Exception e)
        {
            throw new ToolException(
                $"ffmpeg ('{ffmpegExecutable}') was not found or could not be run. Install it with Debian's package: apt-get install ffmpeg.",
                inner: e);
        }

        using (process)
        {
            // stderr is drained on its own task: a full stderr pipe would block ffmpeg while we wait on stdout.
            var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
            short[] samples;
            try
            {
                using var registration = ct.Register(static state => TryKill((Process)state!), process);
                samples = ReadSamples(process.StandardOutput.BaseStream, ct);
                process.WaitForExit();
            }
            catch
            {
                TryKill(process);
                throw;
            }

            ct.ThrowIfCancellationRequested();
            var stderr = stderrTask.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                throw DescribeFailure(path, process.ExitCode, stderr);
            }

            if (samples.Length == 0)
            {
                throw new InvalidInputException(path, "contains no audio samples (zero length).", "Give a recording that contains sound.");
            }

            return new AudioClip(samples, sampleRateHz);
        }
    }

    /// <summary>
    /// The ffmpeg arguments that decode <paramref name="path"/> to mono 16-bit PCM on stdout.
    /// Numbers are formatted with the invariant culture.
    /// </summary>
    internal static IReadOnlyList<string> BuildArguments(string path, int sampleRateHz) =>
    [
        "-v", "error",
        "-nostdin",
        "-i", path,
        "-vn",
        "-ac", "1",
        "-ar", sampleRateHz.ToString(CultureInfo.InvariantCulture),
        "-f", "s16le",
        "-",
    ];

    /// <summary>Turns ffmpeg's exit status and stderr into the exception a user can act on.</summary>
    internal static ParlaException DescribeFailure(string path, int exitCode, string stderr)
    {
        var firstLine = FirstLine(stderr);
        // ffmpeg 5 says "Output file #0 does not contain any stream", later versions drop the "#0".
        if (stderr.Contains("does not contain any stream", StringComparison.Ordinal)
            || stderr.Contains("matches no streams", StringComparison.Ordinal))
        {
            return new InvalidInputException(path, "has no audio stream.", "Give a sound file, or a video with a sound track.");
        }

        if (firstLine.Length == 0)
        {
            return new ToolException($"ffmpeg failed with exit code {exitCode.ToString(CultureInfo.InvariantCulture)} on {path} and printed nothing.", stderr);
        }

        return new InvalidInputException(path, $"could not be decoded: {firstLine}",
            inner: new ToolException($"ffmpeg exit code {exitCode.ToString(CultureInfo.InvariantCulture)}", stderr));
    }

    private static string FirstLine(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.IsEmpty)
            {
                return trimmed.ToString();
            }
        }

        return string.Empty;
    }

    /// <summary>
    /// Reads little-endian 16-bit samples until the end of the stream into blocks of a fixed size,
    /// then copies them once into an array of the exact length: a growing list would hold its old
    /// and new buffers (and then the copy) at once, about three times the clip (a 10-minute voice is
    /// 19 MB). A chunk may split a sample, so the tail is carried over.
    /// </summary>
    private static short[] ReadSamples(Stream stream, CancellationToken ct)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Parla reads ffmpeg's s16le output and needs a little-endian machine.");
        }

        const int BlockSamples = 1 << 20;
        var blocks = new List<short[]>();
        var filled = BlockSamples; // samples in the last block
        var buffer = new byte[ReadChunkBytes];
        var carried = 0;
        int read;
        while ((read = stream.Read(buffer, carried, buffer.Length - carried)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            var available = carried + read;
            var whole = available / sizeof(short);
            ReadOnlySpan<short> samples = MemoryMarshal.Cast<byte, short>(buffer.AsSpan(0, whole * sizeof(short)));
            while (!samples.IsEmpty)
            {
                if (filled == BlockSamples)
                {
                    blocks.Add(new short[BlockSamples]);
                    filled = 0;
                }

                var take = Math.Min(samples.Length, BlockSamples - filled);
                samples[..take].CopyTo(blocks[^1].AsSpan(filled));
                filled += take;
                samples = samples[take..];
            }

            carried = available - (whole * sizeof(short));
            buffer.AsSpan(whole * sizeof(short), carried).CopyTo(buffer);
        }

        if (blocks.Count == 0)
        {
            return [];
        }

        var all = new short[((blocks.Count - 1) * BlockSamples) + filled];
        for (var b = 0; b < blocks.Count; b++)
        {
            blocks[b].AsSpan(0, b == blocks.Count - 1 ? filled : BlockSamples).CopyTo(all.AsSpan(b * BlockSamples));
            blocks[b] = [];
        }

        if (blocks.Count > 16)
        {
            // The blocks of a long voice (tens of megabytes) are garbage now; hand them back before
            // the decoders and the renderer allocate, which cannot reuse the managed heap's free space.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        return all;
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
