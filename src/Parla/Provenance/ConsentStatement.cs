using System.Collections;

namespace Parla.Provenance;

/// <summary>Consent is missing or too short to mean anything; the message says what to give and why.</summary>
public sealed class ConsentException : ParlaException
{
    public ConsentException(string message) : base(message) { }
}

/// <summary>
/// The user's statement that the person shown agreed to be animated, recorded verbatim in the
/// signed manifest. Parla cannot check it; it makes the claim explicit and attributable.
/// </summary>
public sealed record ConsentStatement
{
    /// <summary>Fewest characters a statement must have (after trimming).</summary>
    public const int MinimumLength = 10;

    /// <summary>The environment variable read when no --consent option is given.</summary>
    public const string EnvironmentVariable = "PARLA_CONSENT";

    private ConsentStatement(string text) => Text = text;

    /// <summary>The statement, trimmed.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>A statement from <paramref name="text"/>.</summary>
    /// <exception cref="ConsentException">It is empty or shorter than <see cref="MinimumLength"/>.</exception>
    public static ConsentStatement Create(string? text) =>
        TryCreate(text, out var statement, out var problem) ? statement : throw new ConsentException(problem);

    /// <summary>Checks <paramref name="text"/>; on failure <paramref name="problem"/> explains what is wrong.</summary>
    public static bool TryCreate(string? text, out ConsentStatement statement, out string problem)
    {
        var trimmed = text?.Trim() ?? "";
        statement = null!;
        if (trimmed.Length == 0)
        {
            problem = Explain("no consent statement was given.");
            return false;
        }
        if (trimmed.Length < MinimumLength)
        {
            problem = Explain($"the consent statement \"{trimmed}\" is too short ({trimmed.Length} characters, at least {MinimumLength}).");
            return false;
        }
        if (trimmed.Any(char.IsControl))
        {
            problem = Explain("the consent statement contains control characters; give one line of plain text.");
            return false;
        }
        statement = new ConsentStatement(trimmed);
        problem = "";
        return true;
    }

    /// <summary>
    /// The statement from the <c>--consent</c> option when given, else from <c>PARLA_CONSENT</c> in
    /// <paramref name="environment"/> (the process's environment when null).
    /// </summary>
    /// <exception cref="ConsentException">Neither holds a usable statement; the message says why one is needed.</exception>
    public static ConsentStatement Resolve(string? option, IDictionary? environment = null)
    {
        if (option is not null) return Create(option);
        environment ??= Environment.GetEnvironmentVariables();
        var fromEnvironment = environment[EnvironmentVariable] as string;
        if (string.IsNullOrWhiteSpace(fromEnvironment))
            throw new ConsentException(MissingMessage);
        return Create(fromEnvironment);
    }

    /// <summary>What to tell a user who gave no statement.</summary>
    public static string MissingMessage { get; } = Explain($"no consent statement was given (neither --consent nor {EnvironmentVariable}).");

    private static string Explain(string what) =>
        $"{what} Parla animates real people's faces, so every video records who agreed to it, in the signed manifest. " +
        $"Say it with --consent or the {EnvironmentVariable} environment variable, for example " +
        "--consent \"I am the person shown\" or --consent \"I have the subject's written permission\".";
}
