using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parla.Provenance;

/// <summary>What <see cref="Verifier"/> found about a video.</summary>
public sealed record VerifyReport
{
    /// <summary>The video is Parla's and nothing contradicts it.</summary>
    public const int Authentic = 0;
    /// <summary>No trace of Parla: no watermark, no manifest.</summary>
    public const int NoTrace = 1;
    /// <summary>Traces contradict each other or were tampered with.</summary>
    public const int Contradiction = 2;

    public required string VideoPath { get; init; }

    /// <summary>The watermark detection result; null when detection could not run (see <see cref="Problems"/>).</summary>
    public WatermarkResult? Watermark { get; init; }

    /// <summary>"embedded", "file" (given with --manifest), "sidecar" (&lt;video&gt;.manifest.json found beside it) or "none".</summary>
    public required string ManifestSource { get; init; }

    /// <summary>The manifest read, when one was found and parsed.</summary>
    public Manifest? Manifest { get; init; }

    public bool? SignatureValid { get; init; }
    public bool? StreamMatches { get; init; }
    public bool? PayloadAgrees { get; init; }

    /// <summary>Findings that contradict the video's provenance (any makes the exit code 2).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Findings worth knowing that contradict nothing (e.g. "manifest absent").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>0 authentic, 1 no trace, 2 contradiction (see the constants).</summary>
    public int ExitCode => Problems.Count > 0 ? Contradiction
        // A pilot found without a decodable payload is only a note: the study measured about 1e-3 such
        // false syncs per clean clip, while a payload that also passes its CRC-24 is ~1e-10.
        : Watermark is { Present: true } || Manifest is not null ? Authentic
        : NoTrace;

    /// <summary>One line saying what the exit code means here.</summary>
    public string Verdict => ExitCode switch
    {
        Authentic => "made by Parla (AI-generated); nothing contradicts its provenance",
        NoTrace => "no trace of Parla found (no watermark, no manifest)",
        _ => "provenance contradicted or tampered with",
    };

    /// <summary>The report as indented JSON (for <c>parla verify --json</c>).</summary>
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["video"] = VideoPath,
            ["exitCode"] = ExitCode,
            ["verdict"] = Verdict,
            ["watermark"] = Watermark is { } w ? new JsonObject
            {
                ["present"] = w.Present,
                ["found"] = Describe(w),
                ["syncFound"] = w.SyncFound,
                ["payload"] = w.Payload?.ToString("x16", CultureInfo.InvariantCulture),
                ["score"] = Math.Round(w.Confidence, 2),
                ["threshold"] = w.Threshold,
                ["codedBitAccuracy"] = w.CodedBitAccuracy is { } a ? Math.Round(a, 4) : null,
                ["framesAnalysed"] = w.FramesAnalysed,
                ["foundThrough"] = w.Edit?.ToString(),
                ["foundInside"] = w.Inside?.ToString(),
                ["foundFromSeconds"] = w.FromSeconds,
            } : null,
            ["manifest"] = new JsonObject
            {
                ["source"] = ManifestSource,
                ["present"] = Manifest is not null,
                ["signatureValid"] = SignatureValid,
                ["streamMatches"] = StreamMatches,
                ["payloadAgrees"] = PayloadAgrees,
                ["manifestId"] = Manifest?.ManifestId,
                ["payload"] = Manifest?.WatermarkPayload.ToString("x16", CultureInfo.InvariantCulture),
                ["signerKeyId"] = Manifest?.SignerKeyId,
                ["tool"] = Manifest is { } m ? $"{m.Tool} {m.ToolVersion}" : null,
                ["created"] = Manifest?.Created,
                ["consent"] = Manifest?.Consent,
                ["digitalSourceType"] = Manifest?.DigitalSourceType,
                ["visibleLabel"] = Manifest?.LabelEnabled,
            },
            ["problems"] = new JsonArray(Problems.Select(p => (JsonNode?)p).ToArray()),
            ["notes"] = new JsonArray(Notes.Select(p => (JsonNode?)p).ToArray()),
        };
        return json.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }

    /// <summary>What the watermark search found, in words: "present, payload …, in a copy mirrored", "not found".</summary>
    private static string Describe(WatermarkResult w)
    {
        var state = w.Present ? $"present, payload {w.Payload:x16}" : w.SyncFound ? "pattern found, payload unreadable" : "not found";
        if (w.Edit is { } edit) state += $", in a copy {edit}";
        if (w.Inside is { } inside) state += $", in the picture {inside} of a larger frame";
        if (w.FromSeconds is { } from) state += string.Create(CultureInfo.InvariantCulture, $", in the frames from {from:0.0} s");
        return state;
    }

    /// <summary>The report for people.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine($"{VideoPath}: {Verdict}");
        if (Watermark is { } w)
        {
            var state = Describe(w);
            text.AppendLine(CultureInfo.InvariantCulture, $"  watermark: {state} (score {w.Confidence:0.0}, threshold {w.Threshold:0.0}, {w.FramesAnalysed} frames)");
        }
        if (Manifest is { } m)
        {
            text.AppendLine($"  manifest:  {ManifestSource}, id {m.ManifestId}, signature {(SignatureValid == true ? "valid" : "INVALID")}, key {m.SignerKeyId}");
            text.AppendLine($"             stream {(StreamMatches == true ? "matches the signed hash" : "DOES NOT match the signed hash")}");
            text.AppendLine($"             made by {m.Tool} {m.ToolVersion} on {m.Created}; label {(m.LabelEnabled ? "on" : "off")}");
            text.AppendLine($"             consent: \"{m.Consent}\"");
        }
        else
        {
            text.AppendLine("  manifest:  absent");
        }
        foreach (var p in Problems) text.AppendLine($"  problem:   {p}");
        foreach (var n in Notes) text.AppendLine($"  note:      {n}");
        return text.ToString();
    }
}

