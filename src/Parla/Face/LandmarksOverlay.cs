using Parla.Face.Rig;
using Parla.Media;
using SkiaSharp;

namespace Parla.Face;

/// <summary>
/// Draws faces over a portrait, for checking detection by eye: box and landmark dots and, where rigs
/// are given, the mesh that will move and its named regions (lips, eyes, brows, jaw, nose, oval).
/// </summary>
public static class LandmarksOverlay
{
    /// <summary>Writes <paramref name="image"/> with the faces drawn on it as a PNG file at <paramref name="pngPath"/>.</summary>
    /// <exception cref="OutputException">The file cannot be written.</exception>
    public static void Draw(Frame image, IReadOnlyList<DetectedFace> faces, string pngPath, IReadOnlyList<FaceRig>? rigs = null)
    {
        OutputFile.WriteAllBytesAtomic(pngPath, Render(image, faces, rigs));
    }

    /// <summary>The overlay as PNG bytes.</summary>
    public static byte[] Render(Frame image, IReadOnlyList<DetectedFace> faces, IReadOnlyList<FaceRig>? rigs = null)
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
        foreach (var rig in rigs ?? [])
            DrawRig(canvas, rig, unit);
        foreach (var face in faces)
        {
            canvas.DrawRect(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height, boxPaint);
            // Smaller dots when the rig is drawn, so its region lines stay visible.
            var radius = (rigs is null ? 1.1f : 0.6f) * unit;
            foreach (var p in face.Points) canvas.DrawCircle(p.X, p.Y, radius, dotPaint);
        }

        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    private static void DrawRig(SKCanvas canvas, FaceRig rig, float unit)
    {
        var p = rig.Positions;
        using var mesh = new SKPaint { Color = new SKColor(255, 255, 255, 70), Style = SKPaintStyle.Stroke, StrokeWidth = 0.5f * unit, IsAntialias = true };
        using var path = new SKPath();
        var t = rig.Triangles;
        for (var i = 0; i < t.Length; i += 3)
        {
            path.MoveTo(p[t[i]].X, p[t[i]].Y);
            path.LineTo(p[t[i + 1]].X, p[t[i + 1]].Y);
            path.LineTo(p[t[i + 2]].X, p[t[i + 2]].Y);
            path.Close();
        }
        canvas.DrawPath(path, mesh);

        var r = rig.Regions;
        (int[] Chain, SKColor Color)[] regions =
        [
            (r.OuterLipUpper, new SKColor(255, 60, 120)), (r.OuterLipLower, new SKColor(255, 60, 120)),
            (r.InnerLipUpper, new SKColor(255, 200, 0)), (r.InnerLipLower, new SKColor(255, 200, 0)),
            (r.ImageLeftEyeUpper, new SKColor(0, 200, 255)), (r.ImageLeftEyeLower, new SKColor(0, 120, 255)),
            (r.ImageRightEyeUpper, new SKColor(0, 200, 255)), (r.ImageRightEyeLower, new SKColor(0, 120, 255)),
            (r.ImageLeftBrow, new SKColor(180, 90, 255)), (r.ImageRightBrow, new SKColor(180, 90, 255)),
            (r.JawLine, new SKColor(60, 255, 120)), (r.Nose, new SKColor(255, 150, 40)), (r.FaceOval, new SKColor(255, 255, 255, 160)),
        ];
        foreach (var (chain, color) in regions)
        {
            if (chain.Length < 2) continue;
            using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f * unit, IsAntialias = true };
            using var line = new SKPath();
            line.MoveTo(p[chain[0]].X, p[chain[0]].Y);
            for (var i = 1; i < chain.Length; i++) line.LineTo(p[chain[i]].X, p[chain[i]].Y);
            canvas.DrawPath(line, paint);
        }
        using var pivot = new SKPaint { Color = new SKColor(255, 255, 0), Style = SKPaintStyle.Fill, IsAntialias = true };
        canvas.DrawCircle(rig.PivotPixels.X, rig.PivotPixels.Y, 2.5f * unit, pivot);
    }
}
