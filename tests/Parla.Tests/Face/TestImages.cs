using Parla.Media;
using SkiaSharp;

namespace Parla.Tests.Face;

/// <summary>Test images built from the committed portraits: rotated copies and composites.</summary>
internal static class TestImages
{
    /// <summary>Rotates about the image centre, clockwise on screen; corners that leave the image are cut, new ones black.</summary>
    public static Frame Rotate(Frame image, float degrees)
    {
        using var source = ImageLoader.ToBitmap(image);
        using var target = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            canvas.RotateDegrees(degrees, image.Width / 2f, image.Height / 2f);
            using var sourceImage = SKImage.FromBitmap(source);
            canvas.DrawImage(sourceImage, 0, 0, new SKSamplingOptions(SKFilterMode.Linear));
        }
        return ImageLoader.ToFrame(target);
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
                using var bitmap = ImageLoader.ToBitmap(image);
                using var skImage = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(skImage, SKRect.Create(x, y, image.Width * scale, image.Height * scale), new SKSamplingOptions(SKFilterMode.Linear));
            }
        }
        return ImageLoader.ToFrame(target);
    }
}
