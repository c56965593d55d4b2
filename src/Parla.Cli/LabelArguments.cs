using System.CommandLine;
using Parla.Provenance;

namespace Parla.Cli;

/// <summary>The options of the visible "AI-generated" disclosure.</summary>
internal sealed class LabelArguments
{
    public Option<bool> NoLabel { get; } = new("--no-label") { Description = "Leave out the visible \"AI-generated\" label (the invisible watermark stays; the choice is recorded in the signed manifest)." };
    public Option<string> Text { get; } = new("--label-text") { Description = "Text of the visible label.", DefaultValueFactory = _ => new LabelOptions().Text };
    public Option<LabelPosition> Position { get; } = new("--label-position") { Description = "Corner of the visible label.", DefaultValueFactory = _ => LabelPosition.BottomRight };

    public void AddTo(Command command)
    {
        command.Options.Add(NoLabel);
        command.Options.Add(Text);
        command.Options.Add(Position);
    }

    public LabelOptions Read(ParseResult parse) => new LabelOptions
    {
        Enabled = !parse.GetValue(NoLabel),
        Text = parse.GetValue(Text)!,
        Position = parse.GetValue(Position),
    };
}
