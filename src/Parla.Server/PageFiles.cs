using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Parla.Server;

/// <summary>
/// The web page: the files under <c>wwwroot/</c>, embedded in this assembly and served from memory
/// with an ETag and a content security policy that allows nothing from elsewhere.
/// </summary>
internal static class PageFiles
{
    private const string Prefix = "wwwroot/";

    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".txt"] = "text/plain; charset=utf-8",
        [".json"] = "application/json",
    };

    // The page needs its own scripts and styles, blob: URLs for local previews, and calls to this origin only.
    private const string Policy =
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; " +
        "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static void Map(IEndpointRouteBuilder app)
    {
        var assembly = typeof(PageFiles).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(n => "/" + n[Prefix.Length..], n => Load(assembly, n), StringComparer.Ordinal);
        files["/"] = files["/index.html"];
        foreach (var (route, file) in files)
        {
            app.MapGet(route, (HttpContext http) =>
            {
                var headers = http.Response.Headers;
                headers.ETag = file.ETag;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = Policy;
                if (http.Request.Headers.IfNoneMatch == file.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
                return Results.Bytes(file.Bytes, file.ContentType);
            }).ExcludeFromDescription();
        }
    }

    private static PageFile Load(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var type = Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        return new PageFile(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
    }

    private sealed record PageFile(byte[] Bytes, string ContentType, string ETag);
}
