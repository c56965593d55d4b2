using System.Text.Json;
using System.Text.RegularExpressions;

namespace Parla.Face.Models;

/// <summary>One file inside an Emscripten packed-assets bundle: [Start, End) byte range.</summary>
internal readonly record struct PackedAsset(string FileName, long Start, long End);

/// <summary>
/// Reads the file table of an Emscripten "packed assets" bundle (MediaPipe's
/// <c>*_packed_assets.data</c>). The table is the JSON argument of the <c>loadPackage({...})</c>
/// call at the end of the matching <c>*_loader.js</c>.
/// </summary>
internal static partial class PackedAssets
{
    [GeneratedRegex(@"loadPackage\((\{.*?""files"".*?\})\);", RegexOptions.Singleline)]
    private static partial Regex LoadPackageCall();

    public static IReadOnlyList<PackedAsset> ParseLoader(string loaderJs, string loaderPath)
    {
        var match = LoadPackageCall().Matches(loaderJs).LastOrDefault()
            ?? throw new ModelException($"{loaderPath}: no loadPackage({{files: ...}}) call found; the package layout has changed.");
        try
        {
            using var json = JsonDocument.Parse(match.Groups[1].Value);
            var files = new List<PackedAsset>();
            foreach (var file in json.RootElement.GetProperty("files").EnumerateArray())
            {
                files.Add(new PackedAsset(
                    file.GetProperty("filename").GetString() ?? "",
                    file.GetProperty("start").GetInt64(),
                    file.GetProperty("end").GetInt64()));
            }
            return files;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelException($"{loaderPath}: the packed-asset table cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>Reads the asset whose file name ends with <paramref name="fileName"/> from the bundle.</summary>
    public static byte[] Extract(string dataPath, IReadOnlyList<PackedAsset> table, string fileName)
    {
        var asset = table.FirstOrDefault(a => a.FileName == fileName || a.FileName.EndsWith("/" + fileName, StringComparison.Ordinal));
        if (asset.FileName is null)
            throw new ModelException($"{dataPath}: the bundle has no {fileName} (it has {string.Join(", ", table.Select(a => Path.GetFileName(a.FileName)))}).");
        using var stream = File.OpenRead(dataPath);
        if (asset.Start < 0 || asset.End < asset.Start || asset.End > stream.Length)
            throw new ModelException($"{dataPath}: {fileName} lies at bytes {asset.Start}..{asset.End}, outside the {stream.Length}-byte file.");
        var bytes = new byte[asset.End - asset.Start];
        stream.Position = asset.Start;
        stream.ReadExactly(bytes);
        return bytes;
    }
}
