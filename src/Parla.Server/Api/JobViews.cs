using Parla.Server.Jobs;

namespace Parla.Server.Api;

/// <summary>Where a job's resources are.</summary>
public sealed record JobLinks(string Self, string Events, string Video, string Manifest);

/// <summary>A job as the API shows it (<c>GET /api/jobs/{id}</c> and each event of its stream).</summary>
/// <param name="Progress">0–1 over the whole job.</param>
/// <param name="EtaSeconds">Seconds left, estimated from the render's pace; null before the render starts.</param>
/// <param name="Error">Why the job failed, in the words the CLI prints.</param>
/// <param name="Mouth">Once done: what moved the mouth and why, as the CLI says it ("English phones (the voice is confidently English)", "the sound (noise or music under the voice: …)").</param>
public sealed record JobView(
    string Id, JobStatus Status, string? Stage, double Progress, double? EtaSeconds, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, JobLinks Links, string? Mouth = null)
{
    public static JobView From(JobRecord job, LiveProgress? live)
    {
        var running = job.Status == JobStatus.Running && live is not null;
        return new JobView(
            job.Id, job.Status,
            running ? live!.Stage : job.Stage,
            job.Status == JobStatus.Done ? 1 : running ? live!.Progress : job.Progress,
            running ? live!.EtaSeconds : null,
            job.Error, job.CreatedAt, job.FinishedAt, LinksOf(job.Id), job.Mouth);
    }

    public static JobLinks LinksOf(string id) =>
        new($"/api/jobs/{id}", $"/api/jobs/{id}/events", $"/api/jobs/{id}/video", $"/api/jobs/{id}/manifest");
}

/// <summary>The answer to a submission (202).</summary>
public sealed record JobAccepted(string Id, JobStatus Status, JobLinks Links);

/// <summary>The answer of <c>GET /healthz</c>.</summary>
public sealed record Health(string Status, string Version, int Queued, int QueueCapacity, int Workers, bool Verify);

/// <summary>The multipart form of <c>POST /api/jobs</c> (for the OpenAPI document; the handler reads the form itself).</summary>
public sealed class JobForm
{
    /// <summary>The portrait: JPEG, PNG or WebP.</summary>
    public required Microsoft.AspNetCore.Http.IFormFile Image { get; init; }

    /// <summary>The voice: any common audio format.</summary>
    public required Microsoft.AspNetCore.Http.IFormFile Audio { get; init; }

    /// <summary>Optional: the JSON of <c>parla landmarks --json</c>, or <c>{"points5": [[x,y] ×5]}</c>.</summary>
    public Microsoft.AspNetCore.Http.IFormFile? Landmarks { get; init; }

    /// <summary>Optional JSON: fps, maxSize, seed, face, label, style, expressiveness, headMotion.</summary>
    public string? Options { get; init; }

    /// <summary>Required: the consent statement recorded in the manifest.</summary>
    public required string Consent { get; init; }
}

/// <summary>The multipart form of <c>POST /api/landmarks</c>.</summary>
public sealed class ImageForm
{
    public required Microsoft.AspNetCore.Http.IFormFile Image { get; init; }
}

/// <summary>The multipart form of <c>POST /api/verify</c>.</summary>
public sealed class VideoForm
{
    public required Microsoft.AspNetCore.Http.IFormFile Video { get; init; }
}
