using System.Text.Json.Serialization;

namespace Parla.Server.Jobs;

/// <summary>Where a job is in its life. Only <see cref="Queued"/> and <see cref="Running"/> can still change.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>What a job was asked to make: options, the consent statement and its input files (names chosen by the server).</summary>
/// <param name="ImageFile">File name of the portrait inside the job's folder.</param>
/// <param name="AudioFile">File name of the voice inside the job's folder.</param>
/// <param name="LandmarksFile">File name of the uploaded landmarks (468-point JSON or points5), or null to detect the face.</param>
public sealed record JobInput(JobOptions Options, string Consent, string ImageFile, string AudioFile, string? LandmarksFile);

/// <summary>One job as the store keeps it. Progress while rendering lives in memory (<see cref="JobBoard"/>), not here.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }
    public required JobStatus Status { get; init; }
    public required JobInput Input { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Stage { get; init; }
    public double Progress { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How many times a worker has started this job; a job found running after a crash is re-queued only while this is 1.</summary>
    public int Attempts { get; init; }

    /// <summary>What moved the mouth and why, once the job is done (<see cref="Parla.Pipeline.AnimateResult.Mouth"/>).</summary>
    public string? Mouth { get; init; }

    public bool IsFinished => Status is JobStatus.Done or JobStatus.Failed or JobStatus.Cancelled;
}
