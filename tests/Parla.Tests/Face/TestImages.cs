using Parla.Media;
using SkiaSharp;

namespace Parla.Tests.Face;

/// <summary>Test images built from the committed portraits: rotated copies and composites.</summary>
internal static class TestImages
{
    /// <summary>Rotates about the image centre, clockwise on screen; corners that leave the image are cut, new ones black.</summary>
    public static Frame Rotate(Frame image, float degrees)
    {
        using var source = ToBitmap(image);
        using var target = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            canvas.RotateDegrees(degrees, image.Width / 2f, image.Height / 2f);
            using var sourceImage = SKImage.FromBitmap(source);
            canvas.DrawImage(sourceImage, 0, 0, new SKSamplingOptions(SKFilterMode.Linear));
        }
        return ToFrame(target);
    }

    /// <summary>A light grey canvas with portraits drawn on it, each at its top-left corner and scale (bilinear).</summary>
    public static Frame Compose(int width, int height, params (string Portrait, float X, float Y, float Scale)[] items)
    {
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(new SKColor(200, 200, 200));
            foreach (var (portrait, x, y, scale) in items)
            {
                using var image = ImageLoader.Load(TestData.Portrait(portrait));
                using var bitmap = ToBitmap(image);
                using var skImage = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(skImage, SKRect.Create(x, y, image.Width * scale, image.Height * scale), new SKSamplingOptions(SKFilterMode.Linear));
            }
        }
        return ToFrame(target);
    }

    /// <summary>A Skia bitmap holding a copy of <paramref name="frame"/>'s pixels.</summary>
    private static SKBitmap ToBitmap(Frame frame)
    {
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        frame.Pixels.CopyTo(bitmap.GetPixelSpan());
        return bitmap;
    }

    /// <summary>A frame holding <paramref name="bitmap"/>'s pixels as straight-alpha RGBA.</summary>
    private static Frame ToFrame(SKBitmap bitmap)
    {
        var frame = new Frame(bitmap.Width, bitmap.Height);
        if (bitmap.ColorType == SKColorType.Rgba8888 && bitmap.AlphaType == SKAlphaType.Unpremul && bitmap.RowBytes == frame.Stride)
        {
            bitmap.GetPixelSpan().Slice(0, frame.Length).CopyTo(frame.Pixels);
            return frame;
        }
        var info = new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var converted = new SKBitmap(info);
        if (!bitmap.CopyTo(converted, SKColorType.Rgba8888))
            throw new InvalidOperationException("Pixel conversion to RGBA failed.");
        converted.GetPixelSpan().Slice(0, frame.Length).CopyTo(frame.Pixels);
        return frame;
    }
}
