using BenchmarkDotNet.Attributes;
using Parla.Face;
using Parla.Media;
using Parla.Motion;
using Parla.Pipeline;
using Parla.Provenance;
using Parla.Rendering;
using SkiaSharp;

namespace Parla.Benchmarks;

/// <summary>
/// The per-frame kernels of a video at 512×512 (the astronaut test portrait) and 1920×1080 (the same portrait
/// filling the height of a wide frame): the mesh warp of a talking state (whole frame, and only the
/// moving region as the pipeline does), yuv420p conversion, and the provenance stamp.
/// </summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private static readonly FaceState Talking = new()
    {
        JawOpen = 0.6f, LipWidth = 0.2f, BlinkLeft = 0.5f, BlinkRight = 0.5f, BrowRaise = 0.3f,
        HeadYawDegrees = 3, HeadPitchDegrees = -2, HeadRollDegrees = 2, HeadShiftX = 0.02f,
    };

    private RiggedPortrait _portrait = null!;
    private FaceRenderer _renderer = null!;
    private ProvenanceStamp _stamp = null!;
    private Frame _frame = null!;
    private byte[] _yuv = null!;
    private string _image = null!;
    private System.Numerics.Vector2[] _positions = null!;

    [Params(512, 1080)]
    public int Height { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var demo = BenchmarkData.Portrait("astronaut.png");
        _image = demo;
        if (Height != 512)
        {
            // The portrait filling the height of a 16:9 frame, on a plain background.
            _image = Path.Combine(Path.GetTempPath(), $"parla-bench-{Height}.png");
            using var source = SKBitmap.Decode(demo);
            var width = Height * 16 / 9;
            using var wide = new SKBitmap(width, Height);
            using (var canvas = new SKCanvas(wide))
            {
                canvas.Clear(new SKColor(216, 212, 208));
                canvas.DrawBitmap(source, new SKRect((width - Height) / 2f, 0, (width + Height) / 2f, Height));
            }
            using var data = wide.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(_image, data.ToArray());
        }
        _portrait = RiggedPortrait.Load(_image, new PortraitOptions { MaxSidePixels = 4096 }, new FaceModelStore());
        _renderer = new FaceRenderer(_portrait.Image, _portrait.Rig);
        _stamp = new ProvenanceStamp(_portrait.Image.Width, _portrait.Image.Height);
        _frame = _portrait.Image.Clone();
        _yuv = new byte[Yuv420Converter.BufferLength(_frame.Width, _frame.Height)];
        _positions = new System.Numerics.Vector2[_portrait.Rig.VertexCount];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _renderer.Dispose();
        _portrait.Dispose();
        _frame.Dispose();
    }

    /// <summary>The mesh deformed for the talking state alone (expression, then the head's turn with each moved vertex's depth).</summary>
    [Benchmark]
    public float DeformMesh() => RigDeformer.Deform(_portrait.Rig, Talking, _positions);

    [Benchmark]
    public void RenderWholeFrame() => _renderer.Render(Talking, _frame);

    [Benchmark]
    public void RenderMovingRegion() => _renderer.RenderMoving(Talking, _frame);

    [Benchmark]
    public void ConvertWholeFrameToYuv420() => Yuv420Converter.Convert(_frame, _yuv);

    [Benchmark]
    public void ConvertMovingRegionToYuv420() => Yuv420Converter.Convert(_frame, _yuv, _renderer.MovingBounds);

    [Benchmark]
    public void StampWholeFrame() => _stamp.Apply(_frame, 0);

    [Benchmark]
    public void StampMovingRegion() => _stamp.Apply(_frame, 0, _renderer.MovingBounds);
}
