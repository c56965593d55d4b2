using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Parla.Media;

/// <summary>
/// Where rendered frames go, in order. A frame is first <see cref="Prepare"/>d into the sink's wire format
/// (any thread, in parallel), then the prepared bytes are written in order by one thread.
/// </summary>
public interface IFrameSink : IDisposable
{
    /// <summary>Bytes of one prepared frame.</summary>
    int PreparedLength { get; }

    /// <summary>
    /// Converts <paramref name="frame"/> into the sink's wire format; thread-safe. Only <paramref name="changed"/>
    /// needs converting: outside it, <paramref name="prepared"/> already holds this frame's bytes.
    /// </summary>
    void Prepare(Frame frame, Span<byte> prepared, PixelRect changed);

    /// <summary>Appends one prepared frame.</summary>
    void WritePrepared(ReadOnlySpan<byte> prepared);

    /// <summary>Finishes the output; without this call, disposing discards it.</summary>
    void Complete();
}

/// <summary>Settings of the H.264 + AAC MP4 encoder.</summary>
public sealed record VideoEncoderOptions
{
    public required string OutputPath { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public double FramesPerSecond { get; init; } = 25;

    /// <summary>Audio file muxed as AAC; null for a silent video.</summary>
    public string? AudioPath { get; init; }

    /// <summary>
    /// The AAC track's channels: 1 (mono, 128 kb/s) or 2 (stereo, 192 kb/s), as the audio file has them;
    /// a file of more channels is mixed down to 2.
    /// </summary>
    public int AudioChannels { get; init; } = 1;

    /// <summary>x264 constant rate factor: 18 is visually lossless, 23 is x264's default.</summary>
    public int ConstantRateFactor { get; init; } = 18;

    /// <summary>x264 preset: faster presets cost bitrate, not quality, at a given CRF.</summary>
    public string Preset { get; init; } = "veryfast";

    /// <summary>Extra metadata tags written into the MP4 (key → value).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Streams raw RGBA frames into an ffmpeg process that writes H.264 yuv420p + AAC MP4 with faststart.
/// The video is written to a temporary file beside the output and renamed into place by
/// <see cref="Complete"/>, so a failed or cancelled run never leaves a partial file.
/// </summary>
public sealed class VideoEncoder : IFrameSink
{
    private readonly VideoEncoderOptions _options;
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Task<string> _stderr;
    private readonly string _tempPath;
    private readonly byte[] _yuv;
    private bool _completed;
    private long _frames;

    /// <summary>The names an MP4 file goes by (H.264 and AAC in an ISO media file; QuickTime reads it as .mov).</summary>
    public static IReadOnlyList<string> FileExtensions { get; } = [".mp4", ".m4v", ".mov"];

    /// <summary>
    /// Fails early when <paramref name="path"/> is named as another kind of file: a video named
    /// out.webm or out.mkv would hold MP4 all the same, and a player that trusts the name fails on it.
    /// </summary>
    /// <exception cref="OutputException">The name does not end in one of <see cref="FileExtensions"/>.</exception>
    public static void EnsureMp4Name(string path)
    {
        var extension = Path.GetExtension(path);
        if (FileExtensions.Any(e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase))) return;
        var named = extension.Length == 0 ? "has no file extension" : $"is named as a {extension} file";
        throw new OutputException(path, $"{named}, but Parla writes MP4 video (H.264 and AAC); name it {Path.GetFileNameWithoutExtension(path)}.mp4 (or .m4v, .mov), and convert it with ffmpeg afterwards if another format is needed.");
    }

    public VideoEncoder(VideoEncoderOptions options)
    {
        _options = options;
        var ffmpeg = ExternalTool.RequireFfmpeg();
        _tempPath = OutputFile.TemporaryPath(options.OutputPath);
        _yuv = new byte[Yuv420Converter.BufferLength(options.Width, options.Height)];
        _process = ExternalTool.Start(ffmpeg, BuildArguments(options, _tempPath), redirectInput: true);
        _stdin = _process.StandardInput.BaseStream;
        EnlargePipe(_stdin);
        _stderr = _process.StandardError.ReadToEndAsync();
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public long FramesWritten => _frames;

    /// <summary>
    /// A 1 MB pipe to the encoder instead of Linux's 64 KB: a 1080p frame (3 MB of yuv420p) then
    /// crosses in 3 writes instead of 48, each a wake-up of ffmpeg. Measured on a 60-s voice at
    /// 1080p: system time 2.3 → 2.0 s, wall 13.8 → 13.2 s (medians of 3). Best effort: where the
    /// call is refused, the pipe stays as it was.
    /// </summary>
    private static void EnlargePipe(Stream stdin)
    {
        if (!OperatingSystem.IsLinux() || stdin is not System.IO.Pipes.PipeStream pipe) return;
        const int SetPipeSize = 1031; // F_SETPIPE_SZ
        try
        {
            _ = Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), SetPipeSize, 1 << 20);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [System.Runtime.InteropServices.DllImport(NativeLibraries.LibC, EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, int arg);

    /// <summary>
    /// Frames ffmpeg reads ahead of its encoder: about 6 MB of them, from 2 to ffmpeg's own 8. Its
    /// default of 8 held 25 MB at 1080p for nothing: with 2 the encoder peaked at 286–292 MB instead of
    /// 309–321 MB on a minute of English, the same stream, no slower (three pairs alternated). At 512²
    /// two frames left it waiting for the pipe (4.75–4.94 s against 4.37–4.66 s), eight do not.
    /// </summary>
    internal static int FramesQueued(int width, int height)
    {
        const double Bytes = 6 << 20;
        return (int)Math.Clamp(Math.Floor(Bytes / Yuv420Converter.BufferLength(width, height)), 2, 8);
    }

    /// <summary>ffmpeg's command line for <paramref name="options"/>, writing to <paramref name="target"/>.</summary>
    public static IReadOnlyList<string> BuildArguments(VideoEncoderOptions options, string target)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "-hide_banner", "-v", "error", "-nostdin", "-y",
            // Frames arrive already converted to yuv420p (see Yuv420Converter): 1.5 bytes per pixel in the pipe.
            "-f", "rawvideo", "-pix_fmt", "yuv420p",
            "-s", $"{options.Width}x{options.Height}",
            "-framerate", options.FramesPerSecond.ToString("0.######", inv),
            "-thread_queue_size", FramesQueued(options.Width, options.Height).ToString(inv),
            "-i", "pipe:0",
        };
        if (options.AudioPath is not null)
            args.AddRange(["-i", options.AudioPath, "-map", "0:v:0", "-map", "1:a:0"]);
        args.AddRange([
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.ConstantRateFactor.ToString(inv),
            // One encoder thread per core (x264's default is 1.5 per core): the same speed and the same
            // stream here, and at 1080p about 23 MB less for the encoder's frame buffers.
            "-threads", Environment.ProcessorCount.ToString(inv),
            // Tag the colour description so players do not guess (BT.601 is what swscale converts to by default).
            "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv",
        ]);
        if (options.AudioPath is not null)
        {
            // The fast AAC coder: at 128 kb/s mono it keeps a voice as well as the default two-loop search
            // (SNR against the source 44.0 vs 39.9 dB on the demo read, 17.9 vs 17.4 dB on a 44.1-kHz chord
            // in noise) for 0.23 instead of 0.62 s of CPU a minute of 16-kHz audio. Stereo at 192 kb/s keeps
            // each channel about as well (a read on the left, plucked chords on the right, 44.1 kHz: 41.8 and
            // 19.5 dB; at 128 kb/s 35.7 and 16.1 dB; the two-loop search 31.0 and 17.5 dB).
            var stereo = options.AudioChannels >= 2;
            args.AddRange(["-c:a", "aac", "-aac_coder", "fast", "-b:a", stereo ? "192k" : "128k", "-ac", stereo ? "2" : "1"]);
        }
        foreach (var (key, value) in options.Metadata)
            args.AddRange(["-metadata", $"{key}={value}"]);
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", target]);
        return args;
    }

    public int PreparedLength => Yuv420Converter.BufferLength(_options.Width, _options.Height);

    public void Prepare(Frame frame, Span<byte> prepared, PixelRect changed)
    {
        if (frame.Width != _options.Width || frame.Height != _options.Height)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the video is {_options.Width}x{_options.Height}.");
        Yuv420Converter.Convert(frame, prepared, changed);
    }

    /// <summary>Converts and appends one frame (the serial path; the pipeline prepares frames in parallel instead).</summary>
    public void Write(Frame frame)
    {
        Prepare(frame, _yuv, PixelRect.Full(frame.Width, frame.Height));
        WritePrepared(_yuv);
    }

    public void WritePrepared(ReadOnlySpan<byte> prepared)
    {
        if (prepared.Length != PreparedLength)
            throw new ArgumentException($"A prepared frame has {PreparedLength} bytes, got {prepared.Length}.");
        try
        {
            _stdin.Write(prepared);
            _frames++;
        }
        catch (IOException e)
        {
            throw Failure("ffmpeg stopped accepting frames", e);
        }
    }

    public void Complete()
    {
        try
        {
            _stdin.Dispose();
        }
        catch (IOException e)
        {
            throw Failure("ffmpeg stopped accepting frames", e);
        }
        _process.WaitForExit();
        if (_process.ExitCode != 0) throw Failure(Ended(_process.ExitCode), null);
        try
        {
            File.Move(_tempPath, _options.OutputPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(_options.OutputPath, $"cannot be written ({e.Message}).", e);
        }
        _completed = true;
    }

    /// <summary>
    /// Why the encoder stopped early: what it printed first, or, when it printed nothing, how it ended
    /// (killed by a signal: most often the system's out-of-memory killer). Its exit code says that the
    /// encoder failed at its work, not that it is missing.
    /// </summary>
    private ParlaException Failure(string what, Exception? inner)
    {
        if (!_process.HasExited && !_process.WaitForExit(5000)) _process.Kill();
        // Its error output is read to the end once it has gone (a moment after it exits).
        var stderr = _process.HasExited && _stderr.Wait(TimeSpan.FromSeconds(2)) ? _stderr.Result : "";
        var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (OutputFile.SaysDiskFull(stderr))
            return OutputFile.DiskFull(_options.OutputPath, $"the video (after {_frames.ToString(CultureInfo.InvariantCulture)} frames)", new ToolException(first, stderr, inner, missing: false));
        if (first.Length == 0 && _process.HasExited && inner is not null) what = $"{what}: {Ended(_process.ExitCode)}";
        return new ToolException($"Encoding {_options.OutputPath} failed after {_frames.ToString(CultureInfo.InvariantCulture)} frames: {what}. {first}".TrimEnd(), stderr, inner, missing: false);
    }

    /// <summary>How ffmpeg ended, from its exit code (the runtime reports a process a signal ended as 128 + the signal).</summary>
    private static string Ended(int exitCode) => exitCode switch
    {
        137 => "ffmpeg was killed (SIGKILL: the system may have run out of memory)",
        > 128 and < 160 => $"ffmpeg was ended by signal {(exitCode - 128).ToString(CultureInfo.InvariantCulture)}",
        _ => $"ffmpeg exited with code {exitCode.ToString(CultureInfo.InvariantCulture)}",
    };

    public void Dispose()
    {
        if (!_completed)
        {
            try { _stdin.Dispose(); } catch (IOException) { }
            try
            {
                if (!_process.HasExited) _process.Kill();
                _process.WaitForExit();
            }
            catch (InvalidOperationException) { }
            try { File.Delete(_tempPath); } catch (IOException) { }
        }
        _process.Dispose();
    }
}
