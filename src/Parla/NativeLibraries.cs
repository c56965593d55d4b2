namespace Parla;

/// <summary>Names of the system libraries Parla calls into directly.</summary>
internal static class NativeLibraries
{
    /// <summary>
    /// The C library. The runtime maps the bare name to the system's own (libc.so.6 with glibc), so it
    /// loads without the development package's libc.so (checked with that file moved away).
    /// </summary>
    public const string LibC = "libc";
}
