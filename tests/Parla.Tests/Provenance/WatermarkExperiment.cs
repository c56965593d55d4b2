using System.Diagnostics;
using Parla.Provenance;
using Xunit.Abstractions;

namespace Parla.Tests.Provenance;

public sealed class WatermarkExperiment(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Experiment")]
    public void Matrix()
    {
        var dir = Directory.CreateTempSubdirectory("prov-exp-").FullName;
        const ulong payload = 0x0123456789ABCDEFUL;
        var env = Environment.GetEnvironmentVariables();
        double Env(string name, double fallback) => env[name] is string v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var wmOptions = new WatermarkOptions { AmplitudeLevels = Env("WM_AMP", 3.0) };
        var detectOptions = new WatermarkDetectorOptions { SecondsToRead = 2, AnalysisHeight = (int)Env("WM_ANALYSIS", 512) };
        var portrait = Environment.GetEnvironmentVariable("WM_PORTRAIT") ?? "astronaut.png";
        var only = Environment.GetEnvironmentVariable("WM_ONLY");
        var (vw, vh) = ProvenanceClips.VideoSize(TestData.Portrait(portrait));
        var embedder = new WatermarkEmbedder(WatermarkKey.Project, payload, vw, vh, wmOptions);
        var clip = Path.Combine(dir, "marked.mp4");
        var clean = new List<Parla.Media.Frame>();
        var sw0 = Stopwatch.StartNew();
        ProvenanceClips.Make(TestData.Portrait(portrait), clip, 75, 25, embedder.Embed, keepUnstamped: clean);
        var marked = clean.Select(f => { var c = f.Clone(); embedder.Embed(c, 0); return c; }).ToList();
        output.WriteLine($"PSNR {ProvenanceClips.Psnr(clean, marked):0.00} dB");
        sw0.Restart();
        for (var i = 0; i < 200; i++) embedder.Embed(marked[0], i);
        output.WriteLine($"embed {sw0.Elapsed.TotalMilliseconds / 200:0.000} ms/frame");
        foreach (var (name, args) in ProvenanceClips.Transformations.Prepend(("original", Array.Empty<string>())))
        {
            if (only is not null && !only.Split(',').Contains(name)) continue;
            var path = clip;
            if (args.Length > 0)
            {
                path = Path.Combine(dir, name + ".mp4");
                ProvenanceClips.Ffmpeg(["-i", clip, .. args, path]);
            }
            var sw = Stopwatch.StartNew();
            var analysis = WatermarkDetector.DetectDetailed(path, options: detectOptions);
            var result = analysis.Result;
            var acc = WatermarkDetector.CodedBitAccuracy(analysis.SoftBits, payload);
            output.WriteLine($"{name,-24} score {result.Confidence,6:0.0} scale {result.Scale:0.000} payload {(result.Payload == payload ? "OK" : result.Payload?.ToString("x16") ?? "none")} acc {acc:0.000} frames {result.FramesAnalysed} {sw.ElapsedMilliseconds} ms");
        }
        var cleanClip = Path.Combine(dir, "clean.mp4");
        ProvenanceClips.Make(TestData.Portrait(portrait), cleanClip, 50, 25, null);
        var r = WatermarkDetector.Detect(cleanClip, options: detectOptions);
        output.WriteLine($"clean score {r.Confidence:0.0} present {r.Present}");
    }
}

