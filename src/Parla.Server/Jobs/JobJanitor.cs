using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Parla.Server.Jobs;

/// <summary>
/// Removes finished jobs (record and files) once they are older than <see cref="ServerOptions.JobTimeToLive"/>,
/// and at start-up any job folder the store does not know (a submission cut off between its files and its record).
/// </summary>
public sealed class JobJanitor(ServerOptions options, IJobStore store, JobFiles files, TimeProvider time, ILogger<JobJanitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RemoveOrphans();
        // Sweep often enough that a job lives at most a quarter of its TTL too long, but at least once a minute.
        var period = TimeSpan.FromTicks(Math.Clamp(options.JobTimeToLive.Ticks / 4, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromMinutes(1).Ticks));
        using var timer = new PeriodicTimer(period, time);
        do
        {
            try
            {
                Sweep();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Removing expired jobs failed; trying again later.");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>Removes every finished job older than the TTL; returns how many.</summary>
    public int Sweep()
    {
        var cutoff = time.GetUtcNow() - options.JobTimeToLive;
        var removed = 0;
        foreach (var job in store.List(Jobs.JobStatus.Done, Jobs.JobStatus.Failed, Jobs.JobStatus.Cancelled))
        {
            if (job.FinishedAt is not { } finished || finished > cutoff) continue;
            files.Delete(job.Id);
            store.Remove(job.Id);
            removed++;
        }
        if (removed > 0) log.LogInformation("Removed {Count} expired job(s).", removed);
        return removed;
    }

    private void RemoveOrphans()
    {
        foreach (var id in files.FolderIds().ToList())
        {
            if (store.Find(id) is not null) continue;
            files.Delete(id);
            log.LogInformation("Removed the folder of unknown job {Id}.", id);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
