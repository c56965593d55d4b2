namespace Parla.Cli;

/// <summary>Exit codes of every parla command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Something failed that is not the user's input (an encoder crash, a bug).</summary>
    public const int Failure = 1;
    /// <summary>Bad input: a missing or unreadable file, no face found, a bad option.</summary>
    public const int BadInput = 2;
    /// <summary>A required program or model is missing and could not be installed.</summary>
    public const int MissingDependency = 3;
    /// <summary>Cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;
}

/// <summary>Turns exceptions into one short message and an exit code; a stack trace only with --verbose.</summary>
internal static class CliErrors
{
    public static int Report(Exception e, TextWriter error, bool verbose)
    {
        // Once a signal has asked the command to stop, whatever the stopping threw is the stop (an
        // encoder that got the terminal's Ctrl+C too fails its pipe before the token is seen).
        if (TerminationSignals.ExitCode is { } stopped)
        {
            error.WriteLine("parla: cancelled.");
            if (verbose) error.WriteLine(e);
            return stopped;
        }
        var (code, message) = e switch
        {
            OperationCanceledException => (ExitCodes.Cancelled, "cancelled."),
            InvalidInputException or NoFaceException or Provenance.ConsentException or Provenance.ManifestFormatException => (ExitCodes.BadInput, e.Message),
            OutputException => (ExitCodes.BadInput, e.Message),
            ToolException { Missing: false } => (ExitCodes.Failure, e.Message),
            ToolException or ModelException => (ExitCodes.MissingDependency, e.Message),
            _ => (ExitCodes.Failure, $"unexpected error: {e.Message} (run again with --verbose for details)"),
        };
        error.WriteLine($"parla: {message}");
        if (e is ToolException { ToolOutput: { Length: > 0 } output } && verbose)
            error.WriteLine(output);
        if (verbose) error.WriteLine(e);
        return code;
    }
}
