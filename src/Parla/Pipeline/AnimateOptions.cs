using Parla.Provenance;
using Parla.Motion;

namespace Parla.Pipeline;

/// <summary>Which path drives the mouth: English phones (pocketsphinx) or the language-agnostic acoustic model.</summary>
public enum LanguageMode
{
    /// <summary>English phones when the decoder is confident the voice is English speech; the acoustic model otherwise (other languages, singing).</summary>
    Auto,

    /// <summary>Always English phones.</summary>
    English,

    /// <summary>Never: the acoustic model (any language, singing).</summary>
    None,
}

/// <summary>What <see cref="Animator"/> makes and how. Defaults are the CLI's defaults.</summary>
public sealed record AnimateOptions
{
    /// <summary>Output frame rate; default 25.</summary>
    public double FramesPerSecond { get; init; } = 25;

    /// <summary>The portrait's size, the face chosen and where its landmarks or rig come from.</summary>
    public PortraitOptions Portrait { get; init; } = new();

    /// <summary>Seed of every random choice (blinks, idle motion): same inputs and seed, same video.</summary>
    public int Seed { get; init; }

    /// <summary>Where to write the per-frame face states as JSON, or null.</summary>
    public string? MotionJsonPath { get; init; }

    /// <summary>The user's statement that the person shown agreed to be animated; required, recorded in the signed manifest.</summary>
    public ConsentStatement? Consent { get; init; }

    /// <summary>The visible disclosure; on by default. Turning it off is recorded in the manifest.</summary>
    public LabelOptions Label { get; init; } = new();

    /// <summary>Which path drives the mouth (--language auto|en|none); default auto.</summary>
    public LanguageMode Language { get; init; } = LanguageMode.Auto;

    /// <summary>The performance style (--style), or null for auto: singing when the voice holds notes, neutral otherwise.</summary>
    public MotionStyle? Style { get; init; }

    /// <summary>How strongly the face acts, 0..2 (--expressiveness); default 1.</summary>
    public double Expressiveness { get; init; } = 1;

    /// <summary>How much the head moves, 0 (still) .. 2 (--head-motion); default 1.</summary>
    public double HeadMotion { get; init; } = 1;

    /// <summary>A motion track (parla.motion JSON) to render instead of generating one from the voice, or null.</summary>
    public string? MotionInPath { get; init; }

    /// <summary>Threads rendering frames; default: all cores.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>A longer voice is heard in chapters of this length (<see cref="VoiceChapters"/>); shorter in tests.</summary>
    internal double ChapterSeconds { get; init; } = VoiceChapters.ChapterSeconds;

    /// <summary>A longer voice's first chapter is this long, or as long as the others if they are shorter (<see cref="VoiceChapters"/>); shorter in tests.</summary>
    internal double FirstChapterSeconds { get; init; } = VoiceChapters.FirstChapterSeconds;

    /// <summary>
    /// For a long voice's chapters after the first: whether <c>auto</c> found a chapter before this one
    /// confidently English. Then this one is decoded as English without deciding again on its own first
    /// seconds, which may begin mid-sentence (a chapter of an English read, decided alone, was left to the
    /// sound). A chapter not found English says nothing of the next (an intro of music, say): they decide
    /// on their own. Each chapter is still judged sung or noisy on its own.
    /// </summary>
    internal bool EnglishBefore { get; init; }

    /// <summary>Every problem with these options, as messages for the user; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(FramesPerSecond is >= 1 and <= 120)) errors.Add($"--fps must be between 1 and 120 (got {FramesPerSecond}).");
        if (Portrait.MaxSidePixels is < 64 or > 8192) errors.Add($"--max-size must be between 64 and 8192 pixels (got {Portrait.MaxSidePixels}).");
        if (Portrait.FaceIndex < 0) errors.Add($"--face must be 0 or more (got {Portrait.FaceIndex}).");
        if (!(Expressiveness is >= 0 and <= 2)) errors.Add($"--expressiveness must be between 0 and 2 (got {Expressiveness}).");
        if (!(HeadMotion is >= 0 and <= 2)) errors.Add($"--head-motion must be between 0 and 2 (got {HeadMotion}).");
        if (DegreeOfParallelism < 1) errors.Add("the degree of parallelism must be at least 1.");
        return errors;
    }
}
