using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parla.Server.Jobs;

namespace Parla.Server.Tests;

/// <summary>
/// A real server (Kestrel on a free loopback port, the real pipeline) over a fresh data folder, and
/// an HttpClient for it. Disposing stops the server; the folder is removed unless <c>keepData</c>.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly bool _keepData;

    private ServerHost(WebApplication app, ServerOptions options, bool keepData)
    {
        App = app;
        Options = options;
        _keepData = keepData;
        Address = ParlaServer.Address(app);
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(120) };
        if (options.Token is not null) Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
    }

    public WebApplication App { get; }
    public ServerOptions Options { get; }
    public Uri Address { get; }
    public HttpClient Client { get; }
    public string DataDirectory => Options.DataDirectory;
    public IJobStore Store => App.Services.GetRequiredService<IJobStore>();

    /// <summary>Starts a server; <paramref name="configure"/> adjusts the options (data folder, limits, workers).</summary>
    public static async Task<ServerHost> StartAsync(Func<ServerOptions, ServerOptions>? configure = null, bool keepData = false, string? dataDirectory = null)
    {
        var options = new ServerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("parla-serve-test-").FullName,
        };
        options = configure?.Invoke(options) ?? options;
        var app = ParlaServer.Build(options, configureLogging: l => l.ClearProviders());
        await app.StartAsync();
        return new ServerHost(app, options, keepData);
    }

    /// <summary>A multipart submission of the given portrait and voice (test data names), consent given unless null.</summary>
    public static MultipartFormDataContent JobForm(string portrait = "grace_hopper.jpg", string voice = "librivox_0930.wav",
        object? options = null, string? consent = "I have the right to animate this portrait and voice; the video says it is synthetic.",
        string? imageFileName = null, string? audioFileName = null, string? portraitPath = null)
    {
        var form = new MultipartFormDataContent
        {
            { File(portraitPath ?? TestData.Portrait(portrait)), "image", imageFileName ?? portrait },
            { File(TestData.Voice(voice)), "audio", audioFileName ?? voice },
            { new StringContent(JsonSerializer.Serialize(options ?? new { maxSize = 96, fps = 10 })), "options" },
        };
        if (consent is not null) form.Add(new StringContent(consent), "consent");
        return form;
    }

    public static ByteArrayContent File(string path) => new(System.IO.File.ReadAllBytes(path));

    public async Task<string> SubmitAsync(MultipartFormDataContent? form = null)
    {
        using var response = await Client.PostAsync("/api/jobs", form ?? JobForm());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> JobAsync(string id)
    {
        using var response = await Client.GetAsync($"/api/jobs/{id}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls until the job is done, failed or cancelled; fails the test after <paramref name="timeoutSeconds"/>.</summary>
    public async Task<JsonElement> WaitFinishedAsync(string id, double timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var job = await JobAsync(id);
            Assert.True(job.GetProperty("status").ValueKind == JsonValueKind.String, $"job {id} is gone: {job}");
            var status = job.GetProperty("status").GetString();
            if (status is "done" or "failed" or "cancelled") return job;
            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {status} after {timeoutSeconds} s");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (!_keepData)
        {
            try { Directory.Delete(Options.DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}
