using System.Collections;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Parla.Provenance;

namespace Parla.Tests.Provenance;

public sealed class ManifestTests
{
    private static ManifestClaims Claims() => new()
    {
        SourceImageSha256 = new string('a', 64),
        SourceAudioSha256 = new string('b', 64),
        Consent = ConsentStatement.Create("I am the person shown"),
        Parameters = new Dictionary<string, string> { ["style"] = "calm", ["seed"] = "7" },
    };

    private static Manifest Signed(ECDsa key, LabelOptions? label = null) =>
        Manifest.Create(Claims(), "0123456789abcdef0011223344556677", 0x0123456789abcdefUL, label ?? new LabelOptions(),
            new string('c', 64), new DateTimeOffset(2025, 5, 1, 12, 30, 0, TimeSpan.FromHours(2)), key);

    [Fact]
    public void CanonicalJson_SortsMembers_AndEscapesLikeJsonStringify()
    {
        var node = JsonNode.Parse("""{"b":"x\u00e9\n\"","a":[true,null,{"d":"1","c":"2"}]}""");
        var canonical = Encoding.UTF8.GetString(CanonicalJson.Serialize(node));
        Assert.Equal("{\"a\":[true,null,{\"c\":\"2\",\"d\":\"1\"}],\"b\":\"xé\\n\\\"\"}", canonical);
        Assert.Throws<FormatException>(() => CanonicalJson.Serialize(JsonNode.Parse("""{"n":1.5}""")));
    }

    [Fact]
    public void Create_SignsEveryClaim_AndParseVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var manifest = Manifest.Parse(Signed(key).ToJson());
        Assert.True(manifest.VerifySignature());
        Assert.Equal("2025-05-01T10:30:00Z", manifest.Created); // UTC from the injected time
        Assert.Equal(Manifest.TrainedAlgorithmicMedia, manifest.DigitalSourceType);
        Assert.Equal(0x0123456789abcdefUL, manifest.WatermarkPayload);
        Assert.Equal("I am the person shown", manifest.Consent);
        Assert.Equal("calm", manifest.Parameters["style"]);
        Assert.True(manifest.LabelEnabled);
    }

    [Theory]
    [InlineData("consent", "I have permission, honestly")]
    [InlineData("created", "2020-01-01T00:00:00Z")]
    [InlineData("sourceImageSha256", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd")]
    public void EditedClaim_FailsVerification(string claim, string value)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var json = JsonNode.Parse(Signed(key).ToJson())!;
        json["claims"]![claim] = value;
        Assert.False(Manifest.Parse(json.ToJsonString()).VerifySignature());
    }

    [Fact]
    public void WhitespaceAndMemberOrder_DoNotMatter_ButAnotherKeyDoes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var json = Signed(key).ToJson();
        var compact = JsonNode.Parse(json)!.ToJsonString();
        Assert.True(Manifest.Parse(compact).VerifySignature());

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var swapped = JsonNode.Parse(json)!;
        swapped["signature"]!["publicKey"] = Convert.ToBase64String(other.ExportSubjectPublicKeyInfo());
        Assert.False(Manifest.Parse(swapped.ToJsonString()).VerifySignature());
    }

    [Fact]
    public void NoLabel_IsRecordedInTheSignedClaims()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var manifest = Manifest.Parse(Signed(key, new LabelOptions { Enabled = false }).ToJson());
        Assert.False(manifest.LabelEnabled);
        Assert.True(manifest.VerifySignature());
    }

    [Fact]
    public void Parse_RejectsWhatIsNotAManifest()
    {
        Assert.Throws<ManifestFormatException>(() => Manifest.Parse("not json"));
        Assert.Throws<ManifestFormatException>(() => Manifest.Parse("""{"format":"parla-manifest/1"}"""));
        Assert.Throws<ManifestFormatException>(() => Manifest.Parse("""{"format":"other"}"""));
    }

    [Fact]
    public void SigningKeyStore_CreatesAPrivateKeyOnce_InPARLA_CONFIG_DIR()
    {
        var dir = Directory.CreateTempSubdirectory("prov-key-").FullName;
        try
        {
            var env = new Hashtable { ["PARLA_CONFIG_DIR"] = Path.Combine(dir, "cfg"), ["HOME"] = dir };
            using var first = SigningKeyStore.LoadOrCreate(env);
            var path = Path.Combine(dir, "cfg", SigningKeyStore.FileName);
            Assert.True(File.Exists(path));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var second = SigningKeyStore.LoadOrCreate(env);
            Assert.Equal(first.ExportSubjectPublicKeyInfo(), second.ExportSubjectPublicKeyInfo());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ConfigDirectory_FollowsXdg_ThenHome()
    {
        Assert.Equal("/x/parla", SigningKeyStore.ConfigDirectory(new Hashtable { ["XDG_CONFIG_HOME"] = "/x", ["HOME"] = "/h" }));
        Assert.Equal("/h/.config/parla", SigningKeyStore.ConfigDirectory(new Hashtable { ["HOME"] = "/h" }));
        Assert.Equal("/p", SigningKeyStore.ConfigDirectory(new Hashtable { ["PARLA_CONFIG_DIR"] = "/p", ["XDG_CONFIG_HOME"] = "/x" }));
    }

    [Fact]
    public void BadKeyFile_IsReportedWithAdvice()
    {
        var dir = Directory.CreateTempSubdirectory("prov-key-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, SigningKeyStore.FileName), "garbage");
            var e = Assert.Throws<InvalidInputException>(() => SigningKeyStore.LoadOrCreate(new Hashtable { ["PARLA_CONFIG_DIR"] = dir }));
            Assert.Contains("P-256", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
