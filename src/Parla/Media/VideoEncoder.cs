using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Parla.Media;

/// <summary>Where rendered frames go, in order.</summary>
public interface IFrameSink : IDisposable
{
    /// <summary>Appends one frame; its size must match the sink's.</summary>
    void Write(Frame frame);

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
    private bool _completed;
    private long _frames;

    public VideoEncoder(VideoEncoderOptions options)
    {
        _options = options;
        var ffmpeg = ExternalTool.RequireFfmpeg();
        var dir = Path.GetDirectoryName(Path.GetFullPath(options.OutputPath))!;
        _tempPath = Path.Combine(dir, $".{Path.GetFileName(options.OutputPath)}.{Environment.ProcessId}.partial");
        _process = ExternalTool.Start(ffmpeg, BuildArguments(options, _tempPath), redirectInput: true);
        _stdin = _process.StandardInput.BaseStream;
        _stderr = _process.StandardError.ReadToEndAsync();
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public long FramesWritten => _frames;

    /// <summary>ffmpeg's command line for <paramref name="options"/>, writing to <paramref name="target"/>.</summary>
    public static IReadOnlyList<string> BuildArguments(VideoEncoderOptions options, string target)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "-hide_banner", "-v", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgba",
            "-s", $"{options.Width}x{options.Height}",
            "-framerate", options.FramesPerSecond.ToString("0.######", inv),
            "-i", "pipe:0",
        };
        if (options.AudioPath is not null)
            args.AddRange(["-i", options.AudioPath, "-map", "0:v:0", "-map", "1:a:0"]);
        args.AddRange([
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.ConstantRateFactor.ToString(inv),
            "-pix_fmt", "yuv420p",
            // Tag the colour description so players do not guess (BT.601 is what swscale converts to by default).
            "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv",
        ]);
        if (options.AudioPath is not null)
            args.AddRange(["-c:a", "aac", "-b:a", "128k", "-ac", "1"]);
        foreach (var (key, value) in options.Metadata)
            args.AddRange(["-metadata", $"{key}={value}"]);
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", target]);
        return args;
    }

    public void Write(Frame frame)
    {
        if (frame.Width != _options.Width || frame.Height != _options.Height)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the video is {_options.Width}x{_options.Height}.");
        try
        {
            _stdin.Write(frame.Pixels);
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
        if (_process.ExitCode != 0) throw Failure($"ffmpeg exited with code {_process.ExitCode}", null);
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

    private ToolException Failure(string what, Exception? inner)
    {
        if (!_process.HasExited && !_process.WaitForExit(5000)) _process.Kill();
        var stderr = _stderr.IsCompleted ? _stderr.Result : "";
        var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return new ToolException($"Encoding {_options.OutputPath} failed: {what}. {first}".TrimEnd(), stderr, inner);
    }

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
