using Parla.Media;
using SkiaSharp;

namespace Parla.Face;

/// <summary>Draws faces (box and landmark dots) over a portrait, for checking detection by eye.</summary>
public static class LandmarksOverlay
{
    /// <summary>Writes <paramref name="image"/> with the faces drawn on it as a PNG file at <paramref name="pngPath"/>.</summary>
    /// <exception cref="OutputException">The file cannot be written.</exception>
    public static void Draw(Frame image, IReadOnlyList<DetectedFace> faces, string pngPath)
    {
        var png = Render(image, faces);
        var full = Path.GetFullPath(pngPath);
        var temporary = full + ".partial";
        try
        {
            File.WriteAllBytes(temporary, png);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { }
            throw new OutputException(pngPath, $"cannot be written ({e.Message}).", e);
        }
    }

    /// <summary>The overlay as PNG bytes.</summary>
    public static byte[] Render(Frame image, IReadOnlyList<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        var sourceInfo = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var pixels = SKImage.FromPixelCopy(sourceInfo, image.Pixels);
        // Skia draws into premultiplied surfaces only; the portrait is converted on the way in.
        using var surface = SKSurface.Create(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.Transparent);
        canvas.DrawImage(pixels, 0, 0);

        // Sizes scale with the image so the overlay reads the same on a thumbnail and a 4K photo.
        var unit = Math.Max(1f, Math.Max(image.Width, image.Height) / 500f);
        using var boxPaint = new SKPaint { Color = new SKColor(0, 255, 0), Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f * unit, IsAntialias = true };
        using var dotPaint = new SKPaint { Color = new SKColor(255, 40, 40), Style = SKPaintStyle.Fill, IsAntialias = true };
        foreach (var face in faces)
        {
            canvas.DrawRect(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height, boxPaint);
            foreach (var p in face.Points) canvas.DrawCircle(p.X, p.Y, 1.1f * unit, dotPaint);
        }

        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }
}
