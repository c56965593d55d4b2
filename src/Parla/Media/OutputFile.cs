namespace Parla.Media;

/// <summary>Checks and writes output files so that a failure never leaves half a file behind.</summary>
public static class OutputFile
{
    /// <summary>Fails early, before any long work, when <paramref name="path"/> cannot be written.</summary>
    /// <exception cref="OutputException">The folder is missing or not writable, or the path is a folder.</exception>
    public static void EnsureWritable(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new OutputException("(empty)", "no output path given.");
        if (Directory.Exists(path)) throw new OutputException(path, "is a folder; give a file name such as out.mp4.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new OutputException(path, $"the folder {dir} does not exist; create it first.");
        var probe = Path.Combine(dir, $".parla-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, $"the folder {dir} is not writable ({e.Message}).", e);
        }
        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
            throw new OutputException(path, "exists and is read-only.");
    }

    /// <summary>
    /// Fails before any work when <paramref name="path"/>'s file name is longer than a file name can be
    /// (255 bytes); <paramref name="beside"/> names the output it is written beside, when it is that
    /// output's companion (its manifest), whose name is the output's and more.
    /// </summary>
    /// <exception cref="OutputException">The name is too long.</exception>
    public static void EnsureNameFits(string path, string? beside = null)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(path));
        if (bytes <= MaxFileNameBytes) return;
        throw beside is null
            ? new OutputException(path, $"the name is {bytes} bytes long; a file name holds at most {MaxFileNameBytes}. Choose a shorter name.")
            : new OutputException(beside, $"the name is too long for the manifest written beside it ({Path.GetFileName(path)} would be {bytes} bytes; a file name holds at most {MaxFileNameBytes}). Choose a shorter name.");
    }

    private const int MaxFileNameBytes = 255;

    /// <summary>
    /// Where this process writes <paramref name="path"/> before renaming it into place: beside it, hidden,
    /// named <c>.NAME.PID.partial</c> (<c>.NAME.PID.KIND.partial</c> with a <paramref name="kind"/>, for a
    /// second file made from the first), so that <see cref="RemoveLeftovers"/> can tell whose it is.
    /// </summary>
    public static string TemporaryPath(string path, string? kind = null)
    {
        var full = Path.GetFullPath(path);
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Path.Combine(Path.GetDirectoryName(full)!, $"{TemporaryStem(Path.GetFileName(full))}.{pid}{(kind is null ? "" : "." + kind)}{TemporarySuffix}");
    }

    private const string TemporarySuffix = ".partial";

    /// <summary>
    /// How the temporary files of an output named <paramref name="fileName"/> begin: a dot and the name,
    /// cut where needed to leave room for the process id, the kind and the suffix within a file name's
    /// 255 bytes (an output named with 250 characters, legal itself, failed with "File name too long").
    /// </summary>
    private static string TemporaryStem(string fileName)
    {
        // "." + name + "." + a process id (7 digits at most) + "." + a kind (8 bytes at most) + ".partial".
        const int MaxNameBytes = MaxFileNameBytes - 1 - 8 - 9 - 8;
        var cut = fileName.Length;
        while (System.Text.Encoding.UTF8.GetByteCount(fileName.AsSpan(0, cut)) > MaxNameBytes || (cut < fileName.Length && char.IsLowSurrogate(fileName[cut])))
            cut--;
        return "." + fileName[..cut];
    }

    /// <summary>
    /// Removes what an earlier run left beside <paramref name="path"/> when it was killed outright
    /// (SIGKILL, the out-of-memory killer, a power cut): its unfinished files (<see cref="TemporaryPath"/>)
    /// whose process is gone. A file of a process still running (another render to the same name) is
    /// left alone.
    /// </summary>
    public static void RemoveLeftovers(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var prefix = TemporaryStem(Path.GetFileName(full)) + ".";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(dir, prefix + "*" + TemporarySuffix).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var file in candidates)
        {
            // PID, or PID.KIND.
            var middle = Path.GetFileName(file)[prefix.Length..^TemporarySuffix.Length];
            var dot = middle.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0) middle = middle[..dot];
            if (!int.TryParse(middle, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || IsRunning(pid)) continue;
            try { File.Delete(file); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Fails when <paramref name="path"/>, an output, names one of the run's inputs: the output is
    /// renamed into place at the end, and would replace the voice or the portrait the user gave.
    /// An output that is a symbolic link to an input is let be: the rename replaces the link, not
    /// the file it points to.
    /// </summary>
    /// <exception cref="OutputException">The output names an input.</exception>
    public static void EnsureNotAnInput(string path, params ReadOnlySpan<(string? Path, string What)> inputs)
    {
        var output = Path.GetFullPath(path);
        foreach (var (input, what) in inputs)
        {
            if (input is null || !File.Exists(input)) continue;
            var full = Path.GetFullPath(input);
            var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
            if (string.Equals(output, full, StringComparison.Ordinal) || string.Equals(output, target, StringComparison.Ordinal))
                throw new OutputException(path, $"is the {what} this run reads; writing there would replace it. Choose another name.");
        }
    }

    /// <summary>
    /// Whether <paramref name="text"/> (a tool's error output, or an exception's message) says the disk
    /// or the user's quota is full: a condition of the output's folder, which the user can mend.
    /// </summary>
    public static bool SaysDiskFull(string? text) =>
        text is not null && (text.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) ||
                             text.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase));

    /// <summary>What to say when the disk under <paramref name="path"/> filled up while <paramref name="what"/> was written.</summary>
    public static OutputException DiskFull(string path, string what, Exception? inner = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return new OutputException(path, $"the disk is full: {what} could not be written. Free some space in {dir}, or choose another folder.", inner) { DiskFull = true };
    }

    /// <summary>Writes a text file (UTF-8) atomically: to a temporary file first, then renamed into place.</summary>
    public static void WriteAllTextAtomic(string path, string contents) =>
        WriteAllBytesAtomic(path, System.Text.Encoding.UTF8.GetBytes(contents));

    /// <summary>Writes a file atomically: to a temporary file first, then renamed into place.</summary>
    /// <exception cref="OutputException">The file cannot be written; no partial file is left.</exception>
    public static void WriteAllBytesAtomic(string path, ReadOnlySpan<byte> contents)
    {
        var full = Path.GetFullPath(path);
        var temp = TemporaryPath(full);
        try
        {
            File.WriteAllBytes(temp, contents);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            if (SaysDiskFull(e.Message)) throw DiskFull(path, "the file", e);
            throw new OutputException(path, $"cannot be written ({e.Message}).", e);
        }
    }
}
