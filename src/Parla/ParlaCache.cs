namespace Parla;

/// <summary>Where Parla keeps what it derives once and reuses: converted face models, the trimmed pronunciation dictionary, portraits' rigs.</summary>
public static class ParlaCache
{
    /// <summary>
    /// The cache root: <c>$PARLA_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/parla</c>, else
    /// <c>~/.cache/parla</c>.
    /// </summary>
    public static string Root()
    {
        var parla = Environment.GetEnvironmentVariable("PARLA_CACHE_DIR");
        if (!string.IsNullOrEmpty(parla)) return parla;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "parla");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "parla");
    }
}
