using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Parla.Tests;

/// <summary>
/// Files from the MediaPipe npm packages that tests read, fetched once with <c>npm pack</c> into
/// <c>~/.cache/parla/models/</c> (the same place the library's model store uses). A test that
/// cannot get them fails with a message saying what is missing; it does not skip.
/// </summary>
internal static class TestModels
{
    public const string FaceMeshPackage = "@mediapipe/face_mesh@0.4.1657299874";
    private static readonly Lock Gate = new();

    public static string CacheRoot => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "parla", "models");

    /// <summary>The path of <c>face_mesh.js</c> from the pinned face_mesh package.</summary>
    public static string FaceMeshJs()
    {
        var dir = Path.Combine(CacheRoot, "face_mesh");
        var path = Path.Combine(dir, "face_mesh.js");
        lock (Gate)
        {
            if (File.Exists(path)) return path;
            Directory.CreateDirectory(dir);
            var work = Directory.CreateTempSubdirectory("parla-npm-");
            try
            {
                var tgz = NpmPack(FaceMeshPackage, work.FullName);
                using (var file = File.OpenRead(tgz))
                using (var gz = new GZipStream(file, CompressionMode.Decompress))
                    TarFile.ExtractToDirectory(gz, work.FullName, overwriteFiles: true);
                // Move into place last, so a half-written cache is never taken for a complete one.
                var tmp = path + ".tmp";
                File.Copy(Path.Combine(work.FullName, "package", "face_mesh.js"), tmp, overwrite: true);
                File.Move(tmp, path, overwrite: true);
            }
            finally
            {
                work.Delete(recursive: true);
            }
            return path;
        }
    }

    private static string NpmPack(string package, string destination)
    {
        var psi = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = destination };
        foreach (var a in new[] { "pack", package, "--silent", "--pack-destination", destination }) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"npm is needed to fetch {package} for the tests (apt-get install npm).", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {package} failed ({process.ExitCode}): {stderr}");
            var tgz = Directory.GetFiles(destination, "*.tgz").SingleOrDefault();
            return tgz ?? throw new InvalidOperationException($"npm pack {package} wrote no archive: {stdout.Result}{stderr}");
        }
    }
}
