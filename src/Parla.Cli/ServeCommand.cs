using System.CommandLine;
using System.Globalization;
using Parla.Server;

namespace Parla.Cli;

/// <summary><c>parla serve</c>: the web page and the HTTP API, on loopback unless told otherwise.</summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var defaults = new ServerOptions();
        var host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 or another IP address.", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "TCP port.", DefaultValueFactory = _ => defaults.Port };
        var data = new Option<string>("--data") { Description = "Folder for the job database and the jobs' files.", DefaultValueFactory = _ => defaults.DataDirectory };
        var workers = new Option<int>("--workers") { Description = "Jobs rendered at once.", DefaultValueFactory = _ => defaults.Workers };
        var queue = new Option<int>("--queue") { Description = "Jobs that may wait for a worker; more are refused with 429 and Retry-After.", DefaultValueFactory = _ => defaults.QueueCapacity };
        var token = new Option<string?>("--token") { Description = "Require 'Authorization: Bearer TOKEN' on every API call (the page asks for it once). Also read from $PARLA_TOKEN." };
        var ttl = new Option<double>("--ttl-hours") { Description = "Hours a finished job's video and files are kept.", DefaultValueFactory = _ => defaults.JobTimeToLive.TotalHours };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "Largest upload (all files of one request) in MiB.", DefaultValueFactory = _ => defaults.MaxUploadBytes / (1024.0 * 1024) };
        var maxPixels = new Option<double>("--max-image-megapixels") { Description = "Largest portrait in megapixels.", DefaultValueFactory = _ => defaults.MaxImagePixels / 1e6 };
        var maxAudio = new Option<double>("--max-audio-seconds") { Description = "Longest voice recording in seconds.", DefaultValueFactory = _ => defaults.MaxAudioSeconds };
        var verbose = Program.VerboseOption();
        var command = new Command("serve", "Serve the web page and the HTTP API (OpenAPI at /openapi/v1.json) for animating portraits.")
        {
            host, port, data, workers, queue, token, ttl, maxUpload, maxPixels, maxAudio, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                DataDirectory = parse.GetValue(data)!,
                Workers = parse.GetValue(workers),
                QueueCapacity = parse.GetValue(queue),
                Token = parse.GetValue(token) ?? NullIfEmpty(Environment.GetEnvironmentVariable("PARLA_TOKEN")),
                JobTimeToLive = TimeSpan.FromHours(Math.Max(0, parse.GetValue(ttl))),
                MaxUploadBytes = (long)(parse.GetValue(maxUpload) * 1024 * 1024),
                MaxImagePixels = (long)(parse.GetValue(maxPixels) * 1e6),
                MaxAudioSeconds = parse.GetValue(maxAudio),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var p in problems) error.WriteLine($"parla: {p}");
                return ExitCodes.BadInput;
            }
            try
            {
                await using var app = ParlaServer.Build(options);
                await app.StartAsync(cancellationToken);
                var url = ParlaServer.Address(app);
                output.WriteLine($"parla: serving on {url} (data in {Path.GetFullPath(options.DataDirectory)}); Ctrl+C stops.");
                if (!options.IsLoopback && options.Token is null)
                    error.WriteLine("parla: warning: listening beyond this machine without --token: anyone who can reach the port can use it. Give --token (or $PARLA_TOKEN).");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: stop cleanly; running jobs go back to the queue for the next start.
                }
                await app.StopAsync(CancellationToken.None);
                output.WriteLine("parla: stopped; a job that was running goes back to the queue for the next start.");
                return ExitCodes.Success;
            }
            catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                error.WriteLine($"parla: port {options.Port.ToString(CultureInfo.InvariantCulture)} on {options.Host} is already in use; choose another with --port.");
                return ExitCodes.BadInput;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, error, parse.GetValue(verbose));
            }
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
