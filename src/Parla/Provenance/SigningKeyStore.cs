using System.Collections;
using System.Security.Cryptography;

namespace Parla.Provenance;

/// <summary>
/// The user's ECDSA P-256 signing key, created on first use and kept as a PKCS#8 PEM file readable
/// only by its owner: <c>$PARLA_CONFIG_DIR/signing-key.pem</c>, else <c>$XDG_CONFIG_HOME/parla/</c>,
/// else <c>~/.config/parla/</c>. The key identifies "whoever ran this copy of Parla"; it is not a
/// certificate and proves nothing about a person.
/// </summary>
public static class SigningKeyStore
{
    public const string FileName = "signing-key.pem";

    /// <summary>The folder Parla keeps its configuration in, from the environment given (the process's when null).</summary>
    public static string ConfigDirectory(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        if (environment["PARLA_CONFIG_DIR"] is string explicitDir && explicitDir.Length > 0) return explicitDir;
        if (environment["XDG_CONFIG_HOME"] is string xdg && xdg.Length > 0) return Path.Combine(xdg, "parla");
        var home = environment["HOME"] as string;
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".config", "parla");
    }

    /// <summary>Loads the signing key, creating it (mode 600, folder mode 700) when it does not exist yet.</summary>
    /// <exception cref="OutputException">The key cannot be created.</exception>
    /// <exception cref="InvalidInputException">The key file exists but is not a P-256 private key.</exception>
    public static ECDsa LoadOrCreate(IDictionary? environment = null)
    {
        var dir = ConfigDirectory(environment);
        var path = Path.Combine(dir, FileName);
        if (File.Exists(path)) return Load(path);
        try
        {
            if (!Directory.Exists(dir))
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
                else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var pem = key.ExportPkcs8PrivateKeyPem();
            var temp = Media.OutputFile.TemporaryPath(Path.Combine(dir, FileName));
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(pem + "\n");
            try
            {
                // Two processes creating the key at once: the first rename wins, the other loads the winner's key.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
                key.Dispose();
                return Load(path);
            }
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, $"the signing key cannot be created ({e.Message}). Set PARLA_CONFIG_DIR to a writable folder.", e);
        }
    }

    private static ECDsa Load(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
            if (!OperatingSystem.IsWindows())
            {
                // Like ssh, keep the private key private: tighten a mode someone loosened.
                var mode = File.GetUnixFileMode(path);
                const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
                if ((mode & open) != 0) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"the signing key cannot be read ({e.Message}).", inner: e);
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256) throw new CryptographicException($"a {key.KeySize}-bit key, not P-256");
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidInputException(path, $"is not an ECDSA P-256 private key ({e.Message}).",
                "Move it away and Parla will create a new key.", e);
        }
    }
}
