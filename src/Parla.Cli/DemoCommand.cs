using System.CommandLine;
using Parla.Pipeline;
using Parla.Provenance;

namespace Parla.Cli;

/// <summary><c>parla demo</c>: renders the bundled portrait and voice into out/demo.mp4.</summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outPath = new Option<string>("--output", "-o") { Description = "Where to write the demo video.", DefaultValueFactory = _ => Path.Combine("out", "demo.mp4") };
        var verbose = Program.VerboseOption();
        var command = new Command("demo", "Render the bundled demo (demo/portrait.png speaking demo/voice.flac) into out/demo.mp4.")
        {
            outPath, verbose,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                var demo = FindDemoFolder();
                var target = Path.GetFullPath(parse.GetValue(outPath)!);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var progress = ConsoleProgress.ForStandardError();
                var request = new AnimateRequest(Path.Combine(demo, "portrait.png"), Path.Combine(demo, "voice.flac"), target, new AnimateOptions
                {
                    // The demo portrait is a public-domain NASA photo; the voice a public-domain LibriVox reading.
                    Consent = ConsentStatement.Create("Demo of public-domain media: NASA portrait photo and LibriVox recording (see demo/SOURCES.md)."),
                });
                var result = new Animator(CliModels.Store(error)).Run(request, progress, cancellationToken);
                foreach (var warning in result.Warnings) error.WriteLine($"parla: warning: {warning}");
                output.WriteLine($"parla: the demo video is at {result.OutputPath} ({result.DurationSeconds:0.0} s, {result.Width}x{result.Height}, rendered in {result.ElapsedSeconds:0.0} s)");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, error, parse.GetValue(verbose)));
            }
        });
        return command;
    }

    private static string FindDemoFolder()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "demo");
                if (File.Exists(Path.Combine(candidate, "portrait.png"))) return candidate;
            }
        }
        throw new InvalidInputException("demo/", "the bundled demo inputs were not found.", "Run './parla demo' from the Parla repository.");
    }
}
