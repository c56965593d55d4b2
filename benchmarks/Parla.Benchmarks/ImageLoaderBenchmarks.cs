using BenchmarkDotNet.Attributes;
using Parla.Media;
using Parla.Tests;
using SkiaSharp;

namespace Parla.Benchmarks;

/// <summary>
/// A portrait made into a frame of the default 1024-pixel video (<see cref="ImageLoader.LoadForVideo"/>):
/// a 48-megapixel photo (the astronaut scaled to 6000×6000 on an 8000×6000 JPEG), upright and stored on
/// its side with an EXIF rotation as phones write it, and a 4096×4096 PNG. The allocated bytes are the
/// frames' (the pixels live in managed arrays); Skia's own buffers do not show here.
/// </summary>
[MemoryDiagnoser]
public class ImageLoaderBenchmarks
{
    private string _path = null!;

    [Params("photo 48 MP", "photo 48 MP rotated", "PNG 4096²")]
    public string Image { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        using var astronaut = SKBitmap.Decode(BenchmarkData.Portrait("astronaut.png"));
        var png = Image.StartsWith("PNG", StringComparison.Ordinal);
        var rotated = Image.EndsWith("rotated", StringComparison.Ordinal);
        var (width, height) = png ? (4096, 4096) : rotated ? (6000, 8000) : (8000, 6000);
        using var canvasBitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(canvasBitmap))
        {
            canvas.Clear(new SKColor(0xd8, 0xd4, 0xd0));
            // Stored on its side: the face turned a quarter anticlockwise, for EXIF orientation 6 to turn back.
            if (rotated)
            {
                canvas.Translate(0, height);
                canvas.RotateDegrees(-90);
            }

            var side = Math.Min(width, height);
            var across = rotated ? height : width;
            canvas.DrawBitmap(astronaut, new SKRect((across - side) / 2f, 0, (across + side) / 2f, side), new SKPaint());
        }

        using var encoded = canvasBitmap.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, png ? 100 : 90);
        var bytes = encoded.ToArray();
        _path = Path.Combine(Path.GetTempPath(), $"parla-bench-load-{Image.Replace(' ', '-').Replace('²', '2')}.{(png ? "png" : "jpg")}");
        File.WriteAllBytes(_path, rotated ? ExifJpeg.WithOrientation(bytes, 6) : bytes);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public int LoadForVideo()
    {
        using var frame = ImageLoader.LoadForVideo(_path, 1024, out _);
        return frame.Width;
    }
}
