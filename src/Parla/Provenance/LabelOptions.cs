namespace Parla.Provenance;

/// <summary>Corner of the frame where the disclosure label sits.</summary>
public enum LabelPosition
{
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
}

/// <summary>The visible "AI-generated" disclosure drawn on every frame.</summary>
public sealed record LabelOptions
{
    /// <summary>The text Parla writes by default.</summary>
    public const string DefaultText = "AI-generated";

    /// <summary>Draw the label (default true). Turning it off is recorded in the signed manifest.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The label's text (default "AI-generated"); one line, at most 80 characters.</summary>
    public string Text { get; init; } = DefaultText;

    /// <summary>Corner of the frame (default bottom right).</summary>
    public LabelPosition Position { get; init; } = LabelPosition.BottomRight;

    /// <summary>
    /// Text size as a fraction of the video height (default 0.04: 20 px at 512 px, 86 px at 4K);
    /// never smaller than <see cref="MinimumTextHeightPixels"/>.
    /// </summary>
    public double TextHeightFraction { get; init; } = 0.04;

    /// <summary>Smallest text size in pixels, so the label stays legible on small videos (default 11).</summary>
    public double MinimumTextHeightPixels { get; init; } = 11;

    /// <summary>A TrueType/OpenType font file; null picks DejaVu Sans if installed, else Skia's default typeface.</summary>
    public string? TypefacePath { get; init; }

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Enabled && string.IsNullOrWhiteSpace(Text)) errors.Add("The label text is empty; give a text or turn the label off.");
        if (Text.Length > 80) errors.Add($"The label text has {Text.Length} characters; at most 80 fit on a video.");
        if (Text.Contains('\n') || Text.Contains('\r')) errors.Add("The label text must be a single line.");
        if (TextHeightFraction is <= 0 or > 0.25) errors.Add($"TextHeightFraction must be in (0, 0.25], got {TextHeightFraction}.");
        if (MinimumTextHeightPixels is < 6 or > 200) errors.Add($"MinimumTextHeightPixels must be in [6, 200], got {MinimumTextHeightPixels}.");
        if (TypefacePath is not null && !File.Exists(TypefacePath)) errors.Add($"The font file {TypefacePath} does not exist.");
        return errors;
    }
}
