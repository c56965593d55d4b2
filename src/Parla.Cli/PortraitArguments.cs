using System.CommandLine;
using Parla.Pipeline;

namespace Parla.Cli;

/// <summary>The options that choose a portrait's size and face, shared by animate, rig and pose.</summary>
internal sealed class PortraitArguments
{
    public Option<int> MaxSize { get; } = new("--max-size") { Description = "Longest side of the output in pixels; smaller portraits keep their size (sides are made even).", DefaultValueFactory = _ => 1024 };
    public Option<int> Face { get; } = new("--face") { Description = "Which face to use when there are several: 0 is the largest; the others are numbered as 'parla landmarks' lists them (a group photo's smaller faces too).", DefaultValueFactory = _ => 0 };
    public Option<string?> Landmarks { get; } = new("--landmarks") { Description = "Use this landmarks JSON instead of detecting the face: the output of 'parla landmarks --json', or {\"points5\": [[x,y] ×5]} (see the README)." };
    public Option<string?> Rig { get; } = new("--rig") { Description = "Use a rig saved by 'parla rig' (made with the same --max-size) instead of finding the face." };

    public void AddTo(Command command, bool withRig = true)
    {
        command.Options.Add(MaxSize);
        command.Options.Add(Face);
        command.Options.Add(Landmarks);
        if (withRig) command.Options.Add(Rig);
    }

    public PortraitOptions Read(ParseResult parse, bool withRig = true) => new()
    {
        MaxSidePixels = parse.GetValue(MaxSize),
        FaceIndex = parse.GetValue(Face),
        LandmarksPath = parse.GetValue(Landmarks),
        RigPath = withRig ? parse.GetValue(Rig) : null,
    };
}
