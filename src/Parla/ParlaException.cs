namespace Parla;

/// <summary>Base of the exceptions Parla raises for conditions a user can act on; the message is meant for the user.</summary>
public abstract class ParlaException : Exception
{
    protected ParlaException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>An input file is missing, unreadable or not what it should be. The message names the file and what to do.</summary>
public sealed class InvalidInputException : ParlaException
{
    public InvalidInputException(string path, string problem, string? advice = null, Exception? inner = null)
        : base(Compose(path, problem, advice), inner)
    {
        Path = path;
    }

    /// <summary>The offending file.</summary>
    public string Path { get; }

    private static string Compose(string path, string problem, string? advice) =>
        advice is null ? $"{path}: {problem}" : $"{path}: {problem} {advice}";
}

/// <summary>No face was found (or the requested one does not exist) in a portrait.</summary>
public sealed class NoFaceException : ParlaException
{
    public NoFaceException(string message) : base(message) { }
}

/// <summary>A face model could not be fetched, imported or run.</summary>
public sealed class ModelException : ParlaException
{
    public ModelException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>An external tool (ffmpeg, npm) is missing or failed; <see cref="ToolOutput"/> keeps what it printed.</summary>
public sealed class ToolException : ParlaException
{
    /// <param name="message">What went wrong, for the user.</param>
    /// <param name="toolOutput">What the tool printed, if anything.</param>
    /// <param name="inner">The failure underneath, if any.</param>
    /// <param name="missing">
    /// Whether the tool (or what it needs) is missing, which installing mends; false for a tool that
    /// is there and failed at its work (an encoder killed for memory, a decoder's error).
    /// </param>
    public ToolException(string message, string? toolOutput = null, Exception? inner = null, bool missing = true) : base(message, inner)
    {
        ToolOutput = toolOutput;
        Missing = missing;
    }

    public string? ToolOutput { get; }

    /// <summary>Whether the tool is missing rather than failed (see the constructor).</summary>
    public bool Missing { get; }
}

/// <summary>The output file could not be written.</summary>
public sealed class OutputException : ParlaException
{
    public OutputException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) { }

    /// <summary>Whether the disk (or the user's quota) filled up: the machine's condition, not the request's.</summary>
    public bool DiskFull { get; init; }
}
