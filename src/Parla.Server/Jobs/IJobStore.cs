namespace Parla.Server.Jobs;

/// <summary>Where jobs are kept so that a restart loses none. Implementations are thread-safe.</summary>
public interface IJobStore
{
    /// <summary>Adds a new job; its id must be new.</summary>
    void Add(JobRecord job);

    /// <summary>The job with this id, or null.</summary>
    JobRecord? Find(string id);

    /// <summary>Replaces the stored job with the same id.</summary>
    void Update(JobRecord job);

    /// <summary>Jobs in any of <paramref name="statuses"/>, oldest first.</summary>
    IReadOnlyList<JobRecord> List(params JobStatus[] statuses);

    /// <summary>Removes a job (its files are the caller's business).</summary>
    void Remove(string id);
}
