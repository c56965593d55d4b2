using Microsoft.AspNetCore.Http;

namespace Parla.Server.Api;

/// <summary>
/// Every error the API returns, as <c>application/problem+json</c>. <c>detail</c> carries the message
/// the CLI would print; <c>errors</c> (field → messages) lets the page put each one next to its field.
/// </summary>
public static class Problems
{
    public static IResult Of(int status, string detail, string? title = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title ?? Title(status), extensions: extensions);

    /// <summary>A 400 listing the problems per form field; <c>detail</c> joins them all.</summary>
    public static IResult Fields(Dictionary<string, List<string>> errors, int status = StatusCodes.Status400BadRequest) =>
        Results.Problem(
            detail: string.Join(" ", errors.SelectMany(e => e.Value)),
            statusCode: status,
            title: Title(status),
            extensions: new Dictionary<string, object?> { ["errors"] = errors.ToDictionary(e => e.Key, e => e.Value.ToArray()) });

    public static IResult NotFound(string id) => Of(StatusCodes.Status404NotFound, $"job {id} was not found (it may have expired).");

    private static string Title(int status) => status switch
    {
        400 => "The request has a problem",
        401 => "A token is needed",
        403 => "Refused",
        404 => "Not found",
        409 => "Not ready",
        413 => "Too large",
        415 => "Wrong content type",
        422 => "The input cannot be used",
        429 => "The queue is full",
        501 => "Not available",
        503 => "A required program or model is missing",
        _ => "Something went wrong",
    };
}
