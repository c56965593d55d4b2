using System.Text.Json.Nodes;
using Parla.Cli;
using Parla.Provenance;

namespace Parla.Tests.Provenance;

[Collection(StampedClipCollection.Name)]
public sealed class VerifierTests(StampedClipFixture clips)
{
    [Fact]
    public void SealedVideo_IsAuthentic_WithEmbeddedManifest()
    {
        var report = Verifier.Verify(clips.Marked);
        Assert.Equal(VerifyReport.Authentic, report.ExitCode);
        Assert.Equal("embedded", report.ManifestSource);
        Assert.True(report.SignatureValid);
        Assert.True(report.StreamMatches);
        Assert.True(report.PayloadAgrees);
        Assert.Empty(report.Problems);
        Assert.Equal("I have the subject's written permission", report.Manifest!.Consent);
        Assert.Equal("2025-05-01T12:00:00Z", report.Manifest.Created);
    }

    [Fact]
    public void Seal_WritesTheSidecar_AndKeepsTheFileFaststart()
    {
        var sidecar = ProvenanceStamp.ManifestPathFor(clips.Marked);
        Assert.True(File.Exists(sidecar));
        Assert.True(Manifest.Parse(File.ReadAllText(sidecar)).VerifySignature());
        // moov before mdat, and the manifest box after everything.
        var bytes = File.ReadAllBytes(clips.Marked);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.True(text.IndexOf("moov", StringComparison.Ordinal) < text.IndexOf("mdat", StringComparison.Ordinal));
        Assert.True(text.LastIndexOf("uuid", StringComparison.Ordinal) > text.IndexOf("mdat", StringComparison.Ordinal));
        Assert.Contains("codec_name=h264", MediaProbe.Run(clips.Marked)); // still a playable MP4
    }

    [Fact]
    public void CleanVideo_HasNoTrace()
    {
        var report = Verifier.Verify(clips.Clean);
        Assert.Equal(VerifyReport.NoTrace, report.ExitCode);
        Assert.Equal("none", report.ManifestSource);
    }

    [Fact]
    public void EditedClaim_IsABadSignature()
    {
        var json = JsonNode.Parse(File.ReadAllText(ProvenanceStamp.ManifestPathFor(clips.Marked)))!;
        json["claims"]!["consent"] = "I am the person shown";
        var edited = clips.PathFor("edited.manifest.json");
        File.WriteAllText(edited, json.ToJsonString());

        var report = Verifier.Verify(clips.Marked, edited);
        Assert.Equal(VerifyReport.Contradiction, report.ExitCode);
        Assert.False(report.SignatureValid);
        Assert.Contains(report.Problems, p => p.Contains("bad signature"));
    }

    [Fact]
    public void EditedEmbeddedManifest_IsABadSignature()
    {
        var copy = clips.PathFor("embedded-edit.mp4");
        File.Copy(clips.Marked, copy, overwrite: true);
        var json = JsonNode.Parse(Mp4Container.ReadEmbeddedManifest(copy)!)!;
        json["claims"]!["visibleLabel"]!["enabled"] = false;
        Mp4Container.EmbedManifest(copy, json.ToJsonString());

        var report = Verifier.Verify(copy);
        Assert.Equal(VerifyReport.Contradiction, report.ExitCode);
        Assert.False(report.SignatureValid);
        Assert.True(report.StreamMatches); // replacing the box did not touch the stream
    }

    [Fact]
    public void ReEncodedCopy_LosesTheManifest_KeepsTheWatermark_AndFailsTheSignedHash()
    {
        var copy = clips.PathFor("reencoded.mp4");
        Ffmpeg.Run("-i", clips.Marked, "-c:v", "libx264", "-crf", "26", copy);

        var alone = Verifier.Verify(copy);
        Assert.Equal(VerifyReport.Authentic, alone.ExitCode);
        Assert.Null(alone.Manifest);
        Assert.Contains(alone.Notes, n => n.Contains("manifest absent"));
        Assert.Equal(StampedClipFixture.Payload, alone.Watermark!.Payload);

        var withManifest = Verifier.Verify(copy, ProvenanceStamp.ManifestPathFor(clips.Marked));
        Assert.Equal(VerifyReport.Contradiction, withManifest.ExitCode);
        Assert.True(withManifest.SignatureValid);
        Assert.False(withManifest.StreamMatches);
        Assert.True(withManifest.PayloadAgrees);
    }

    [Fact]
    public void ManifestOfAnotherVideo_Disagrees()
    {
        var report = Verifier.Verify(clips.Marked, ProvenanceStamp.ManifestPathFor(clips.Other));
        Assert.Equal(VerifyReport.Contradiction, report.ExitCode);
        Assert.True(report.SignatureValid);
        Assert.False(report.PayloadAgrees);
        Assert.False(report.StreamMatches);
        Assert.Contains(report.Problems, p => p.Contains("disagrees"));
    }

    [Fact]
    public void StreamHash_IsStable_UnderMetadataRemux_AndChangesWithTheFrames()
    {
        var remuxed = clips.PathFor("remuxed.mp4");
        Ffmpeg.Run("-i", clips.Marked, "-c", "copy", "-metadata", "title=renamed", "-movflags", "+faststart", remuxed);
        Assert.Equal(clips.Manifest.VideoStreamSha256, Mp4Container.ComputeVideoStreamSha256(remuxed));
        Assert.NotEqual(clips.Manifest.VideoStreamSha256, Mp4Container.ComputeVideoStreamSha256(clips.Other));
    }

    [Fact]
    public void VerifyCommand_PrintsJson_AndReturnsTheExitCode()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = VerifyCommand.Run(clips.Marked, null, asJson: true, output, error);
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output.ToString())!;
        Assert.Equal("0123456789abcdef", json["watermark"]!["payload"]!.GetValue<string>());
        Assert.True(json["manifest"]!["signatureValid"]!.GetValue<bool>());

        var text = new StringWriter();
        Assert.Equal(1, VerifyCommand.Run(clips.Clean, null, asJson: false, text, error));
        Assert.Contains("no trace", text.ToString());

        Assert.Equal(ExitCodes.BadInput, VerifyCommand.Run(clips.PathFor("missing.mp4"), null, false, text, error));
    }

    [Fact]
    public void VerifyCommand_NamesTheEditItFoundTheMarkThrough_AndQuickLooksOnlyAtTheVideoAsItStands()
    {
        var mirrored = clips.PathFor("mirrored-for-the-command.mp4");
        Ffmpeg.Run("-i", clips.Marked, "-vf", "hflip", "-c:v", "libx264", "-crf", "23", mirrored);
        var error = new StringWriter();

        var text = new StringWriter();
        Assert.Equal(0, VerifyCommand.Run(mirrored, null, asJson: false, text, error));
        Assert.Contains("present, payload 0123456789abcdef, in a copy mirrored", text.ToString());
        var json = new StringWriter();
        VerifyCommand.Run(mirrored, null, asJson: true, json, error);
        Assert.Equal("mirrored", JsonNode.Parse(json.ToString())!["watermark"]!["foundThrough"]!.GetValue<string>());

        var quick = new StringWriter();
        Assert.Equal(1, VerifyCommand.Run(mirrored, null, asJson: false, quick, error, quick: true));
        Assert.Contains("no trace", quick.ToString());
    }
}
