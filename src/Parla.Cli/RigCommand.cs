using System.CommandLine;
using Parla.Face;
using Parla.Media;
using Parla.Pipeline;

namespace Parla.Cli;

/// <summary><c>parla rig IMAGE -o rig.json</c>: builds the face rig once and saves it.</summary>
internal static class RigCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("image") { Description = "The portrait." };
        var outPath = new Option<string>("--output", "-o") { Description = "The rig JSON to write: mesh, regions, depth, pivot, colours.", Required = true };
        var verbose = Program.VerboseOption();
        var command = new Command("rig", "Build the face rig of a portrait (the mesh that moves) and save it as JSON, for 'parla animate --rig'.")
        {
            image, outPath, verbose,
        };
        var portrait = new PortraitArguments();
        portrait.AddTo(command, withRig: false);
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                var target = parse.GetValue(outPath)!;
                OutputFile.EnsureWritable(target);
                using var rigged = RiggedPortrait.Load(parse.GetValue(image)!, portrait.Read(parse, withRig: false), CliModels.Store(error), cancellationToken);
                using var buffer = new MemoryStream();
                rigged.Rig.Save(buffer);
                OutputFile.WriteAllTextAtomic(target, System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                output.WriteLine($"parla: wrote {target} ({rigged.Rig.VertexCount} vertices, {rigged.Rig.Triangles.Length / 3} triangles, for a {rigged.Image.Width}x{rigged.Image.Height} portrait)");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, error, parse.GetValue(verbose)));
            }
        });
        return command;
    }
}
