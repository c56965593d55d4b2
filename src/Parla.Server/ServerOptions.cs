using System.Net;

namespace Parla.Server;

/// <summary>How <c>parla serve</c> listens, where it keeps jobs and what it accepts. Defaults are the CLI's defaults.</summary>
public sealed record ServerOptions
{
    /// <summary>Address to listen on; default loopback only. Anything else needs a <see cref="Token"/> to be safe.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Folder holding the job database and each job's files; default <c>~/.local/share/parla/serve</c>.</summary>
    public string DataDirectory { get; init; } = DefaultDataDirectory();

    /// <summary>Jobs rendered at once; default 1 (a render already uses every core).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Jobs that may wait for a worker; a submission beyond this is answered 429.</summary>
    public int QueueCapacity { get; init; } = 8;

    /// <summary>When set, every API call needs <c>Authorization: Bearer {Token}</c>.</summary>
    public string? Token { get; init; }

    /// <summary>How long a finished job's files (video, manifest, inputs) are kept; default 24 hours.</summary>
    public TimeSpan JobTimeToLive { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Largest request body in bytes (all files of one upload together); default 64 MiB.</summary>
    public long MaxUploadBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest portrait in pixels (width × height), checked from the header before decoding; default 40 megapixels.</summary>
    public long MaxImagePixels { get; init; } = 40_000_000;

    /// <summary>Longest voice recording in seconds; default 300.</summary>
    public double MaxAudioSeconds { get; init; } = 300;

    /// <summary>Threads one render uses; default: the cores shared among the workers.</summary>
    public int? RenderThreads { get; init; }

    /// <summary>Face-model cache folder; null for the library's default.</summary>
    public string? ModelCacheDirectory { get; init; }

    /// <summary>Whether <see cref="Host"/> is a loopback address (or "localhost").</summary>
    public bool IsLoopback =>
        string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Every problem with these options, as messages for the user; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IsLoopback && !IPAddress.TryParse(Host, out _))
            errors.Add($"--host must be an IP address (such as 127.0.0.1 or 0.0.0.0) or localhost (got '{Host}').");
        if (Port is < 0 or > 65535) errors.Add($"--port must be between 0 and 65535 (got {Port}).");
        if (string.IsNullOrWhiteSpace(DataDirectory)) errors.Add("--data must name a folder.");
        if (Workers is < 1 or > 64) errors.Add($"--workers must be between 1 and 64 (got {Workers}).");
        if (QueueCapacity is < 1 or > 10_000) errors.Add($"--queue must be between 1 and 10000 (got {QueueCapacity}).");
        if (Token is not null && Token.Length < 8) errors.Add("--token must be at least 8 characters long.");
        if (JobTimeToLive < TimeSpan.FromSeconds(1)) errors.Add($"--ttl must be at least one second (got {JobTimeToLive}).");
        if (MaxUploadBytes < 1024) errors.Add($"--max-upload must be at least 1 KiB (got {MaxUploadBytes} bytes).");
        if (MaxImagePixels < 64 * 64) errors.Add($"--max-image-pixels must be at least 4096 (got {MaxImagePixels}).");
        if (!(MaxAudioSeconds is >= 1 and <= 24 * 3600)) errors.Add($"--max-audio-seconds must be between 1 and 86400 (got {MaxAudioSeconds}).");
        if (RenderThreads is < 1) errors.Add($"the render threads must be at least 1 (got {RenderThreads}).");
        return errors;
    }

    /// <summary>The default data folder: <c>$XDG_DATA_HOME/parla/serve</c> or <c>~/.local/share/parla/serve</c>.</summary>
    public static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "parla", "serve");
    }
}
