using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Parla.Server.Jobs;

/// <summary>
/// Where a job's files live: <c>{data}/jobs/{id}/</c>, with names the server chooses. Nothing a client
/// sends (file names, ids that fail <see cref="IsValidId"/>) ever becomes part of a path.
/// </summary>
public sealed partial class JobFiles
{
    public const string VideoName = "video.mp4";
    public const string ManifestName = "manifest.json";

    public JobFiles(string dataDirectory)
    {
        Root = Path.Combine(Path.GetFullPath(dataDirectory), "jobs");
        Directory.CreateDirectory(Root);
    }

    /// <summary>The folder holding every job's folder.</summary>
    public string Root { get; }

    /// <summary>A new job id: 128 random bits as 32 lowercase hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="id"/> has the shape of an id from <see cref="NewId"/>.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>The job's folder (not created).</summary>
    public string Folder(string id)
    {
        if (!IsValidId(id)) throw new ArgumentException($"'{id}' is not a job id.", nameof(id));
        return Path.Combine(Root, id);
    }

    public string Video(string id) => Path.Combine(Folder(id), VideoName);

    public string Manifest(string id) => Path.Combine(Folder(id), ManifestName);

    /// <summary>Removes the job's folder and everything in it; no error when it is already gone.</summary>
    public void Delete(string id)
    {
        var folder = Folder(id);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // A file still being closed by ffmpeg (cancel races with its exit): try again shortly.
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Ids of every job folder on disk.</summary>
    public IEnumerable<string> FolderIds() =>
        Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(IsValidId)!;

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();
}
