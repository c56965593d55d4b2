using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Parla.Media;

/// <summary>
/// Decodes any audio (or the audio track of any video) that ffmpeg understands into mono 16-bit PCM.
/// ffmpeg writes 16-bit little-endian samples to its stdout, which go to a temporary file that the
/// clip reads piece by piece, so memory holds none of it. A WAV file that already holds such samples
/// at the rate asked for is copied without ffmpeg (<see cref="PcmWav"/>).
/// </summary>
public static partial class AudioDecoder
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
        => Decode(path, sampleRateHz, ffmpegExecutable, Path.GetTempPath(), ct);

    /// <summary>
    /// As <see cref="Decode(string, int, CancellationToken)"/>, the sound raised by <paramref name="gainDb"/>
    /// (0: as it is) before it is rounded to 16 bits (so a quiet recording of more bits keeps them), and
    /// handing <paramref name="whileDecoding"/> the samples as ffmpeg decodes them, and telling
    /// <paramref name="sourceChannels"/> how many channels the source's sound has (see the overload below).
    /// </summary>
    internal static AudioClip Decode(string path, int sampleRateHz, double gainDb, CancellationToken ct, Action<DecodingVoice>? whileDecoding = null,
        Action<int>? sourceChannels = null)
        => Decode(path, sampleRateHz, "ffmpeg", Path.GetTempPath(), ct, gainDb, whileDecoding, sourceChannels);

    /// <summary>
    /// As <see cref="Decode(string, int, string, CancellationToken)"/>, with the folder that holds the decoded voice named.
    /// Where ffmpeg decodes the voice, <paramref name="whileDecoding"/> is handed its samples as they arrive
    /// (before this returns; its reader must be done before the clip is disposed, and stops with an
    /// <see cref="OperationCanceledException"/> if the decoding fails). <paramref name="sourceChannels"/> is told
    /// whether the source's first sound track is mono (1) or has more channels (2) as soon as that is known, before the
    /// samples: the video's sound keeps a stereo source stereo.
    /// </summary>
    internal static AudioClip Decode(string path, int sampleRateHz, string ffmpegExecutable, string temporaryFolder, CancellationToken ct, double gainDb = 0,
        Action<DecodingVoice>? whileDecoding = null, Action<int>? sourceChannels = null)
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

        if (gainDb == 0 && TryCopyPcmWav(info.FullName, sampleRateHz, temporaryFolder, ct) is { } direct)
        {
            sourceChannels?.Invoke(1); // PcmWav takes mono only
            return direct;
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
        foreach (var argument in BuildArguments(info.FullName, sampleRateHz, gainDb))
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
            var containerSeconds = new TaskCompletionSource<double?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stderrTask = ReadLogAsync(process.StandardError, containerSeconds, sourceChannels);
            SafeFileHandle? file = null;
            DecodingVoice? voice = null;
            long samples;
            try
            {
                file = NewTemporaryFile(temporaryFolder);
                if (whileDecoding is not null) whileDecoding(voice = new DecodingVoice(file, sampleRateHz, containerSeconds.Task, () => YieldProcessor(process)));
                using var registration = ct.Register(static state => TryKill((Process)state!), process);
                samples = CopyToFile(process.StandardOutput.BaseStream, file, temporaryFolder, ct, arrived: voice is null ? null : voice.Arrived);
                process.WaitForExit();
            }
            catch
            {
                voice?.Fail();
                TryKill(process);
                file?.Dispose();
                throw;
            }

            try
            {
                ct.ThrowIfCancellationRequested();
                var stderr = stderrTask.GetAwaiter().GetResult();
                if (process.ExitCode != 0)
                {
                    throw DescribeFailure(path, process.ExitCode, stderr);
                }

                if (samples == 0)
                {
                    throw new InvalidInputException(path, "contains no audio samples (zero length).", "Give a recording that contains sound.");
                }

                if (samples > int.MaxValue)
                {
                    throw new InvalidInputException(path, $"is too long: Parla takes up to {int.MaxValue / sampleRateHz / 3600} hours of sound.", "Cut it into parts.");
                }

                voice?.Complete((int)samples);
                return new AudioClip(file, (int)samples, sampleRateHz);
            }
            catch
            {
                voice?.Fail();
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// The ffmpeg arguments that decode <paramref name="path"/> to mono 16-bit PCM on stdout.
    /// Numbers are formatted with the invariant culture.
    /// </summary>
    internal static IReadOnlyList<string> BuildArguments(string path, int sampleRateHz, double gainDb = 0) =>
    [
        // Each line marked with its level: the errors are what a failure says (ReadLogAsync), the input's
        // description gives the container's duration before the decoding starts.
        "-loglevel", "level+info",
        "-hide_banner",
        "-nostats",
        "-nostdin",
        "-i", path,
        "-vn",
        "-ac", "1",
        "-ar", sampleRateHz.ToString(CultureInfo.InvariantCulture),
        .. gainDb == 0 ? Array.Empty<string>() : ["-af", string.Create(CultureInfo.InvariantCulture, $"volume={gainDb:0.##}dB")],
        "-f", "s16le",
        "-",
    ];

    /// <summary>
    /// Reads ffmpeg's log (<see cref="BuildArguments"/>) to its end and returns its errors (the lines of
    /// level error and worse, unmarked); hands <paramref name="containerSeconds"/> the input's duration as
    /// its container gives it (an estimate for some formats), or null if it gives none, once it is read;
    /// tells <paramref name="sourceChannels"/> the channels of the input's first sound track once its
    /// description is read.
    /// </summary>
    internal static async Task<string> ReadLogAsync(TextReader log, TaskCompletionSource<double?> containerSeconds, Action<int>? sourceChannels = null)
    {
        var errors = new StringBuilder();
        var inputDescribed = false;
        try
        {
            while (await log.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (ErrorLine().Match(line) is { Success: true } error)
                {
                    errors.AppendLine(error.Groups["context"].Value + error.Groups["message"].Value);
                }
                else if (line.StartsWith("[info]   Duration: ", StringComparison.Ordinal))
                {
                    containerSeconds.TrySetResult(ParseDuration(line.AsSpan("[info]   Duration: ".Length)));
                }
                else if (line.StartsWith("[info] Stream mapping:", StringComparison.Ordinal) || line.StartsWith("[info] Output #", StringComparison.Ordinal))
                {
                    containerSeconds.TrySetResult(null);
                    // A track described in words not read above: taken as mono, as the sound always was.
                    if (!inputDescribed) sourceChannels?.Invoke(1);
                    inputDescribed = true;
                }
                else if (!inputDescribed && InputSoundTrack().Match(line) is { Success: true } track)
                {
                    // Only the first: the output's own track is described below "Output #0" the same way.
                    inputDescribed = true;
                    sourceChannels?.Invoke(ChannelsOf(track.Groups["layout"].Value));
                }
            }
        }
        finally
        {
            containerSeconds.TrySetResult(null);
        }

        return errors.ToString();
    }

    /// <summary>An input's sound track as ffmpeg describes it: "[info]   Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 127 kb/s".</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\[info\]\s+Stream #0:\d+\S*: Audio: .*?, \d+ Hz, (?<layout>[^,]+)")]
    private static partial System.Text.RegularExpressions.Regex InputSoundTrack();

    /// <summary>How many channels a channel layout as ffmpeg names it has, as far as the video's sound cares: 1 for mono, 2 for anything more.</summary>
    internal static int ChannelsOf(string layout) => layout.Trim() is "mono" or "1 channels" ? 1 : 2;

    /// <summary>A log line of level error or worse: its level after the component that logged it, if any ("[mp3float @ 0x…] [error] Header missing").</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<context>\[[^\]]* @ [^\]]*\] )?\[(?:error|fatal|panic)\] (?<message>.*)$")]
    private static partial System.Text.RegularExpressions.Regex ErrorLine();

    /// <summary>ffmpeg's "HH:MM:SS.ss, start: …" as seconds; null for "N/A" or anything else.</summary>
    private static double? ParseDuration(ReadOnlySpan<char> text)
    {
        var end = text.IndexOf(',');
        var parts = (end < 0 ? text : text[..end]).ToString().Split(':');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || !double.TryParse(parts[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        return (hours * 3600.0) + (minutes * 60.0) + seconds;
    }

    /// <summary>Turns ffmpeg's exit status and errors into the exception a user can act on.</summary>
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
            return new ToolException($"ffmpeg failed with exit code {exitCode.ToString(CultureInfo.InvariantCulture)} on {path} and printed nothing.", stderr, missing: false);
        }

        return new InvalidInputException(path, $"could not be decoded: {firstLine}",
            "Give a recording ffmpeg reads (WAV, MP3, M4A, FLAC, Ogg, Opus, …), or a video with a sound track.",
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

    /// <summary>The clip of a WAV file that already holds 16-bit mono PCM at <paramref name="sampleRateHz"/>, its samples copied as they are; null for any other file.</summary>
    private static AudioClip? TryCopyPcmWav(string path, int sampleRateHz, string temporaryFolder, CancellationToken ct)
    {
        using var input = File.OpenRead(path);
        if (!PcmWav.TryFindSamples(input, sampleRateHz, out var offset, out var length))
        {
            return null;
        }

        input.Position = offset;
        var file = NewTemporaryFile(temporaryFolder);
        try
        {
            var samples = CopyToFile(input, file, temporaryFolder, ct, length);
            if (samples > int.MaxValue)
            {
                throw new InvalidInputException(path, $"is too long: Parla takes up to {int.MaxValue / sampleRateHz / 3600} hours of sound.", "Cut it into parts.");
            }

            return new AudioClip(file, (int)samples, sampleRateHz);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies little-endian 16-bit samples from <paramref name="stream"/> to <paramref name="file"/> until the
    /// end of the stream (or <paramref name="maxBytes"/>), telling <paramref name="arrived"/> how many whole
    /// samples are written after each block, and returns that number: the voice never has to fit in memory.
    /// </summary>
    private static long CopyToFile(Stream stream, SafeFileHandle file, string folder, CancellationToken ct, long maxBytes = long.MaxValue, Action<long>? arrived = null)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Parla reads ffmpeg's s16le output and needs a little-endian machine.");
        }

        var buffer = new byte[ReadChunkBytes];
        long written = 0;
        int read;
        while (written < maxBytes && (read = stream.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, maxBytes - written)))) > 0)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                RandomAccess.Write(file, buffer.AsSpan(0, read), written);
            }
            catch (IOException e)
            {
                throw TemporaryFolderFailure(folder, e);
            }

            written += read;
            arrived?.Invoke(written / sizeof(short));
        }

        return written / sizeof(short);
    }

    /// <summary>A new temporary file for 16-bit samples in <paramref name="folder"/>: open, already unlinked where the system allows it, else deleted when closed.</summary>
    internal static SafeFileHandle NewTemporaryFile(string folder)
    {
        var path = Path.Combine(folder, $"parla-voice-{Guid.NewGuid():N}.s16");
        try
        {
            var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
            if (!OperatingSystem.IsWindows()) File.Delete(path);
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TemporaryFolderFailure(folder, e);
        }
    }

    internal static OutputException TemporaryFolderFailure(string folder, Exception e) =>
        new(folder, $"the decoded voice cannot be written here ({e.Message}). Set TMPDIR to a writable folder with room for it (a minute of voice takes 1.9 MB).", e);

    /// <summary>
    /// Five steps of niceness more than Parla's own for <paramref name="process"/>: under a busy run it
    /// gets about a third of a core's share instead of a whole one. (An hour of MP3 decodes in about
    /// 3.6 s of CPU, so it stays well ahead of the chapters that wait for it.) Raising it back would
    /// need privileges, so it is only ever lowered.
    /// </summary>
    private static void YieldProcessor(Process process)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return;
        try
        {
            const int ProcessPriority = 0; // PRIO_PROCESS
            var own = GetPriority(ProcessPriority, 0);
            _ = SetPriority(ProcessPriority, process.Id, Math.Min(19, own + 5));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
        }
    }

    [System.Runtime.InteropServices.DllImport(NativeLibraries.LibC, EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, int who);

    [System.Runtime.InteropServices.DllImport(NativeLibraries.LibC, EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

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
