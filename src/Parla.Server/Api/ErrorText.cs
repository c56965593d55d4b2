using Microsoft.AspNetCore.Http;

namespace Parla.Server.Api;

/// <summary>
/// Turns an exception into an HTTP status and the words the CLI prints for it (see the CLI's
/// CliErrors), with server-side paths replaced by the form field they came from.
/// </summary>
public static class ErrorText
{
    public static (int Status, string Message) Describe(Exception e, IReadOnlyDictionary<string, string>? fieldOfPath = null)
    {
        var (status, message) = e switch
        {
            OperationCanceledException => (StatusCodes.Status409Conflict, "cancelled."),
            // The server's own disk, and an encoder that failed at its work, are the server's conditions, not the request's.
            OutputException { DiskFull: true } => (StatusCodes.Status507InsufficientStorage, e.Message),
            ToolException { Missing: false } => (StatusCodes.Status500InternalServerError, e.Message),
            InvalidInputException or NoFaceException or OutputException => (StatusCodes.Status422UnprocessableEntity, e.Message),
            ToolException or ModelException => (StatusCodes.Status503ServiceUnavailable, e.Message),
            _ => (StatusCodes.Status500InternalServerError, $"unexpected error: {e.Message}"),
        };
        return (status, Redact(message, fieldOfPath));
    }

    /// <summary>Replaces each server path in <paramref name="message"/> by its field name, longest path first.</summary>
    public static string Redact(string message, IReadOnlyDictionary<string, string>? fieldOfPath)
    {
        if (fieldOfPath is null) return message;
        foreach (var (path, field) in fieldOfPath.OrderByDescending(p => p.Key.Length))
            message = message.Replace(path, field, StringComparison.Ordinal);
        return message;
    }
}
