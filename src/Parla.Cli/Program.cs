using System.CommandLine;

namespace Parla.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        _runStarted = StartOfThisRun();
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>
    /// When the process started, or when the launcher (<c>./parla</c>) handed over to it if that was
    /// later: the launcher's own build of the tool, after a change to its sources, is not the run's time.
    /// Null where the system does not say.
    /// </summary>
    private static DateTime? StartOfThisRun()
    {
        DateTime started;
        try
        {
            started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }

        if (long.TryParse(Environment.GetEnvironmentVariable("PARLA_LAUNCHED_NS"), out var nanoseconds) && nanoseconds > 0)
        {
            var handedOver = DateTime.UnixEpoch.AddTicks(nanoseconds / 100);
            if (handedOver > started && handedOver <= DateTime.UtcNow) return handedOver;
        }

        return started;
    }

    /// <summary>
    /// When this run started (<see cref="StartOfThisRun"/>: the runtime's start and the command line
    /// included, a launcher's build not), where Parla runs as its own process; null where it runs
    /// inside another (tests).
    /// </summary>
    private static DateTime? _runStarted;

    /// <summary>Seconds since the run started, or 0 where it is not Parla's own process (see <see cref="_runStarted"/>).</summary>
    internal static double SecondsSinceRunStarted() =>
        _runStarted is { } started ? Math.Max(0, (DateTime.UtcNow - started).TotalSeconds) : 0;

    /// <summary>Parses and runs a command line; every failure becomes a message and an exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // A plain command rather than RootCommand, so that help says "parla", not the assembly's file name.
        var root = new Command("parla",
            "Parla animates a single portrait with a voice recording: the face talks, blinks and moves.\n" +
            "Exit codes: 0 success, 1 failure (not the input's), 2 bad input, 3 missing program or model, 130 cancelled (Ctrl+C; 143 for SIGTERM, 129 for SIGHUP).")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(AnimateCommand.Create(output, error));
        root.Subcommands.Add(LandmarksCommand.Create(output, error));
        root.Subcommands.Add(RigCommand.Create(output, error));
        root.Subcommands.Add(PoseCommand.Create(output, error));
        root.Subcommands.Add(VerifyCommand.Create(output, error));
        root.Subcommands.Add(DemoCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) error.WriteLine($"parla: {e.Message}");
            error.WriteLine("Run 'parla --help' (or 'parla COMMAND --help') for usage.");
            return ExitCodes.BadInput;
        }
        // Ctrl+C, SIGTERM and SIGHUP cancel the token handed to the command's action (TerminationSignals);
        // System.CommandLine's own handling is off: it let the runtime end a synchronous command at once.
        using var signals = new TerminationSignals(error);
        try
        {
            var configuration = new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            };
            return parsed.InvokeAsync(configuration, signals.Token).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, error, args.Contains("--verbose"));
        }
    }

    /// <summary>The --verbose option shared by every command.</summary>
    internal static Option<bool> VerboseOption() => new("--verbose") { Description = "Show details: stack traces when something fails, and after animate the vector instructions it used and its peak memory." };
}
