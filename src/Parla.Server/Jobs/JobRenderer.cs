using System.Security.Cryptography;
using System.Text.Json;
using Parla.Face;
using Parla.Media;
using Parla.Pipeline;

namespace Parla.Server.Jobs;

/// <summary>Everything a renderer needs for one job, with full paths inside the job's folder.</summary>
public sealed record RenderWork(
    string Id, string ImagePath, string AudioPath, string? LandmarksPath, JobOptions Options, string Consent,
    string VideoPath, string ManifestPath, int RenderThreads);

/// <summary>Turns one job's inputs into its video and manifest. Must write both atomically (temporary name, then rename).</summary>
public interface IJobRenderer
{
    void Render(RenderWork work, IProgress<PipelineProgress> progress, CancellationToken cancellationToken);
}

/// <summary>
/// The real pipeline (<see cref="Animator"/>), then a manifest beside the video. The manifest here is
/// the server's own record of the job (inputs' hashes, options, consent); the provenance stage's signed
/// manifest takes its place once the library writes one.
/// </summary>
public sealed class AnimatorJobRenderer(FaceModelStore models, TimeProvider time) : IJobRenderer
{
    public void Render(RenderWork work, IProgress<PipelineProgress> progress, CancellationToken cancellationToken)
    {
        // Consent and label travel with the job; the pipeline takes them once AnimateOptions has them.
        var options = work.Options.ToAnimateOptions(work.LandmarksPath, work.RenderThreads);
        var result = new Animator(models).Run(new AnimateRequest(work.ImagePath, work.AudioPath, work.VideoPath, options), progress, cancellationToken);
        var manifest = new
        {
            format = "parla.job",
            version = 1,
            tool = $"Parla {typeof(Animator).Assembly.GetName().Version?.ToString(3)}",
            job = work.Id,
            createdAt = time.GetUtcNow(),
            digitalSourceType = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
            consent = work.Consent,
            label = work.Options.Label,
            options = work.Options,
            inputs = new
            {
                image = new { sha256 = Sha256(work.ImagePath) },
                audio = new { sha256 = Sha256(work.AudioPath) },
                landmarks = work.LandmarksPath is null ? null : new { sha256 = Sha256(work.LandmarksPath) },
            },
            output = new
            {
                sha256 = Sha256(work.VideoPath),
                frames = result.FrameCount,
                width = result.Width,
                height = result.Height,
                durationSeconds = Math.Round(result.DurationSeconds, 3),
            },
        };
        OutputFile.WriteAllTextAtomic(work.ManifestPath, JsonSerializer.Serialize(manifest, ManifestJson));
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
