using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using Parla.Media;

namespace Parla.Provenance;

/// <summary>Provenance settings of one render.</summary>
public sealed record ProvenanceOptions
{
    /// <summary>The visible label (on by default; <c>--no-label</c> sets <see cref="LabelOptions.Enabled"/> false, which the manifest records).</summary>
    public LabelOptions Label { get; init; } = new();

    /// <summary>The watermark's strength.</summary>
    public WatermarkOptions Watermark { get; init; } = new();

    /// <summary>
    /// The manifest id, 32 hex digits; its first 16 are the watermark payload. Null draws a random one
    /// (from <see cref="Random"/> when set, for reproducible tests; else the system's secure generator).
    /// </summary>
    public string? ManifestId { get; init; }

    /// <summary>Source of the random manifest id when <see cref="ManifestId"/> is null; null uses <see cref="RandomNumberGenerator"/>.</summary>
    public Random? Random { get; init; }

    /// <summary>Clock for the manifest's creation time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Environment to find the signing key's folder in (PARLA_CONFIG_DIR, XDG_CONFIG_HOME, HOME); null: the process's.</summary>
    public IDictionary? Environment { get; init; }

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Label.Validate());
        if (ManifestId is not null && (ManifestId.Length != 32 || !ManifestId.All(Uri.IsHexDigit)))
            errors.Add($"ManifestId must be 32 hex digits, got \"{ManifestId}\".");
        if (Watermark.AmplitudeLevels is <= 0 or > 16) errors.Add($"Watermark.AmplitudeLevels must be in (0, 16], got {Watermark.AmplitudeLevels}.");
        return errors;
    }
}

/// <summary>
/// Marks the frames of one video and seals the result. Create it before rendering, call
/// <see cref="Apply(Frame, int)"/> on every frame (label, then watermark; thread-safe, so frames may be stamped
/// in parallel), and after the encoder has finished call <see cref="Seal"/>, which hashes the video
/// stream, signs the manifest and writes it beside the video and inside it.
/// </summary>
public sealed class ProvenanceStamp
{
    private readonly ProvenanceOptions _options;
    private readonly LabelOverlay? _label;
    private readonly WatermarkEmbedder _watermark;

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="ToolException">The label is on and no font is installed.</exception>
    public ProvenanceStamp(int width, int height, ProvenanceOptions? options = null)
    {
        _options = options ?? new ProvenanceOptions();
        var errors = _options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        ManifestId = (_options.ManifestId ?? NewManifestId(_options.Random)).ToLowerInvariant();
        WatermarkPayload = ulong.Parse(ManifestId.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        Width = width;
        Height = height;
        _label = _options.Label.Enabled ? new LabelOverlay(_options.Label, width, height) : null;
        _watermark = new WatermarkEmbedder(WatermarkKey.Project, WatermarkPayload, width, height, _options.Watermark);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>The manifest's id (32 lower-case hex digits).</summary>
    public string ManifestId { get; }

    /// <summary>The watermark payload: the first 64 bits of <see cref="ManifestId"/>.</summary>
    public ulong WatermarkPayload { get; }

    /// <summary>Where <see cref="Seal"/> writes the manifest for <paramref name="videoPath"/>.</summary>
    public static string ManifestPathFor(string videoPath) => videoPath + ".manifest.json";

    /// <summary>Draws the label (when on) and adds the watermark to <paramref name="frame"/> in place.</summary>
    public void Apply(Frame frame, int frameIndex) => Apply(frame, frameIndex, PixelRect.Full(Width, Height));

    /// <summary>
    /// Stamps only the pixels inside <paramref name="region"/>: for frames whose other pixels were stamped
    /// before (the mark and the label are the same in every frame).
    /// </summary>
    public void Apply(Frame frame, int frameIndex, PixelRect region)
    {
        _label?.Apply(frame, region);
        _watermark.Embed(frame, frameIndex, region);
    }

    /// <summary>
    /// Hashes the video stream of the finished MP4 at <paramref name="videoPath"/>, signs the manifest
    /// with the user's key (created on first use), writes it to <c>&lt;video&gt;.manifest.json</c>
    /// atomically and embeds it in the MP4 (a trailing uuid box: the video stream is not touched).
    /// </summary>
    /// <exception cref="InvalidInputException">The video is not a readable MP4.</exception>
    /// <exception cref="OutputException">The manifest or the key cannot be written.</exception>
    public Manifest Seal(string videoPath, ManifestClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var streamHash = Mp4Container.ComputeVideoStreamSha256(videoPath);
        using var key = SigningKeyStore.LoadOrCreate(_options.Environment);
        var manifest = Manifest.Create(claims, ManifestId, WatermarkPayload, _options.Label, streamHash,
            _options.TimeProvider.GetUtcNow(), key);
        var json = manifest.ToJson();
        OutputFile.WriteAllTextAtomic(ManifestPathFor(videoPath), json + "\n");
        Mp4Container.EmbedManifest(videoPath, json);
        return manifest;
    }

    private static string NewManifestId(Random? random)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (random is null) RandomNumberGenerator.Fill(bytes);
        else random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
