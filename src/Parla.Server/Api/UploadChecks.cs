using Microsoft.AspNetCore.Http;
using Parla.Face;
using Parla.Server.Uploads;

namespace Parla.Server.Api;

/// <summary>
/// Saves uploaded files under names the server picks and checks each from its content: the kind
/// from magic bytes, an image's pixel count from its header, an audio file's length by decoding it.
/// Messages use the CLI's words with the field name where the CLI names the file.
/// </summary>
public sealed class UploadChecks(ServerOptions options)
{
    public const long MaxLandmarksBytes = 4 * 1024 * 1024;

    /// <summary>The CLI's words for a file that is not a portrait, saying what it is where its first bytes tell (a TIFF, a phone's HEIC, a video).</summary>
    public static string NotAnImage(string field, ReadOnlySpan<byte> head = default) => Parla.Media.ImageLoader.NotDecodable(head, field).Message;

    /// <summary>Saves the portrait as <c>image.{kind}</c> in <paramref name="folder"/> and returns the file name, or null with a problem added.</summary>
    public async Task<string?> SaveImageAsync(IFormFile file, string folder, string field, List<string> problems, CancellationToken ct)
    {
        var head = await HeadAsync(file, ct);
        var kind = ContentSniffer.ImageKind(head);
        if (kind is null)
        {
            problems.Add(NotAnImage(field, head));
            return null;
        }
        var name = "image." + kind;
        var path = Path.Combine(folder, name);
        await SaveAsync(file, path, ct);
        var size = ContentSniffer.ImageSize(path);
        if (size is not { } s)
        {
            problems.Add(NotAnImage(field));
            return null;
        }
        if ((long)s.Width * s.Height > options.MaxImagePixels)
        {
            problems.Add($"{field}: is {s.Width}x{s.Height} pixels, more than the limit of {options.MaxImagePixels / 1e6:0.#} megapixels. Use a smaller portrait.");
            return null;
        }
        return name;
    }

    /// <summary>Saves the voice as <c>audio.{kind}</c> and checks that it decodes and is not too long.</summary>
    public async Task<string?> SaveAudioAsync(IFormFile file, string folder, List<string> problems, CancellationToken ct)
    {
        var kind = ContentSniffer.AudioKind(await HeadAsync(file, ct));
        const string advice = "Use a recording in a common format (WAV, FLAC, MP3, Ogg, WebM, M4A).";
        if (kind is null)
        {
            problems.Add(new InvalidInputException("audio", "is not an audio file that can be decoded.", advice).Message);
            return null;
        }
        var name = "audio." + kind;
        var path = Path.Combine(folder, name);
        await SaveAsync(file, path, ct);
        var seconds = await ContentSniffer.MeasureAudioSecondsAsync(path, options.MaxAudioSeconds, ct);
        if (seconds is null)
        {
            problems.Add(new InvalidInputException("audio", "has no sound that can be decoded.", advice).Message);
            return null;
        }
        if (seconds > options.MaxAudioSeconds)
        {
            problems.Add($"audio: is longer than the limit of {options.MaxAudioSeconds:0.#} seconds. Use a shorter recording.");
            return null;
        }
        return name;
    }

    /// <summary>
    /// Saves a landmarks file as <c>landmarks.json</c>: either the JSON of <c>parla landmarks --json</c>
    /// (checked by the library's reader) or <c>{"points5": [[x,y] ×5]}</c> (checked for shape here,
    /// read by the pipeline once it knows the format).
    /// </summary>
    public async Task<string?> SaveLandmarksAsync(IFormFile file, string folder, List<string> problems, CancellationToken ct)
    {
        if (file.Length > MaxLandmarksBytes)
        {
            problems.Add($"landmarks: is larger than {MaxLandmarksBytes / (1024 * 1024)} MiB.");
            return null;
        }
        const string name = "landmarks.json";
        var path = Path.Combine(folder, name);
        await SaveAsync(file, path, ct);
        System.Text.Json.Nodes.JsonNode? root;
        try
        {
            root = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path, ct));
        }
        catch (System.Text.Json.JsonException e)
        {
            problems.Add($"landmarks: is not valid JSON ({e.Message}).");
            return null;
        }
        if (root is System.Text.Json.Nodes.JsonObject obj && obj.ContainsKey("points5") && !obj.ContainsKey("faces"))
        {
            if (!IsPoints5(obj["points5"]))
            {
                problems.Add("landmarks: points5 must be five [x, y] pairs of numbers: the eye on the image's left, the other eye, the nose tip, the mouth corner on the left, the other corner.");
                return null;
            }
            return name;
        }
        try
        {
            LandmarksJson.Read(path);
        }
        catch (InvalidInputException e)
        {
            problems.Add(ErrorText.Redact(e.Message, new Dictionary<string, string> { [path] = "landmarks" }));
            return null;
        }
        return name;
    }

    private static bool IsPoints5(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonArray { Count: 5 } list &&
        list.All(p => p is System.Text.Json.Nodes.JsonArray { Count: 2 } xy &&
                      xy.All(v => v is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<double>(out var d) && double.IsFinite(d)));

    private static async Task<byte[]> HeadAsync(IFormFile file, CancellationToken ct)
    {
        var head = new byte[ContentSniffer.HeadLength];
        await using var stream = file.OpenReadStream();
        var n = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return head[..n];
    }

    private static async Task SaveAsync(IFormFile file, string path, CancellationToken ct)
    {
        // CreateNew: a job's folder is fresh, so an existing file would mean a bug, never something to overwrite.
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await file.CopyToAsync(target, ct);
    }
}
