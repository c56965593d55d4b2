using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parla.Server.Jobs;

namespace Parla.Server.Tests;

/// <summary>What a careless or hostile client may send: too much, the wrong thing, odd names, too many jobs, a cancel mid-render, no token.</summary>
public sealed class AbuseTests
{
    [Fact]
    public async Task Oversized_upload_is_refused_with_413_before_it_is_stored()
    {
        await using var server = await ServerHost.StartAsync(o => o with { MaxUploadBytes = 100 * 1024 });
        // As curl does for large bodies: the client waits for the server's go-ahead, so the refusal comes before the body is sent.
        server.Client.DefaultRequestHeaders.ExpectContinue = true;
        using var response = await server.Client.PostAsync("/api/jobs", ServerHost.JobForm(portrait: "astronaut.png"));
        var problem = await ApiTests.AssertProblem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger than the limit of 0.1 MiB", problem.GetProperty("detail").GetString());
        Assert.Empty(Directory.GetDirectories(Path.Combine(server.DataDirectory, "jobs")));

        // Chunked (no Content-Length): the body limit stops the read as it passes 100 KiB (the body is kept small
        // enough to sit in the socket buffers, so the client is still listening when the refusal comes).
        var chunked = new MultipartFormDataContent { { new StreamContent(new MemoryStream(new byte[120 * 1024])), "image", "big.png" } };
        chunked.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/landmarks") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var second = await server.Client.SendAsync(request);
        await ApiTests.AssertProblem(second, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Text_file_named_png_and_too_many_pixels_and_too_long_audio_are_refused()
    {
        await using var server = await ServerHost.StartAsync(o => o with { MaxImagePixels = 200 * 200, MaxAudioSeconds = 2 });
        var text = TestData.ScratchFile("text-named-portrait.png");
        await File.WriteAllTextAsync(text, "this is not a picture, whatever its name says");
        var fake = ServerHost.File(text);
        fake.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent
        {
            { fake, "image", "portrait.png" },
            { ServerHost.File(TestData.Voice("librivox_0930.wav")), "audio", "v.wav" },
            { new StringContent("consent given"), "consent" },
        };
        var problem = await ApiTests.AssertProblem(await server.Client.PostAsync("/api/jobs", form), HttpStatusCode.BadRequest);
        Assert.Equal("image: is not an image that can be decoded. Use a JPEG, PNG or WebP portrait.", problem.GetProperty("errors").GetProperty("image")[0].GetString());

        // A voice dropped where the portrait goes is named as what it is, as the CLI names it.
        using var swapped = new MultipartFormDataContent
        {
            { ServerHost.File(TestData.Voice("librivox_0930.wav")), "image", "portrait.png" },
            { ServerHost.File(TestData.Voice("librivox_0930.wav")), "audio", "v.wav" },
            { new StringContent("consent given"), "consent" },
        };
        problem = await ApiTests.AssertProblem(await server.Client.PostAsync("/api/jobs", swapped), HttpStatusCode.BadRequest);
        Assert.StartsWith("image: is a video or a sound file, not a still portrait", problem.GetProperty("errors").GetProperty("image")[0].GetString(), StringComparison.Ordinal);

        // grace_hopper.jpg is 512x512 (262 144 pixels), the voice about 3 s: both over these limits, both reported.
        problem = await ApiTests.AssertProblem(await server.Client.PostAsync("/api/jobs", ServerHost.JobForm()), HttpStatusCode.BadRequest);
        Assert.Contains("megapixels", problem.GetProperty("errors").GetProperty("image")[0].GetString());
        Assert.Contains("longer than the limit of 2 seconds", problem.GetProperty("errors").GetProperty("audio")[0].GetString());
        Assert.Empty(Directory.GetDirectories(Path.Combine(server.DataDirectory, "jobs")));
    }

    [Fact]
    public async Task File_names_are_never_used_as_paths()
    {
        var outside = Path.Combine(Path.GetTempPath(), "parla-escape-" + Guid.NewGuid().ToString("N"));
        await using var server = await ServerHost.StartAsync();
        var form = ServerHost.JobForm(imageFileName: "../../etc/passwd", audioFileName: "../../../" + Path.GetFileName(outside));
        var id = await server.SubmitAsync(form);
        var job = await server.WaitFinishedAsync(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        var names = Directory.GetFiles(Path.Combine(server.DataDirectory, "jobs", id)).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(new[] { "audio.wav", "image.jpg", "manifest.json", "video.mp4" }, names);
        Assert.False(File.Exists(outside));
        Assert.DoesNotContain(Directory.GetFiles(server.DataDirectory, "*", SearchOption.AllDirectories), f => f.Contains("passwd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Twenty_concurrent_submissions_against_a_queue_of_eight()
    {
        await using var server = await ServerHost.StartAsync(o => o with { QueueCapacity = 8, Workers = 1 });
        var image = await File.ReadAllBytesAsync(TestData.Portrait("grace_hopper.jpg"));
        var audio = await File.ReadAllBytesAsync(TestData.Voice("librivox_0930.wav"));
        var tasks = Enumerable.Range(0, 20).Select(async i =>
        {
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(image), "image", "p.jpg" },
                { new ByteArrayContent(audio), "audio", "v.wav" },
                { new StringContent("""{"maxSize": 64, "fps": 5}"""), "options" },
                { new StringContent("consent given"), "consent" },
            };
            using var response = await server.Client.PostAsync("/api/jobs", form);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Body: body);
        }).ToList();
        var results = await Task.WhenAll(tasks);

        var accepted = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        var refused = results.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(20, accepted.Count + refused.Count);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.True(r.RetryAfter >= TimeSpan.FromSeconds(1), "429 without Retry-After"));
        Assert.InRange(accepted.Count, 8, 19);
        var ids = accepted.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()!).ToList();
        foreach (var id in ids)
            Assert.Equal("done", (await server.WaitFinishedAsync(id, 120)).GetProperty("status").GetString());
        Assert.Equal(ids.Count, server.Store.List(JobStatus.Done).Count);
    }

    [Fact]
    public async Task Cancel_during_a_render_stops_it_within_a_second_and_removes_its_files()
    {
        await using var server = await ServerHost.StartAsync();
        // About 7 s of voice at 120 fps (850 frames) of Grace Hopper scaled to 2048 px wide (2048×2498,
        // kept whole with maxSize 4096): seconds of rendering, so that the poll below sees it under way
        // even on a loaded machine. At 1536 px the faster renderer once finished between two polls of
        // a loaded full run.
        var big = Path.Combine(Path.GetTempPath(), $"parla-big-{Guid.NewGuid():N}.png");
        Ffmpeg.Run("-i", TestData.Portrait("grace_hopper.jpg"), "-vf", "scale=2048:-2", big);
        var id = await server.SubmitAsync(ServerHost.JobForm(voice: "librivox_0870.wav", options: new { maxSize = 4096, fps = 120 }, portraitPath: big));
        File.Delete(big);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await server.JobAsync(id);
            // As soon as frames are being written: rendering 840 frames now takes only a second or two.
            if (job.GetProperty("stage").GetString() == "render" && job.GetProperty("progress").GetDouble() > 0) break;
            Assert.NotEqual("done", job.GetProperty("status").GetString());
            Assert.True(DateTime.UtcNow < deadline, "the render never started");
            await Task.Delay(20);
        }
        var clock = Stopwatch.StartNew();
        using var response = await server.Client.DeleteAsync($"/api/jobs/{id}");
        var elapsed = clock.Elapsed;
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"cancelling took {elapsed.TotalMilliseconds:0} ms");
        var after = await server.JobAsync(id);
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "jobs", id)));
        await ApiTests.AssertProblem(await server.Client.GetAsync($"/api/jobs/{id}/video"), HttpStatusCode.Conflict);
        // No ffmpeg left writing a partial file anywhere under the data folder.
        await Task.Delay(300);
        Assert.DoesNotContain(Directory.GetFiles(server.DataDirectory, "*.partial", SearchOption.AllDirectories), _ => true);

        // Deleting a finished (cancelled) job removes its record.
        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        await ApiTests.AssertProblem(await server.Client.GetAsync($"/api/jobs/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_token_is_required_on_every_api_call_when_set()
    {
        await using var server = await ServerHost.StartAsync(o => o with { Token = "s3cret-token" });
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        using var refused = await anonymous.GetAsync($"/api/jobs/{new string('0', 32)}");
        await ApiTests.AssertProblem(refused, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        await ApiTests.AssertProblem(await anonymous.PostAsync("/api/jobs", ServerHost.JobForm()), HttpStatusCode.Unauthorized);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong-token!");
        await ApiTests.AssertProblem(await anonymous.GetAsync("/api/jobs/x"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/")).StatusCode);
        // The right token gets through to the API.
        await ApiTests.AssertProblem(await server.Client.GetAsync($"/api/jobs/{new string('0', 32)}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Finished_jobs_expire_after_their_ttl()
    {
        // Long enough that the poll below sees the job done before it expires, even on a loaded machine.
        await using var server = await ServerHost.StartAsync(o => o with { JobTimeToLive = TimeSpan.FromSeconds(3) });
        var id = await server.SubmitAsync();
        Assert.Equal("done", (await server.WaitFinishedAsync(id)).GetProperty("status").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await server.Client.GetAsync($"/api/jobs/{id}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job did not expire");
            await Task.Delay(100);
        }
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "jobs", id)));
    }
}
