using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Parla.Server.Tests;

/// <summary>The API through the real pipeline on real portraits and voices, one server for the class.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async Task InitializeAsync() => _server = await ServerHost.StartAsync(o => o with { Workers = 2, RenderThreads = 1 });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    [Fact]
    public async Task Job_renders_a_video_served_with_ranges_and_a_manifest()
    {
        var id = await _server.SubmitAsync(ServerHost.JobForm(options: new { maxSize = 128, fps = 12, seed = 3, style = "calm" }));
        Assert.Matches("^[0-9a-f]{32}$", id);

        // The event stream reports until the job ends; its last event says done.
        using var events = await Client.GetAsync($"/api/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        var stream = await events.Content.ReadAsStringAsync();
        var last = stream.Split("\n").Last(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        var final = JsonDocument.Parse(last).RootElement;
        Assert.Equal("done", final.GetProperty("status").GetString());
        Assert.Equal(1.0, final.GetProperty("progress").GetDouble());

        var job = await _server.JobAsync(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal("English phones (the voice is confidently English)", job.GetProperty("mouth").GetString());
        Assert.True(job.GetProperty("finishedAt").GetDateTimeOffset() >= job.GetProperty("createdAt").GetDateTimeOffset());

        using var whole = await Client.GetAsync($"/api/jobs/{id}/video");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType?.MediaType);
        var bytes = await whole.Content.ReadAsByteArrayAsync();
        Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/video");
        range.Headers.Range = new RangeHeaderValue(100, 199);
        using var part = await Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[100..200], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(bytes.Length, part.Content.Headers.ContentRange?.Length);

        using var download = await Client.GetAsync($"/api/jobs/{id}/video?download=true");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);

        // The signed provenance manifest of the video.
        var manifest = await Client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}/manifest");
        Assert.Equal("parla-manifest/1", manifest.GetProperty("format").GetString());
        var claims = manifest.GetProperty("claims");
        Assert.Contains("right to animate", claims.GetProperty("consent").GetString());
        Assert.True(claims.GetProperty("visibleLabel").GetProperty("enabled").GetBoolean());
        Assert.Equal("128", claims.GetProperty("parameters").GetProperty("maxSize").GetString());
    }

    [Fact]
    public async Task Landmarks_give_the_cli_json_plus_points5_left_first()
    {
        using var form = new MultipartFormDataContent { { ServerHost.File(TestData.Portrait("grace_hopper.jpg")), "image", "g.jpg" } };
        using var response = await Client.PostAsync("/api/landmarks", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var face = json.GetProperty("faces")[0];
        Assert.Equal(468, face.GetProperty("points").GetArrayLength());
        Assert.Equal(4, face.GetProperty("box").GetArrayLength());
        var p = json.GetProperty("points5").EnumerateArray().Select(e => (X: e[0].GetDouble(), Y: e[1].GetDouble())).ToArray();
        Assert.Equal(5, p.Length);
        Assert.True(p[0].X < p[1].X, "eyes left first");
        Assert.True(p[3].X < p[4].X, "mouth corners left first");
        Assert.True(p[0].Y < p[2].Y && p[1].Y < p[2].Y, "eyes above the nose tip");
        Assert.True(p[2].Y < p[3].Y && p[2].Y < p[4].Y, "nose tip above the mouth corners");
        Assert.True(p[0].X < p[2].X && p[2].X < p[1].X, "nose between the eyes");
        // The nose tip is landmark 1.
        Assert.Equal(face.GetProperty("points")[1][0].GetDouble(), p[2].X, 2);
        Assert.True(json.GetProperty("contours").GetProperty("lips").GetArrayLength() > 10);
    }

    [Fact]
    public async Task Landmarks_of_an_image_without_a_face_is_an_empty_list()
    {
        var path = TestData.ScratchFile("no-face-grey.png");
        using (var bitmap = new SkiaSharp.SKBitmap(200, 160))
        {
            bitmap.Erase(new SkiaSharp.SKColor(128, 128, 128));
            using var file = File.Create(path);
            bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 90);
        }
        using var form = new MultipartFormDataContent { { ServerHost.File(path), "image", "grey.png" } };
        var json = await (await Client.PostAsync("/api/landmarks", form)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, json.GetProperty("faces").GetArrayLength());
        Assert.False(json.TryGetProperty("points5", out _));
        Assert.Equal(200, json.GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task Consent_is_required()
    {
        using var response = await Client.PostAsync("/api/jobs", ServerHost.JobForm(consent: null));
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("consent statement is required", problem.GetProperty("errors").GetProperty("consent")[0].GetString());
    }

    [Fact]
    public async Task Bad_options_are_reported_all_together_with_the_api_names()
    {
        using var response = await Client.PostAsync("/api/jobs", ServerHost.JobForm(options: new { fps = 500, maxSize = 10, label = "yes" }));
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        var messages = problem.GetProperty("errors").GetProperty("options").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(messages, m => m!.StartsWith("options.fps must be between 1 and 120", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.StartsWith("options.maxSize must be between 64 and 8192", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.Contains("options.label must be true or false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_points5_landmarks_file_is_passed_through_and_a_bad_one_refused()
    {
        var points5 = """{"points5": [[219,191],[308,188],[268,245],[231,277],[303,274]]}""";
        var form = ServerHost.JobForm();
        form.Add(new StringContent(points5), "landmarks", "face.json");
        var id = await _server.SubmitAsync(form);
        var stored = Path.Combine(_server.DataDirectory, "jobs", id, "landmarks.json");
        var record = _server.Store.Find(id)!;
        Assert.Equal("landmarks.json", record.Input.LandmarksFile);
        Assert.Equal(points5, await File.ReadAllTextAsync(stored));
        await _server.WaitFinishedAsync(id);

        var bad = ServerHost.JobForm();
        bad.Add(new StringContent("""{"points5": [[1,2],[3,4]]}"""), "landmarks", "face.json");
        using var response = await Client.PostAsync("/api/jobs", bad);
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("points5 must be five", problem.GetProperty("errors").GetProperty("landmarks")[0].GetString());
    }

    [Fact]
    public async Task A_full_landmarks_file_from_the_landmarks_endpoint_drives_the_job()
    {
        using var lmForm = new MultipartFormDataContent { { ServerHost.File(TestData.Portrait("grace_hopper.jpg")), "image", "g.jpg" } };
        var landmarks = await (await Client.PostAsync("/api/landmarks", lmForm)).Content.ReadAsStringAsync();
        var form = ServerHost.JobForm();
        form.Add(new StringContent(landmarks), "landmarks", "face.json");
        var job = await _server.WaitFinishedAsync(await _server.SubmitAsync(form));
        Assert.Equal("done", job.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Verify_recognises_a_job_video_and_refuses_a_non_video()
    {
        var job = await _server.WaitFinishedAsync(await _server.SubmitAsync(ServerHost.JobForm()));
        Assert.Equal("done", job.GetProperty("status").GetString());
        var id = job.GetProperty("id").GetString();
        var video = await Client.GetByteArrayAsync($"/api/jobs/{id}/video");
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(video), "video", "made.mp4" } })
        {
            var report = await (await Client.PostAsync("/api/verify", form)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0, report.GetProperty("exitCode").GetInt32());
            Assert.True(report.GetProperty("manifest").GetProperty("signatureValid").GetBoolean());
        }
        using var junk = new MultipartFormDataContent { { new ByteArrayContent(new byte[64]), "video", "v.mp4" } };
        using var response = await Client.PostAsync("/api/verify", junk);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_job_is_404_problem()
    {
        await AssertProblem(await Client.GetAsync($"/api/jobs/{new string('a', 32)}"), HttpStatusCode.NotFound);
        await AssertProblem(await Client.GetAsync("/api/jobs/..%2F..%2Fetc/video"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Openapi_document_and_health_and_page()
    {
        var doc = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/events", "/api/jobs/{id}/video", "/api/jobs/{id}/manifest", "/api/landmarks", "/api/verify", "/healthz" })
            Assert.True(paths.TryGetProperty(p, out _), $"{p} missing from the OpenAPI document");
        var health = await Client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        using var page = await Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Another_sites_page_cannot_submit()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = ServerHost.JobForm() };
        request.Headers.Add("Origin", "https://elsewhere.example");
        await AssertProblem(await Client.SendAsync(request), HttpStatusCode.Forbidden);
    }

    internal static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain("   at ", body); // no stack trace
        return problem;
    }
}
