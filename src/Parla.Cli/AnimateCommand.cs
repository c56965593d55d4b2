using System.CommandLine;
using Parla.Pipeline;
using Parla.Provenance;

namespace Parla.Cli;

/// <summary><c>parla animate IMAGE AUDIO -o OUT.mp4</c>: the whole pipeline.</summary>
internal static class AnimateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("image") { Description = "The portrait: a JPEG, PNG or WebP image with one or more faces." };
        var audio = new Argument<string>("audio") { Description = "The voice: any audio (or video with sound) that ffmpeg decodes." };
        var outPath = new Option<string>("--output", "-o") { Description = "The MP4 to write (H.264 + AAC), named .mp4, .m4v or .mov.", Required = true };
        var fps = new Option<double>("--fps") { Description = "Frames per second.", DefaultValueFactory = _ => 25 };
        var seed = new Option<int>("--seed") { Description = "Seed for blinks and idle motion: same inputs and seed give the same video.", DefaultValueFactory = _ => 0 };
        var motionJson = new Option<string?>("--motion-json") { Description = "Also write the per-frame face state (jaw, lips, blinks, head) to this JSON file." };
        var consent = new Option<string?>("--consent") { Description = $"Your statement that the person shown agreed, e.g. \"I am the person shown\" or \"I have the subject's written permission\" (or set {ConsentStatement.EnvironmentVariable}). Required; recorded in the signed manifest." };
        var label = new LabelArguments();
        var language = new Option<string>("--language") { Description = "Mouth from English phones (en), from the sound alone for any language or singing (none), or English phones when the voice is confidently English speech, fits the English acoustic model and is not noisy (auto).", DefaultValueFactory = _ => "auto" };
        language.AcceptOnlyFromAmong("auto", "en", "none");
        var style = new Option<string>("--style") { Description = "Performance style: neutral, calm, happy, energetic, singing, or auto (singing when the voice holds notes).", DefaultValueFactory = _ => "auto" };
        style.AcceptOnlyFromAmong("auto", "neutral", "calm", "happy", "energetic", "singing");
        var expressiveness = new Option<double>("--expressiveness") { Description = "How strongly the face acts, 0..2 (mouth, brows, nods, gaze).", DefaultValueFactory = _ => 1 };
        var headMotion = new Option<double>("--head-motion") { Description = "How much the head moves, 0 (still) .. 2.", DefaultValueFactory = _ => 1 };
        var motionIn = new Option<string?>("--motion-in") { Description = "Render this per-frame face state (parla.motion JSON, as --motion-json writes) instead of generating one from the voice." };
        var verbose = Program.VerboseOption();

        var command = new Command("animate", "Animate a portrait with a voice recording and write a talking-head MP4.")
        {
            image, audio, outPath, fps, seed, motionJson, consent, language, style, expressiveness, headMotion, motionIn, verbose,
        };
        label.AddTo(command);
        var portrait = new PortraitArguments();
        portrait.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new AnimateOptions
            {
                FramesPerSecond = parse.GetValue(fps),
                Portrait = portrait.Read(parse),
                Seed = parse.GetValue(seed),
                Label = label.Read(parse),
                MotionJsonPath = parse.GetValue(motionJson),
                Language = parse.GetValue(language) switch { "en" => LanguageMode.English, "none" => LanguageMode.None, _ => LanguageMode.Auto },
                Style = parse.GetValue(style) is { } s && s != "auto" ? Enum.Parse<Parla.Motion.MotionStyle>(s, ignoreCase: true) : null,
                Expressiveness = parse.GetValue(expressiveness),
                HeadMotion = parse.GetValue(headMotion),
                MotionInPath = parse.GetValue(motionIn),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var p in problems) error.WriteLine($"parla: {p}");
                return Task.FromResult(ExitCodes.BadInput);
            }
            try
            {
                options = options with { Consent = ConsentStatement.Resolve(parse.GetValue(consent)) };
                using var progress = ConsoleProgress.ForStandardError();
                var request = new AnimateRequest(parse.GetValue(image)!, parse.GetValue(audio)!, parse.GetValue(outPath)!, options);
                // The times reported count from the run's start (the process's, or the launcher's handover
                // after a build), the runtime and the command line before the pipeline included (about
                // 0.06 s), as a user timing the command would.
                var beforePipeline = Program.SecondsSinceRunStarted();
                var result = new Animator(CliModels.Store(error)).Run(request, progress, cancellationToken);
                foreach (var warning in result.Warnings) error.WriteLine($"parla: warning: {warning}");
                error.WriteLine($"parla: mouth from {result.Mouth}");
                if (parse.GetValue(verbose))
                {
                    error.WriteLine($"parla: vector instructions {VectorInstructions()}");
                    // The encoder is a process of its own (ffmpeg): this is Parla's share alone.
                    error.WriteLine($"parla: peak memory {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB (this process; the encoder's is its own)");
                }

                output.WriteLine($"parla: wrote {result.OutputPath} and {ProvenanceStamp.ManifestPathFor(result.OutputPath)} ({result.FrameCount} frames, {result.Width}x{result.Height}, {result.DurationSeconds:0.00} s) in {beforePipeline + result.ElapsedSeconds:0.0} s (first frame after {beforePipeline + result.FirstFrameSeconds:0.00} s)");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, error, parse.GetValue(verbose)));
            }
        });
        return command;
    }

    /// <summary>
    /// The widest vector instructions the runtime lets Parla's kernels use here: the same video on
    /// every processor, the time is what differs (the runtime can be told to leave them unused, e.g.
    /// DOTNET_EnableAVX512=0).
    /// </summary>
    internal static string VectorInstructions() =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512"
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2"
        : System.Runtime.Intrinsics.X86.Sse42.IsSupported ? "SSE4.2"
        : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "Arm AdvSIMD"
        : "none (scalar code)";
}
