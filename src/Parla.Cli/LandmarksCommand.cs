using System.CommandLine;
using Parla.Face;
using Parla.Face.Rig;
using Parla.Media;

namespace Parla.Cli;

/// <summary><c>parla landmarks IMAGE --json [--overlay OUT.png]</c>: what the face model sees.</summary>
internal static class LandmarksCommand
{
    /// <summary>
    /// Larger images are analysed at this size, decoded smaller where the codec can (a JPEG in
    /// eighths), and their landmarks scaled back to the image's own pixels: a 48-megapixel phone
    /// photo took 602 MB analysed whole. The face mesh reads a face through a 192-pixel crop, so a
    /// face of a few hundred pixels at this size loses nothing; the overlay is drawn at it.
    /// </summary>
    internal const int MaxAnalysedSide = 4096;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("image") { Description = "The portrait to analyse." };
        var json = new Option<bool>("--json") { Description = "Print {\"faces\":[{\"score\",\"box\":[x,y,w,h],\"points\":[[x,y,z]…468]}]} in image pixels, largest face first." };
        var overlay = new Option<string?>("--overlay") { Description = "Write a PNG of the portrait with the landmarks and the rig drawn on it (at most 4096 pixels on its longest side)." };
        var verbose = Program.VerboseOption();
        var command = new Command("landmarks", "Detect every face in a portrait (a group photo's smaller ones too), largest first, and print their 468 FaceMesh landmarks.")
        {
            image, json, overlay, verbose,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                var path = parse.GetValue(image)!;
                var overlayPath = parse.GetValue(overlay);
                if (overlayPath is not null) OutputFile.EnsureWritable(overlayPath);
                using var frame = ImageLoader.LoadForVideo(path, MaxAnalysedSide, out var originalWidth);
                ImageLoader.FlattenAlpha(frame);
                var toImagePixels = (float)originalWidth / frame.Width;
                var models = CliModels.Store(error);
                // Every face, not only the largest: the numbers given here are what --face takes.
                using var analyzer = FaceAnalyzer.Create(models, new FaceAnalyzerOptions { SearchAllPasses = true }, cancellationToken);
                var search = analyzer.Search(frame, cancellationToken);
                if (overlayPath is not null)
                {
                    // The overlay shows what will move: each face's rig, built as animate builds it.
                    var topology = FaceTopology.Load(models, cancellationToken);
                    var rigs = search.Faces.Select(f => FaceRig.Build(f, frame.Width, frame.Height, topology, frame)).ToList();
                    LandmarksOverlay.Draw(frame, search.Faces, overlayPath, rigs);
                }
                var faces = search.Faces.Select(f => f.Scaled(toImagePixels)).ToList();
                if (parse.GetValue(json))
                {
                    using var buffer = new MemoryStream();
                    LandmarksJson.Write(faces, buffer);
                    output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()).TrimEnd());
                }
                else
                {
                    output.WriteLine($"{path}: {faces.Count} face(s)");
                    for (var i = 0; i < faces.Count; i++)
                    {
                        var b = faces[i].Box;
                        output.WriteLine($"  face {i}: score {faces[i].Score:0.00}, box x={b.X:0} y={b.Y:0} w={b.Width:0} h={b.Height:0}");
                    }
                }
                if (faces.Count == 0)
                {
                    error.WriteLine($"parla: {search.Describe(path)}");
                    return Task.FromResult(ExitCodes.BadInput);
                }
                if (search.IsUncertain) error.WriteLine($"parla: warning: {search.Describe(path)}");
                if (search.LargerUnfitted(path, toImagePixels: toImagePixels) is { } larger) error.WriteLine($"parla: note: {larger}");
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
