using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parla.Face;
using Parla.Server.Api;
using Parla.Server.Jobs;

namespace Parla.Server;

/// <summary>
/// Builds the <c>parla serve</c> application: Kestrel on the configured address, the API, the page,
/// the job store and workers. The CLI runs it; tests host it on a free loopback port.
/// </summary>
public static class ParlaServer
{
    /// <summary>
    /// A render blocks thread-pool threads for seconds (the voice's analysis, frames rendered in
    /// parallel), and the pool adds threads beyond its minimum (the core count) only slowly; requests
    /// behind them waited: a job submission once took 8 s while the job before it started rendering
    /// (the restart test, about one run in five; with these threads up front, eight of eight runs
    /// passed and the submissions took 0.3–0.5 s). Enough threads up front keep the API answering.
    /// </summary>
    private static void KeepPoolThreadsForRequests(int renderWorkers)
    {
        ThreadPool.GetMinThreads(out var workerThreads, out var ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workerThreads, (renderWorkers * (Environment.ProcessorCount + 2)) + 8), ioThreads);
    }

    /// <summary>Builds (does not start) the server.</summary>
    /// <param name="configureServices">Runs after the defaults are registered, so tests and other stages can replace any of them (e.g. <see cref="IVideoVerifier"/>).</param>
    /// <exception cref="ArgumentException">The options are not valid (see <see cref="ServerOptions.Validate"/>).</exception>
    public static WebApplication Build(ServerOptions options, Action<IServiceCollection>? configureServices = null, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));
        var data = Directory.CreateDirectory(options.DataDirectory).FullName;
        KeepPoolThreadsForRequests(options.Workers);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ParlaServer).Assembly.GetName().Name,
            ContentRootPath = data,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The body limit is enforced while the request streams in, before anything is stored.
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            var address = string.Equals(options.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            kestrel.Listen(address, options.Port);
        });
        builder.Services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = options.MaxUploadBytes;
            form.ValueLengthLimit = 64 * 1024; // options JSON and the consent statement
            form.ValueCountLimit = 32;
            form.MemoryBufferThreshold = 1024 * 1024;
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.WriteIndented = false);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Parla";
            document.Info.Description = "Animate a portrait with a voice recording. Errors are application/problem+json.";
            return Task.CompletedTask;
        }));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IJobStore>(_ => new SqliteJobStore(Path.Combine(data, "jobs.db")));
        builder.Services.AddSingleton(new JobFiles(data));
        builder.Services.AddSingleton(new JobQueue(options.QueueCapacity));
        builder.Services.AddSingleton<JobBoard>();
        builder.Services.AddSingleton<UploadChecks>();
        builder.Services.AddSingleton(_ => new FaceModelStore(options.ModelCacheDirectory));
        builder.Services.AddSingleton<FaceService>();
        builder.Services.AddSingleton<IJobRenderer, AnimatorJobRenderer>();
        builder.Services.TryAddSingleton<IVideoVerifier, ProvenanceVerifier>();
        builder.Services.AddSingleton<JobWorkers>();
        builder.Services.AddHostedService(s => s.GetRequiredService<JobWorkers>());
        builder.Services.AddSingleton<JobJanitor>();
        builder.Services.AddHostedService(s => s.GetRequiredService<JobJanitor>());
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(10));
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(GuardApi(options));
        app.MapOpenApi();
        Endpoints.Map(app);
        PageFiles.Map(app);
        return app;
    }

    /// <summary>The address the started server listens on, e.g. <c>http://127.0.0.1:8080</c> (the real port when 0 was asked for).</summary>
    public static Uri Address(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.First());
    }

    /// <summary>
    /// In front of <c>/api</c>: the bearer token when one is set (compared in constant time), and no
    /// writes from another site's page (a browser sends a form to a loopback server without asking, CORS or not).
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> GuardApi(ServerOptions options)
    {
        var expected = options.Token is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.Token);
        return async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/api"))
            {
                await next(http);
                return;
            }
            if (expected is not null)
            {
                var given = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
                if (!CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                    await Problems.Of(StatusCodes.Status401Unauthorized, "this server needs a token: send 'Authorization: Bearer TOKEN' (the token given to 'parla serve --token').").ExecuteAsync(http);
                    return;
                }
            }
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) &&
                http.Request.Headers.Origin is { Count: > 0 } origin &&
                !(Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var from) && string.Equals(from.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            {
                await Problems.Of(StatusCodes.Status403Forbidden, "requests from another site's page are refused.").ExecuteAsync(http);
                return;
            }
            await next(http);
        };
    }
}
