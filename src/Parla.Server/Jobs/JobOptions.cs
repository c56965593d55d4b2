using System.Text.Json;
using System.Text.Json.Serialization;
using Parla.Pipeline;

namespace Parla.Server.Jobs;

/// <summary>
/// The options of one job as the API takes them (<c>options</c> form field, JSON), mapped onto
/// <see cref="AnimateOptions"/>. The motion options (<c>style</c>, <c>expressiveness</c>, <c>headMotion</c>,
/// <c>language</c>) and anything newer are stored as given in <see cref="Extras"/>, so the job store's
/// schema does not change when an option is added.
/// </summary>
public sealed record JobOptions
{
    /// <summary>Names the API documents; an option outside this list is kept in <see cref="Extras"/> but not promised to do anything.</summary>
    public static readonly IReadOnlyList<string> KnownNames = ["fps", "maxSize", "seed", "face", "label", "style", "expressiveness", "headMotion", "language"];

    private static readonly string[] Styles = ["auto", "neutral", "calm", "happy", "energetic", "singing"];
    private static readonly string[] Languages = ["auto", "en", "none"];

    /// <summary>Output frame rate (<c>fps</c>); default 25, as the CLI.</summary>
    [JsonPropertyName("fps")]
    public double FramesPerSecond { get; init; } = 25;

    /// <summary>Longest side of the video in pixels (<c>maxSize</c>); default 1024.</summary>
    [JsonPropertyName("maxSize")]
    public int MaxSidePixels { get; init; } = 1024;

    /// <summary>Seed of blinks and idle motion.</summary>
    [JsonPropertyName("seed")]
    public int Seed { get; init; }

    /// <summary>Which face, 0 = the largest.</summary>
    [JsonPropertyName("face")]
    public int FaceIndex { get; init; }

    /// <summary>Whether the visible "AI-generated" label is drawn (default on).</summary>
    [JsonPropertyName("label")]
    public bool Label { get; init; } = true;

    /// <summary>Every other option, by name, as given (style, expressiveness, headMotion, …).</summary>
    [JsonPropertyName("extras")]
    public Dictionary<string, JsonElement> Extras { get; init; } = [];

    /// <summary>Reads the options JSON; problems go to <paramref name="errors"/> (empty or null input gives the defaults).</summary>
    public static JobOptions Parse(string? json, List<string> errors)
    {
        var options = new JobOptions();
        if (string.IsNullOrWhiteSpace(json)) return options;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            errors.Add($"options is not valid JSON ({e.Message}).");
            return options;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("options must be a JSON object such as {\"fps\": 25}.");
                return options;
            }
            var extras = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                var v = member.Value;
                switch (member.Name)
                {
                    case "fps":
                        options = options with { FramesPerSecond = Number(v, "fps", errors) ?? options.FramesPerSecond };
                        break;
                    case "maxSize":
                        options = options with { MaxSidePixels = Integer(v, "maxSize", errors) ?? options.MaxSidePixels };
                        break;
                    case "seed":
                        options = options with { Seed = Integer(v, "seed", errors) ?? 0 };
                        break;
                    case "face":
                        options = options with { FaceIndex = Integer(v, "face", errors) ?? 0 };
                        break;
                    case "label":
                        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) options = options with { Label = v.GetBoolean() };
                        else errors.Add("options.label must be true or false.");
                        break;
                    case "style" or "language":
                        var allowed = member.Name == "style" ? Styles : Languages;
                        if (v.ValueKind != JsonValueKind.String || !allowed.Contains(v.GetString()))
                            errors.Add($"options.{member.Name} must be one of {string.Join(", ", allowed)}.");
                        else extras[member.Name] = v.Clone();
                        break;
                    case "expressiveness" or "headMotion":
                        if (Number(v, member.Name, errors) is not null) extras[member.Name] = v.Clone();
                        break;
                    default:
                        // Not wired yet (or a newer client): kept, passed on, ignored by today's pipeline.
                        extras[member.Name] = v.Clone();
                        break;
                }
            }
            options = options with { Extras = extras };
        }
        errors.AddRange(options.ToAnimateOptions(null, 1).Validate().Select(ApiWords));
        return options;
    }

    /// <summary>The pipeline's options for this job (the same checks and defaults as the CLI).</summary>
    public AnimateOptions ToAnimateOptions(string? landmarksPath, int renderThreads) => new()
    {
        FramesPerSecond = FramesPerSecond,
        Seed = Seed,
        Style = Extras.TryGetValue("style", out var style) && style.ValueKind == JsonValueKind.String && style.GetString() is { } s && s != "auto"
            && Enum.TryParse<Parla.Motion.MotionStyle>(s, ignoreCase: true, out var parsed) ? parsed : null,
        Language = Extras.TryGetValue("language", out var language) && language.ValueKind == JsonValueKind.String
            ? language.GetString() switch { "en" => LanguageMode.English, "none" => LanguageMode.None, _ => LanguageMode.Auto }
            : LanguageMode.Auto,
        Expressiveness = Extras.TryGetValue("expressiveness", out var e) && e.TryGetDouble(out var ev) ? ev : 1,
        HeadMotion = Extras.TryGetValue("headMotion", out var h) && h.TryGetDouble(out var hv) ? hv : 1,
        DegreeOfParallelism = renderThreads,
        Portrait = new PortraitOptions
        {
            MaxSidePixels = MaxSidePixels,
            FaceIndex = FaceIndex,
            LandmarksPath = landmarksPath,
        },
    };

    // AnimateOptions speaks in CLI flags (--max-size); the API's names are the JSON members.
    private static string ApiWords(string message) => message
        .Replace("--fps", "options.fps", StringComparison.Ordinal)
        .Replace("--max-size", "options.maxSize", StringComparison.Ordinal)
        .Replace("--face", "options.face", StringComparison.Ordinal)
        .Replace("--expressiveness", "options.expressiveness", StringComparison.Ordinal)
        .Replace("--head-motion", "options.headMotion", StringComparison.Ordinal);

    private static double? Number(JsonElement v, string name, List<string> errors)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d)) return d;
        errors.Add($"options.{name} must be a number.");
        return null;
    }

    private static int? Integer(JsonElement v, string name, List<string> errors)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        errors.Add($"options.{name} must be a whole number.");
        return null;
    }
}
