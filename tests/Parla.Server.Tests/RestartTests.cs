using System.Net;
using Parla.Server.Jobs;

namespace Parla.Server.Tests;

/// <summary>Jobs outlive the process: finished ones are kept, waiting ones run, an interrupted one runs once more.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_restart_with_jobs_queued_finishes_them_all()
    {
        var data = Directory.CreateTempSubdirectory("parla-restart-").FullName;
        try
        {
            var ids = new List<string>();
            // The first job renders 840 frames of 1024 × 1200 (several seconds), the others wait behind
            // it. The server stops as soon as the first is seen running, the others submitted after
            // that: a loaded machine once made the four submissions and the first poll long enough for a
            // 512-px render of the first job to finish before the stop.
            var big = Path.Combine(data, "big.png");
            Ffmpeg.Run("-i", TestData.Portrait("grace_hopper.jpg"), "-vf", "scale=1024:-2", big);
            await using (var first = await ServerHost.StartAsync(o => o with { Workers = 1 }, keepData: true, dataDirectory: data))
            {
                ids.Add(await first.SubmitAsync(ServerHost.JobForm(voice: "librivox_0870.wav", options: new { maxSize = 1024, fps = 120, language = "none" }, portraitPath: big)));
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while ((await first.JobAsync(ids[0])).GetProperty("status").GetString() == "queued")
                {
                    Assert.True(DateTime.UtcNow < deadline, "the first job never started");
                    await Task.Delay(20);
                }

                for (var i = 0; i < 3; i++)
                    ids.Add(await first.SubmitAsync(ServerHost.JobForm(voice: "librivox_0870.wav", options: new { maxSize = 512, fps = 120, language = "none" })));
            }
            var store = new SqliteJobStore(Path.Combine(data, "jobs.db"));
            Assert.All(ids, id => Assert.Equal(JobStatus.Queued, store.Find(id)!.Status));
            Assert.All(ids, id => Assert.Equal(0, store.Find(id)!.Attempts));

            await using var second = await ServerHost.StartAsync(o => o with { Workers = 2 }, dataDirectory: data);
            foreach (var id in ids)
                Assert.Equal("done", (await second.WaitFinishedAsync(id, 120)).GetProperty("status").GetString());
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_crash_a_running_job_is_queued_once_then_failed_and_finished_jobs_are_kept()
    {
        var data = Directory.CreateTempSubdirectory("parla-crash-").FullName;
        var store = new SqliteJobStore(Path.Combine(data, "jobs.db"));
        var files = new JobFiles(data);
        var created = DateTimeOffset.UtcNow.AddMinutes(-5);
        JobRecord Seed(JobStatus status, int attempts, DateTimeOffset? finished = null)
        {
            var id = JobFiles.NewId();
            Directory.CreateDirectory(files.Folder(id));
            File.Copy(TestData.Portrait("grace_hopper.jpg"), Path.Combine(files.Folder(id), "image.jpg"));
            File.Copy(TestData.Voice("librivox_0930.wav"), Path.Combine(files.Folder(id), "audio.wav"));
            var job = new JobRecord
            {
                Id = id,
                Status = status,
                Attempts = attempts,
                CreatedAt = created,
                FinishedAt = finished,
                Stage = status == JobStatus.Running ? "render" : null,
                Input = new JobInput(new JobOptions { MaxSidePixels = 96, FramesPerSecond = 10 }, "I have the right to animate this portrait.", "image.jpg", "audio.wav", null),
            };
            store.Add(job);
            return job;
        }
        var done = Seed(JobStatus.Done, 1, DateTimeOffset.UtcNow);
        await File.WriteAllTextAsync(files.Video(done.Id), "a finished video");
        var waiting = Seed(JobStatus.Queued, 0);
        var interruptedOnce = Seed(JobStatus.Running, 1);
        var interruptedTwice = Seed(JobStatus.Running, 2);
        // A folder without a record (a submission cut off halfway) is removed.
        var orphan = files.Folder(JobFiles.NewId());
        Directory.CreateDirectory(orphan);

        await using var server = await ServerHost.StartAsync(dataDirectory: data);
        Assert.Equal("done", (await server.WaitFinishedAsync(waiting.Id)).GetProperty("status").GetString());
        Assert.Equal("done", (await server.WaitFinishedAsync(interruptedOnce.Id)).GetProperty("status").GetString());
        var failed = await server.WaitFinishedAsync(interruptedTwice.Id);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(JobWorkers.InterruptedTwice, failed.GetProperty("error").GetString());
        Assert.Equal("done", (await server.JobAsync(done.Id)).GetProperty("status").GetString());
        Assert.Equal("a finished video", await server.Client.GetStringAsync($"/api/jobs/{done.Id}/video"));
        Assert.Equal(2, server.Store.Find(interruptedOnce.Id)!.Attempts);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Directory.Exists(orphan) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.False(Directory.Exists(orphan));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public void A_store_made_before_the_mouth_column_gains_it_and_keeps_its_jobs()
    {
        var data = Directory.CreateTempSubdirectory("parla-old-store-").FullName;
        var path = Path.Combine(data, "jobs.db");
        try
        {
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = """
                    CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, input TEXT NOT NULL, created_at TEXT NOT NULL,
                        stage TEXT, progress REAL NOT NULL DEFAULT 0, error TEXT, started_at TEXT, finished_at TEXT, attempts INTEGER NOT NULL DEFAULT 0);
                    INSERT INTO jobs (id, status, input, created_at, attempts) VALUES ('0123456789abcdef0123456789abcdef', 'queued',
                        '{"options":{"maxSidePixels":96},"consent":"I may.","imageFile":"image.jpg","audioFile":"audio.wav","landmarksFile":null}',
                        '2026-11-01T10:00:00.0000000Z', 0);
                    """;
                command.ExecuteNonQuery();
            }

            var store = new SqliteJobStore(path);
            var job = store.Find("0123456789abcdef0123456789abcdef")!;
            Assert.Equal(JobStatus.Queued, job.Status);
            Assert.Null(job.Mouth);
            store.Update(job with { Status = JobStatus.Done, Mouth = "the sound (--language none)" });
            Assert.Equal("the sound (--language none)", new SqliteJobStore(path).Find(job.Id)!.Mouth);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
