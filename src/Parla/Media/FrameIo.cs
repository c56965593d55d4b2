using SkiaSharp;

namespace Parla.Media;

/// <summary>Writes frames as PNG files (for previews, debugging and test failure output).</summary>
public static class FrameIo
{
    /// <summary>Encodes <paramref name="frame"/> as a PNG file at <paramref name="path"/> (straight alpha kept).</summary>
    public static void SavePng(Frame frame, string path)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.Create(path);
        SavePng(frame, stream);
    }

    /// <summary>Encodes <paramref name="frame"/> as PNG into <paramref name="destination"/>.</summary>
    public static void SavePng(Frame frame, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(destination);
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        frame.Pixels.CopyTo(bitmap.GetPixelSpan());
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the frame as PNG.");
        data.SaveTo(destination);
    }
}
