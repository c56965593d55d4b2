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
    public ToolException(string message, string? toolOutput = null, Exception? inner = null) : base(message, inner)
    {
        ToolOutput = toolOutput;
    }

    public string? ToolOutput { get; }
}

/// <summary>The output file could not be written.</summary>
public sealed class OutputException : ParlaException
{
    public OutputException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) { }
}
