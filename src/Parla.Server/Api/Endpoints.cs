using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Parla.Media;
using Parla.Server.Jobs;

namespace Parla.Server.Api;

/// <summary>The HTTP API: jobs, landmarks, verify, health.</summary>
public static class Endpoints
{
    private const string Multipart = "multipart/form-data";

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Parla");

        api.MapPost("/jobs", SubmitAsync)
            .Accepts<JobForm>(Multipart)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(413).ProducesProblem(429)
            .WithSummary("Submit a portrait and a voice; the whole job in one request.")
            .DisableAntiforgery();
        api.MapGet("/jobs/{id}", Get)
            .Produces<JobView>().ProducesProblem(404)
            .WithSummary("A job's status, stage, progress and time left.");
        api.MapGet("/jobs/{id}/events", EventsAsync)
            .Produces<JobView>(200, "text/event-stream").ProducesProblem(404)
            .WithSummary("The job's status as Server-Sent Events (event: status) until it ends.");
        api.MapGet("/jobs/{id}/video", (string id, bool? download, IServiceProvider s) => File(id, JobFiles.VideoName, "video/mp4", download, s))
            .Produces(200, contentType: "video/mp4").ProducesProblem(404).ProducesProblem(409)
            .WithSummary("The MP4 (range requests supported); ?download=true for an attachment.");
        api.MapGet("/jobs/{id}/manifest", (string id, bool? download, IServiceProvider s) => File(id, JobFiles.ManifestName, "application/json", download, s))
            .Produces(200, contentType: "application/json").ProducesProblem(404).ProducesProblem(409)
            .WithSummary("The job's manifest.");
        api.MapDelete("/jobs/{id}", DeleteAsync)
            .Produces(204).ProducesProblem(404)
            .WithSummary("Cancel a job (within a second when rendering) and remove its files.");
        api.MapPost("/landmarks", LandmarksAsync)
            .Accepts<ImageForm>(Multipart)
            .Produces(200, contentType: "application/json").ProducesProblem(400).ProducesProblem(413)
            .WithSummary("The faces of an image: the JSON of 'parla landmarks --json', plus points5 and contours.")
            .DisableAntiforgery();
        api.MapPost("/verify", VerifyAsync)
            .Accepts<VideoForm>(Multipart)
            .Produces(200, contentType: "application/json").ProducesProblem(400)
            .WithSummary("Read a video's provenance: the JSON of 'parla verify --json'.")
            .DisableAntiforgery();
        app.MapGet("/healthz", (ServerOptions o, JobQueue q, IVideoVerifier v) =>
                TypedResults.Ok(new Health("ok", typeof(Endpoints).Assembly.GetName().Version?.ToString(3) ?? "0", q.Count, q.Capacity, o.Workers, v.IsAvailable)))
            .WithTags("Parla").WithSummary("Liveness and queue length.");
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, ServerOptions options, IJobStore store, JobQueue queue,
        JobBoard board, JobFiles files, UploadChecks checks, JobWorkers workers, TimeProvider time, CancellationToken ct)
    {
        var (form, problem) = await ReadFormAsync(http, options, ct);
        if (form is null) return problem!;

        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var l) ? l : errors[field] = []).Add(message);
        var image = form.Files.GetFile("image");
        var audio = form.Files.GetFile("audio");
        var landmarks = form.Files.GetFile("landmarks");
        if (image is null || image.Length == 0) Add("image", "a portrait is required (a JPEG, PNG or WebP image).");
        if (audio is null || audio.Length == 0) Add("audio", "a voice recording is required.");
        var consent = form["consent"].ToString().Trim();
        if (consent.Length == 0)
            Add("consent", "a consent statement is required: say that you have the right to animate this likeness and voice, and that the result will be disclosed as synthetic.");
        else if (!Parla.Provenance.ConsentStatement.TryCreate(consent, out _, out var consentProblem))
            Add("consent", consentProblem);
        else if (consent.Length > 2000) Add("consent", "the consent statement is longer than 2000 characters.");
        var optionProblems = new List<string>();
        var jobOptions = JobOptions.Parse(form["options"].ToString(), optionProblems);
        foreach (var p in optionProblems) Add("options", p);
        if (errors.Count > 0) return Problems.Fields(errors);

        // A place in the queue is reserved before any file is kept, so a full queue costs no disk.
        if (!queue.TryReserve())
        {
            var wait = workers.EstimatedWait();
            http.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests,
                $"the queue is full ({queue.Capacity} jobs waiting); try again in about {wait.TotalSeconds:0} seconds.");
        }
        var id = JobFiles.NewId();
        var folder = files.Folder(id);
        var enqueued = false;
        try
        {
            Directory.CreateDirectory(folder);
            var problems = new List<string>();
            var imageName = await checks.SaveImageAsync(image!, folder, "image", problems, ct);
            foreach (var p in problems) Add("image", p);
            problems.Clear();
            var audioName = await checks.SaveAudioAsync(audio!, folder, problems, ct);
            foreach (var p in problems) Add("audio", p);
            problems.Clear();
            string? landmarksName = null;
            if (landmarks is { Length: > 0 })
            {
                landmarksName = await checks.SaveLandmarksAsync(landmarks, folder, problems, ct);
                foreach (var p in problems) Add("landmarks", p);
            }
            if (errors.Count > 0) return Problems.Fields(errors);

            store.Add(new JobRecord
            {
                Id = id,
                Status = JobStatus.Queued,
                Input = new JobInput(jobOptions, consent, imageName!, audioName!, landmarksName),
                CreatedAt = time.GetUtcNow(),
            });
            queue.Enqueue(id);
            enqueued = true;
            board.Pulse();
            var links = JobView.LinksOf(id);
            return TypedResults.Accepted(links.Self, new JobAccepted(id, JobStatus.Queued, links));
        }
        finally
        {
            if (!enqueued)
            {
                queue.Release();
                files.Delete(id);
            }
        }
    }

    private static IResult Get(string id, IJobStore store, JobBoard board)
    {
        if (!JobFiles.IsValidId(id) || store.Find(id) is not { } job) return Problems.NotFound(id);
        return TypedResults.Ok(JobView.From(job, board.Progress(id)));
    }

    private static async Task EventsAsync(HttpContext http, string id, IJobStore store, JobBoard board, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var ct = http.RequestAborted;
        if (!JobFiles.IsValidId(id) || store.Find(id) is null)
        {
            await Problems.NotFound(id).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var last = "";
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var changed = board.Changed; // taken before reading, so no change is missed
                var job = store.Find(id);
                if (job is null)
                {
                    await http.Response.WriteAsync("event: gone\ndata: {}\n\n", ct);
                    return;
                }
                var view = JobSerializer(JobView.From(job, board.Progress(id)), json.Value.SerializerOptions);
                if (view != last)
                {
                    await http.Response.WriteAsync($"event: status\ndata: {view}\n\n", Encoding.UTF8, ct);
                    await http.Response.Body.FlushAsync(ct);
                    last = view;
                }
                if (job.IsFinished) return;
                // At most about five events a second; a comment every 15 s keeps proxies from closing the stream.
                await Task.Delay(200, ct);
                if (await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(15), ct)) != changed)
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static string JobSerializer(JobView view, JsonSerializerOptions options) => JsonSerializer.Serialize(view, options);

    private static IResult File(string id, string name, string contentType, bool? download, IServiceProvider services)
    {
        var store = services.GetRequiredService<IJobStore>();
        var files = services.GetRequiredService<JobFiles>();
        if (!JobFiles.IsValidId(id) || store.Find(id) is not { } job) return Problems.NotFound(id);
        if (job.Status != JobStatus.Done)
            return Problems.Of(StatusCodes.Status409Conflict, $"job {id} is {job.Status.ToString().ToLowerInvariant()}; its files exist once it is done.");
        var path = Path.Combine(files.Folder(id), name);
        if (!System.IO.File.Exists(path)) return Problems.NotFound(id);
        var downloadName = download == true ? $"parla-{id[..8]}{Path.GetExtension(name)}" : null;
        return TypedResults.PhysicalFile(path, contentType, downloadName, System.IO.File.GetLastWriteTimeUtc(path), enableRangeProcessing: true);
    }

    private static async Task<IResult> DeleteAsync(string id, IJobStore store, JobQueue queue, JobBoard board, JobFiles files, TimeProvider time)
    {
        if (!JobFiles.IsValidId(id)) return Problems.NotFound(id);
        bool running;
        lock (board.StatusGate)
        {
            var job = store.Find(id);
            if (job is null) return Problems.NotFound(id);
            if (job.IsFinished)
            {
                // A finished job: its record and files go together.
                files.Delete(id);
                store.Remove(id);
                board.Pulse();
                return TypedResults.NoContent();
            }
            queue.Remove(id);
            store.Update(job with { Status = JobStatus.Cancelled, FinishedAt = time.GetUtcNow() });
            running = job.Status == JobStatus.Running;
        }
        // The worker sees the cancellation within a frame batch; wait for it to let go of the files.
        if (running) await board.CancelAsync(id, TimeSpan.FromSeconds(5));
        files.Delete(id);
        board.Pulse();
        return TypedResults.NoContent();
    }

    private static async Task<IResult> LandmarksAsync(HttpContext http, ServerOptions options, UploadChecks checks, FaceService faces, CancellationToken ct)
    {
        var (form, problem) = await ReadFormAsync(http, options, ct);
        if (form is null) return problem!;
        var image = form.Files.GetFile("image");
        if (image is null || image.Length == 0)
            return Problems.Fields(new() { ["image"] = ["a portrait is required (a JPEG, PNG or WebP image)."] });
        var folder = Directory.CreateTempSubdirectory("parla-landmarks-").FullName;
        try
        {
            var problems = new List<string>();
            var name = await checks.SaveImageAsync(image, folder, "image", problems, ct);
            if (name is null) return Problems.Fields(new() { ["image"] = problems });
            using var frame = ImageLoader.Decode(await System.IO.File.ReadAllBytesAsync(Path.Combine(folder, name), ct), "image");
            ImageLoader.FlattenAlpha(frame);
            var json = await faces.LandmarksAsync(frame, ct);
            return Results.Text(json.ToJsonString(), "application/json", Encoding.UTF8);
        }
        catch (Exception e) when (e is ParlaException)
        {
            var (status, message) = ErrorText.Describe(e, new Dictionary<string, string> { [folder] = "image" });
            return Problems.Of(status, message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<IResult> VerifyAsync(HttpContext http, ServerOptions options, IVideoVerifier verifier, CancellationToken ct)
    {
        var (form, problem) = await ReadFormAsync(http, options, ct);
        if (form is null) return problem!;
        var video = form.Files.GetFile("video");
        if (video is null || video.Length == 0) return Problems.Fields(new() { ["video"] = ["a video file is required."] });
        var head = new byte[Uploads.ContentSniffer.HeadLength];
        await using (var s = video.OpenReadStream())
            head = head[..await s.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct)];
        var kind = Uploads.ContentSniffer.VideoKind(head);
        if (kind is null)
            return Problems.Fields(new() { ["video"] = [new InvalidInputException("video", "is not a video that can be read.", "Use an MP4 or WebM file.").Message] });
        var folder = Directory.CreateTempSubdirectory("parla-verify-").FullName;
        var path = Path.Combine(folder, "video." + kind);
        try
        {
            await using (var target = new FileStream(path, FileMode.CreateNew))
                await video.CopyToAsync(target, ct);
            var report = await Task.Run(() => verifier.VerifyJson(path, ct), ct);
            return Results.Text(report, "application/json", Encoding.UTF8);
        }
        catch (ParlaException e)
        {
            var (status, message) = ErrorText.Describe(e, new Dictionary<string, string> { [path] = "video" });
            return Problems.Of(status, message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Reads the multipart form within the limits set on Kestrel and <see cref="FormOptions"/>; a body
    /// over the limit is refused while it streams in, never after it was stored.
    /// </summary>
    private static async Task<(IFormCollection? Form, IResult? Problem)> ReadFormAsync(HttpContext http, ServerOptions options, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "send the files as multipart/form-data."));
        var tooLarge = $"the upload is larger than the limit of {options.MaxUploadBytes / (1024.0 * 1024):0.#} MiB.";
        if (http.Request.ContentLength > options.MaxUploadBytes)
            return (null, Problems.Of(StatusCodes.Status413PayloadTooLarge, tooLarge));
        try
        {
            return (await http.Request.ReadFormAsync(ct), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Of(StatusCodes.Status413PayloadTooLarge, tooLarge));
        }
        catch (InvalidDataException e)
        {
            // FormOptions limits (value length, part count, body length) and malformed multipart bodies.
            var status = e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
            return (null, Problems.Of(status, status == 413 ? tooLarge : $"the form cannot be read ({e.Message})."));
        }
    }
}
