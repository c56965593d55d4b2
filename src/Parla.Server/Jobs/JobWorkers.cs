using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parla.Pipeline;
using Parla.Server.Api;

namespace Parla.Server.Jobs;

/// <summary>
/// Renders queued jobs, <see cref="ServerOptions.Workers"/> at a time. At start it recovers what a
/// previous process left: waiting jobs wait again; a job that was running is queued once more, and
/// failed with a reason if it was already retried once.
/// </summary>
public sealed class JobWorkers(
    ServerOptions options, IJobStore store, JobQueue queue, JobBoard board, JobFiles files,
    IJobRenderer renderer, TimeProvider time, ILogger<JobWorkers> log) : BackgroundService
{
    /// <summary>Shown for a job that was running in two processes that both stopped without finishing it.</summary>
    public const string InterruptedTwice = "the server stopped twice while rendering this job; it was not tried again.";

    private double _averageSeconds = 10;

    /// <summary>A rough wait for a new job: the queue's length times a recent render's duration, shared by the workers.</summary>
    public TimeSpan EstimatedWait() =>
        TimeSpan.FromSeconds(Math.Ceiling(Math.Max(1, (queue.Count + 1) * Volatile.Read(ref _averageSeconds) / options.Workers)));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Recover();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = Enumerable.Range(0, options.Workers)
            .Select(_ => Task.Factory.StartNew(() => WorkLoop(stoppingToken), stoppingToken,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
        return Task.WhenAll(loops);
    }

    private void Recover()
    {
        foreach (var job in store.List(JobStatus.Running))
        {
            if (job.Attempts >= 2)
            {
                store.Update(job with { Status = JobStatus.Failed, Error = InterruptedTwice, FinishedAt = time.GetUtcNow() });
                log.LogWarning("Job {Id} failed: {Reason}", job.Id, InterruptedTwice);
            }
            else
            {
                store.Update(job with { Status = JobStatus.Queued, Stage = null, Progress = 0 });
                log.LogInformation("Job {Id} was running when the server stopped; queued again.", job.Id);
            }
        }
        // Oldest first, re-queued ones included; the bound on the queue applies to new submissions only.
        foreach (var job in store.List(JobStatus.Queued)) queue.Restore(job.Id);
    }

    private async Task WorkLoop(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            string id;
            try
            {
                id = await queue.TakeAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                RunOne(id, stoppingToken);
            }
            catch (Exception e)
            {
                // The store itself failed: log it and keep serving; the job is recovered at the next start.
                log.LogError(e, "Job {Id}: the worker failed outside the render.", id);
            }
        }
    }

    private void RunOne(string id, CancellationToken stoppingToken)
    {
        JobRecord job;
        CancellationToken cancellation;
        lock (board.StatusGate)
        {
            var found = store.Find(id);
            if (found is null || found.Status != JobStatus.Queued) return;
            job = found with { Status = JobStatus.Running, StartedAt = time.GetUtcNow(), Attempts = found.Attempts + 1, Stage = "starting", Progress = 0 };
            store.Update(job);
            cancellation = board.Start(id, stoppingToken);
        }
        var folder = files.Folder(id);
        var work = new RenderWork(
            id,
            Path.Combine(folder, job.Input.ImageFile),
            Path.Combine(folder, job.Input.AudioFile),
            job.Input.LandmarksFile is null ? null : Path.Combine(folder, job.Input.LandmarksFile),
            job.Input.Options, job.Input.Consent,
            files.Video(id), files.Manifest(id),
            options.RenderThreads ?? Math.Max(1, Environment.ProcessorCount / options.Workers));
        var clock = Stopwatch.StartNew();
        try
        {
            var mouth = renderer.Render(work, new StageProgress(id, board, store, clock), cancellation);
            cancellation.ThrowIfCancellationRequested();
            var seconds = clock.Elapsed.TotalSeconds;
            Volatile.Write(ref _averageSeconds, 0.7 * Volatile.Read(ref _averageSeconds) + 0.3 * seconds);
            Finish(id, current => current with { Status = JobStatus.Done, Stage = "done", Progress = 1, FinishedAt = time.GetUtcNow(), Mouth = mouth });
            log.LogInformation("Job {Id} done in {Seconds:0.0} s.", id, seconds);
        }
        catch (OperationCanceledException) when (board.WasCancelled(id))
        {
            // DELETE asked for it; the files go now that ffmpeg has let go of them.
            files.Delete(id);
            Finish(id, current => current with { Status = JobStatus.Cancelled, FinishedAt = time.GetUtcNow() });
            log.LogInformation("Job {Id} cancelled.", id);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping: the job was not at fault, so it waits for the next start without using up its retry.
            Finish(id, current => current with { Status = JobStatus.Queued, Stage = null, Progress = 0, Attempts = current.Attempts - 1, StartedAt = null });
            log.LogInformation("Job {Id} interrupted by shutdown; queued for the next start.", id);
        }
        catch (Exception e)
        {
            var fields = new Dictionary<string, string>
            {
                [work.ImagePath] = "image",
                [work.AudioPath] = "audio",
                [work.VideoPath] = "video",
                [folder] = "job",
            };
            if (work.LandmarksPath is not null) fields[work.LandmarksPath] = "landmarks";
            var (_, message) = ErrorText.Describe(e, fields);
            Finish(id, current => current with { Status = JobStatus.Failed, Error = message, FinishedAt = time.GetUtcNow() });
            log.LogWarning("Job {Id} failed: {Message}", id, message);
        }
        finally
        {
            board.End(id);
        }
    }

    /// <summary>Writes a running job's outcome, unless a client cancelled (or deleted) it meanwhile.</summary>
    private void Finish(string id, Func<JobRecord, JobRecord> outcome)
    {
        lock (board.StatusGate)
        {
            var current = store.Find(id);
            if (current is { Status: JobStatus.Running }) store.Update(outcome(current));
            else if (current is null || current.Status == JobStatus.Cancelled) files.Delete(id);
        }
    }

    /// <summary>
    /// Maps the pipeline's stages onto one 0–1 fraction and an estimate of the time left. The
    /// weights are rough shares of a typical run's time; only the render stage reports frames.
    /// </summary>
    private sealed class StageProgress(string id, JobBoard board, IJobStore store, Stopwatch clock) : IProgress<PipelineProgress>
    {
        private static readonly Dictionary<string, (double Start, double End)> Weights = new()
        {
            ["voice"] = (0.00, 0.05),
            ["face"] = (0.05, 0.15),
            ["motion"] = (0.15, 0.17),
            ["phones"] = (0.17, 0.20), // English phones, decoded within the motion stage
            ["render"] = (0.20, 1.00),
            ["sign"] = (1.00, 1.00),
        };
        private string _stage = "";
        private TimeSpan _renderStart;

        public void Report(PipelineProgress value)
        {
            var (start, end) = Weights.GetValueOrDefault(value.Stage, (0.0, 0.0));
            var fraction = start + (end - start) * value.Fraction;
            double? eta = null;
            if (value.Stage != _stage)
            {
                _stage = value.Stage;
                _renderStart = clock.Elapsed;
                // Stage changes are few: keep them in the store too, so a reader after a crash sees where it stopped.
                lock (board.StatusGate)
                {
                    if (store.Find(id) is { Status: JobStatus.Running } current)
                        store.Update(current with { Stage = value.Stage, Progress = fraction });
                }
            }
            if (value.Stage == "render" && value.Done > 0 && value.Total > 0)
            {
                var perFrame = (clock.Elapsed - _renderStart).TotalSeconds / value.Done;
                eta = Math.Round(perFrame * (value.Total - value.Done), 1);
            }
            board.Report(id, new LiveProgress(value.Stage, Math.Round(fraction, 4), eta));
        }
    }
}
