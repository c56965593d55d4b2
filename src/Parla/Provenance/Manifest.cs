using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parla.Provenance;

/// <summary>What the pipeline knows about a video's making, before the video exists.</summary>
public sealed record ManifestClaims
{
    /// <summary>SHA-256 (lower-case hex) of the source portrait file.</summary>
    public required string SourceImageSha256 { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the source audio file; null for a silent video.</summary>
    public string? SourceAudioSha256 { get; init; }

    /// <summary>The user's consent statement.</summary>
    public required ConsentStatement Consent { get; init; }

    /// <summary>Generation parameters worth recording (style, seed, fps, …), as strings.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Claims for the given input files, hashing them.</summary>
    /// <exception cref="InvalidInputException">A file cannot be read.</exception>
    public static ManifestClaims ForInputs(string imagePath, string? audioPath, ConsentStatement consent,
        IReadOnlyDictionary<string, string>? parameters = null) => new()
    {
        SourceImageSha256 = Sha256OfFile(imagePath),
        SourceAudioSha256 = audioPath is null ? null : Sha256OfFile(audioPath),
        Consent = consent,
        Parameters = parameters ?? new Dictionary<string, string>(),
    };

    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256OfFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message}).", inner: e);
        }
    }
}

/// <summary>The manifest could not be parsed: not JSON, or a required claim is missing or malformed.</summary>
public sealed class ManifestFormatException : ParlaException
{
    public ManifestFormatException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A signed provenance record of one video. The signature (ECDSA P-256 over SHA-256, IEEE P1363
/// r‖s, base64) covers the canonical JSON (<see cref="CanonicalJson"/>) of the whole manifest with
/// <c>signature.value</c> removed — every claim and the public key — so editing any of them, or
/// the video stream whose hash is a claim, makes verification fail.
/// </summary>
public sealed class Manifest
{
    public const string FormatName = "parla-manifest/1";
    public const string ToolName = "Parla";
    public const string SignatureAlgorithm = "ES256";

    /// <summary>IPTC digital source type for media created by a trained model.</summary>
    public const string TrainedAlgorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

    private readonly JsonObject _json;

    private Manifest(JsonObject json)
    {
        _json = json;
        var claims = json["claims"] as JsonObject ?? throw new ManifestFormatException("The manifest has no claims object.");
        ManifestId = Required(claims, "manifestId");
        Tool = Required(claims, "tool");
        ToolVersion = Required(claims, "toolVersion");
        Created = Required(claims, "created");
        DigitalSourceType = Required(claims, "digitalSourceType");
        SourceImageSha256 = Required(claims, "sourceImageSha256");
        SourceAudioSha256 = Optional(claims, "sourceAudioSha256");
        Consent = Required(claims, "consent");
        var watermark = claims["watermark"] as JsonObject ?? throw new ManifestFormatException("The manifest has no watermark claim.");
        var payloadHex = Required(watermark, "payload");
        if (payloadHex.Length != 16 || !ulong.TryParse(payloadHex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var payload))
            throw new ManifestFormatException($"The watermark payload \"{payloadHex}\" is not 16 hex digits.");
        WatermarkPayload = payload;
        var stream = claims["videoStream"] as JsonObject ?? throw new ManifestFormatException("The manifest has no videoStream claim.");
        VideoStreamSha256 = Required(stream, "sha256");
        VideoStreamHashMethod = Required(stream, "method");
        var label = claims["visibleLabel"] as JsonObject ?? throw new ManifestFormatException("The manifest has no visibleLabel claim.");
        LabelEnabled = label["enabled"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
        LabelText = Optional(label, "text");
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (claims["parameters"] is JsonObject p)
            foreach (var (key, value) in p) parameters[key] = value is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : "";
        Parameters = parameters;
        var signature = json["signature"] as JsonObject ?? throw new ManifestFormatException("The manifest is not signed (no signature object).");
        Algorithm = Required(signature, "algorithm");
        PublicKey = Required(signature, "publicKey");
        Signature = Required(signature, "value");
    }

    public string ManifestId { get; }
    public string Tool { get; }
    public string ToolVersion { get; }
    /// <summary>Creation time, UTC, ISO-8601 (e.g. 2025-05-01T12:00:00Z).</summary>
    public string Created { get; }
    public string DigitalSourceType { get; }
    public string SourceImageSha256 { get; }
    public string? SourceAudioSha256 { get; }
    public string Consent { get; }
    public ulong WatermarkPayload { get; }
    public string VideoStreamSha256 { get; }
    public string VideoStreamHashMethod { get; }
    public bool LabelEnabled { get; }
    public string? LabelText { get; }
    public IReadOnlyDictionary<string, string> Parameters { get; }
    public string Algorithm { get; }
    /// <summary>The signer's public key, SubjectPublicKeyInfo DER in base64.</summary>
    public string PublicKey { get; }
    public string Signature { get; }

    /// <summary>Short fingerprint of the signing key: the first 16 hex digits of SHA-256 of its DER.</summary>
    public string SignerKeyId
    {
        get
        {
            try { return Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(PublicKey)))[..16]; }
            catch (FormatException) { return "(malformed key)"; }
        }
    }

    /// <summary>The Parla version string recorded as the tool version.</summary>
    public static string CurrentToolVersion { get; } =
        typeof(Manifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(Manifest).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Builds and signs a manifest.</summary>
    public static Manifest Create(ManifestClaims claims, string manifestId, ulong watermarkPayload, LabelOptions label,
        string videoStreamSha256, DateTimeOffset createdUtc, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(key);
        var parameters = new JsonObject();
        foreach (var (k, v) in claims.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) parameters[k] = v;
        var claimsJson = new JsonObject
        {
            ["manifestId"] = manifestId,
            ["tool"] = ToolName,
            ["toolVersion"] = CurrentToolVersion,
            ["created"] = createdUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["digitalSourceType"] = TrainedAlgorithmicMedia,
            ["sourceImageSha256"] = claims.SourceImageSha256,
            ["consent"] = claims.Consent.Text,
            ["parameters"] = parameters,
            ["visibleLabel"] = new JsonObject
            {
                ["enabled"] = label.Enabled,
                ["text"] = label.Enabled ? label.Text : null,
                ["position"] = label.Enabled ? label.Position.ToString() : null,
            },
            ["watermark"] = new JsonObject
            {
                ["scheme"] = WatermarkKey.SchemeName,
                ["payload"] = watermarkPayload.ToString("x16", CultureInfo.InvariantCulture),
            },
            ["videoStream"] = new JsonObject
            {
                ["method"] = Mp4Container.StreamHashMethod,
                ["sha256"] = videoStreamSha256,
            },
        };
        if (claims.SourceAudioSha256 is not null) claimsJson["sourceAudioSha256"] = claims.SourceAudioSha256;
        var json = new JsonObject
        {
            ["format"] = FormatName,
            ["claims"] = claimsJson,
            ["signature"] = new JsonObject
            {
                ["algorithm"] = SignatureAlgorithm,
                ["publicKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            },
        };
        var signature = key.SignData(SignedBytes(json), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        json["signature"]!["value"] = Convert.ToBase64String(signature);
        return new Manifest(json);
    }

    /// <summary>Parses a manifest's JSON text (does not check the signature: see <see cref="VerifySignature"/>).</summary>
    /// <exception cref="ManifestFormatException">Not JSON, or a required claim is missing.</exception>
    public static Manifest Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"The manifest is not valid JSON ({e.Message}).", e);
        }
        if (node is not JsonObject obj) throw new ManifestFormatException("The manifest is not a JSON object.");
        if (obj["format"] is not JsonValue f || f.GetValueKind() != JsonValueKind.String || f.GetValue<string>() != FormatName)
            throw new ManifestFormatException($"The manifest's format is not {FormatName}.");
        try
        {
            return new Manifest(obj);
        }
        catch (InvalidOperationException e)
        {
            throw new ManifestFormatException($"The manifest has a claim of the wrong type ({e.Message}).", e);
        }
    }

    /// <summary>True when the signature is valid for the claims and the public key in the manifest.</summary>
    public bool VerifySignature()
    {
        if (Algorithm != SignatureAlgorithm) return false;
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(PublicKey), out _);
            if (key.KeySize != 256) return false;
            var copy = (JsonObject)_json.DeepClone();
            return key.VerifyData(SignedBytes(copy), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return false;
        }
    }

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => _json.ToJsonString(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The bytes signed: canonical JSON of the manifest without signature.value (removed from <paramref name="json"/>).</summary>
    private static byte[] SignedBytes(JsonObject json)
    {
        if (json["signature"] is JsonObject signature) signature.Remove("value");
        return CanonicalJson.Serialize(json);
    }

    private static string Required(JsonObject obj, string name) =>
        Optional(obj, name) ?? throw new ManifestFormatException($"The manifest has no \"{name}\" claim.");

    private static string? Optional(JsonObject obj, string name) =>
        obj[name] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw new ManifestFormatException($"The manifest's \"{name}\" is not a string."),
        };
}
