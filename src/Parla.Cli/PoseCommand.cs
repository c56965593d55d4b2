using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parla.Face;
using Parla.Media;
using Parla.Motion;
using Parla.Pipeline;
using Parla.Rendering;

namespace Parla.Cli;

/// <summary><c>parla pose IMAGE --state '{"jawOpen":0.8,"yaw":8}' -o pose.png</c>: renders one face state.</summary>
internal static class PoseCommand
{
    // Short names accepted in --state for the head angles, besides the full motion-format names.
    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["yaw"] = "headYawDegrees",
        ["pitch"] = "headPitchDegrees",
        ["roll"] = "headRollDegrees",
        ["blink"] = "blink",
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("image") { Description = "The portrait." };
        var state = new Option<string>("--state") { Description = "The face state as JSON, with the members of the motion format (docs/motion-format.md), e.g. '{\"jawOpen\":0.8,\"yaw\":8}'; yaw, pitch, roll (degrees) and blink (both eyes) are accepted as short names.", DefaultValueFactory = _ => "{}" };
        var outPath = new Option<string>("--output", "-o") { Description = "The PNG to write.", Required = true };
        var verbose = Program.VerboseOption();
        var command = new Command("pose", "Render the portrait in one face state to a PNG, to look at what the renderer does.")
        {
            image, state, outPath, verbose,
        };
        var portrait = new PortraitArguments();
        portrait.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                var target = parse.GetValue(outPath)!;
                OutputFile.EnsureWritable(target);
                var faceState = ParseState(parse.GetValue(state)!);
                using var rigged = RiggedPortrait.Load(parse.GetValue(image)!, portrait.Read(parse), CliModels.Store(error), cancellationToken);
                using var renderer = new FaceRenderer(rigged.Image, rigged.Rig);
                using var frame = new Frame(rigged.Image.Width, rigged.Image.Height);
                renderer.Render(faceState, frame);
                using var png = new MemoryStream();
                FrameIo.SavePng(frame, png);
                OutputFile.WriteAllBytesAtomic(target, png.GetBuffer().AsSpan(0, (int)png.Length));
                output.WriteLine($"parla: wrote {target}");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, error, parse.GetValue(verbose)));
            }
        });
        return command;
    }

    /// <summary>Reads one face state through the motion-format reader, so names and checks are the same.</summary>
    internal static FaceState ParseState(string json)
    {
        JsonObject state;
        try
        {
            state = JsonNode.Parse(json) as JsonObject ?? throw new InvalidInputException("--state", "must be a JSON object such as '{\"jawOpen\":0.8}'.");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("--state", $"is not valid JSON ({e.Message}).", inner: e);
        }
        var frame = new JsonObject();
        foreach (var (name, value) in state)
        {
            var full = Aliases.GetValueOrDefault(name, name);
            if (full == "blink")
            {
                frame["blinkLeft"] = value?.DeepClone();
                frame["blinkRight"] = value?.DeepClone();
            }
            else
            {
                frame[full] = value?.DeepClone();
            }
        }
        var track = new JsonObject
        {
            ["format"] = MotionJson.FormatName,
            ["version"] = MotionJson.CurrentVersion,
            ["fps"] = 25,
            ["frames"] = new JsonArray(frame),
        };
        return MotionJson.Parse(track.ToJsonString(), "--state").Frames[0];
    }
}