/// <summary>Checks a video's watermark and manifest against each other.</summary>
public static class Verifier
{
    /// <summary>
    /// Verifies <paramref name="videoPath"/>: detects the watermark, reads the manifest (from
    /// <paramref name="manifestPath"/> when given, else embedded in the MP4, else
    /// <c>&lt;video&gt;.manifest.json</c> beside it), checks its signature, the video stream against
    /// the signed hash, and that the watermark payload and the manifest agree.
    /// </summary>
    /// <exception cref="InvalidInputException">The video, or the given manifest file, does not exist.</exception>
    public static VerifyReport Verify(string videoPath, string? manifestPath = null, WatermarkDetectorOptions? detectorOptions = null,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(videoPath)) throw new InvalidInputException(videoPath, "does not exist.");
        if (manifestPath is not null && !File.Exists(manifestPath)) throw new InvalidInputException(manifestPath, "does not exist.");
        var problems = new List<string>();
        var notes = new List<string>();

        WatermarkResult? watermark = null;
        try
        {
            watermark = WatermarkDetector.Detect(videoPath, options: detectorOptions, cancellationToken: cancellationToken);
            if (watermark is { SyncFound: true, Present: false })
                notes.Add("a Parla watermark pattern was found but its payload could not be read (heavily degraded copy?).");
        }
        catch (InvalidInputException e)
        {
            notes.Add($"the watermark could not be checked: {e.Message}");
        }

        // The manifest: given, embedded, or beside the video.
        string? json = null;
        var source = "none";
        if (manifestPath is not null)
        {
            json = File.ReadAllText(manifestPath);
            source = "file";
        }
        else
        {
            try
            {
                json = Mp4Container.ReadEmbeddedManifest(videoPath);
                if (json is not null) source = "embedded";
            }
            catch (InvalidInputException)
            {
                // Not an MP4 (a re-encoded WebM, say): no embedded manifest.
            }
            var sidecar = ProvenanceStamp.ManifestPathFor(videoPath);
            if (json is null && File.Exists(sidecar))
            {
                json = File.ReadAllText(sidecar);
                source = "sidecar";
            }
        }

        Manifest? manifest = null;
        bool? signatureValid = null, streamMatches = null, payloadAgrees = null;
        if (json is not null)
        {
            try
            {
                manifest = Manifest.Parse(json);
            }
            catch (ManifestFormatException e)
            {
                problems.Add($"the {source} manifest is unreadable or incomplete: {e.Message}");
            }
        }
        else
        {
            notes.Add("manifest absent (no embedded manifest and none beside the video); a re-encoded or edited copy loses it.");
        }

        if (manifest is not null)
        {
            signatureValid = manifest.VerifySignature();
            if (signatureValid == false) problems.Add("bad signature: the manifest's claims were changed after signing, or it was not signed by the key it names.");

            if (manifest.VideoStreamHashMethod != Mp4Container.StreamHashMethod)
            {
                streamMatches = false;
                problems.Add($"the manifest's stream hash uses an unknown method ({manifest.VideoStreamHashMethod}).");
            }
            else
            {
                try
                {
                    streamMatches = string.Equals(Mp4Container.ComputeVideoStreamSha256(videoPath), manifest.VideoStreamSha256, StringComparison.OrdinalIgnoreCase);
                }
                catch (InvalidInputException e)
                {
                    streamMatches = false;
                    notes.Add($"the video stream could not be hashed: {e.Message}");
                }
                if (streamMatches == false)
                    problems.Add("the video stream does not match the signed hash: it was re-encoded or edited after signing, or the manifest belongs to another video.");
            }

            if (watermark is { Present: true, Payload: { } payload })
            {
                payloadAgrees = payload == manifest.WatermarkPayload;
                if (payloadAgrees == false)
                    problems.Add($"the watermark payload {payload:x16} disagrees with the manifest's {manifest.WatermarkPayload:x16}: the manifest belongs to another video.");
            }
            else
            {
                notes.Add("the watermark was not detected, so it cannot be compared with the manifest.");
            }
            if (!manifest.LabelEnabled) notes.Add("the visible 'AI-generated' label was turned off when this video was made.");
        }

        return new VerifyReport
        {
            VideoPath = videoPath,
            Watermark = watermark,
            ManifestSource = manifest is null && json is null ? "none" : source,
            Manifest = manifest,
            SignatureValid = signatureValid,
            StreamMatches = streamMatches,
            PayloadAgrees = payloadAgrees,
            Problems = problems,
            Notes = notes,
        };
    }
}
