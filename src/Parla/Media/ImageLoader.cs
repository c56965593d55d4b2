using SkiaSharp;

namespace Parla.Media;

/// <summary>Decodes images with SkiaSharp into straight-alpha RGBA frames, honouring EXIF orientation.</summary>
public static class ImageLoader
{
    /// <summary>Decodes the image at <paramref name="path"/>, rotated/flipped as its EXIF orientation says.</summary>
    /// <exception cref="InvalidInputException">The file is missing or is not an image SkiaSharp can decode.</exception>
    public static Frame Load(string path)
    {
        if (Directory.Exists(path))
            throw new InvalidInputException(path, "is a directory, not an image.");
        if (!File.Exists(path))
            throw new InvalidInputException(path, "file not found.", "Check the path of the portrait.");

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read ({e.Message}).", inner: e);
        }
        return Decode(bytes, path);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.</summary>
    /// <remarks>
    /// The encoded bytes are read where they are and an upright image is decoded straight into its
    /// frame: a 4096×4096 PNG once took its 24 MB of bytes twice and its 67 MB of pixels three times
    /// while it was decoded (a copy for Skia, a bitmap, an upright copy of it, the frame).
    /// </remarks>
    public static unsafe Frame Decode(byte[] encoded, string name)
    {
        fixed (byte* bytes = encoded)
        {
            // Skia reads the bytes in place; the codec and the data go before the bytes are let go.
            using var data = SKData.Create((IntPtr)bytes, encoded.Length);
            using var codec = data is null ? null : SKCodec.Create(data);
            if (codec is null)
                throw new InvalidInputException(name, "is not an image that can be decoded.", DecodableAdvice);

            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft)
            {
                var frame = new Frame(info.Width, info.Height);
                try
                {
                    fixed (byte* pixels = frame.Buffer)
                    {
                        EnsureDecoded(codec.GetPixels(info, (IntPtr)pixels), name);
                    }

                    return frame;
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
            }

            using var decoded = new SKBitmap(info);
            EnsureDecoded(codec.GetPixels(info, decoded.GetPixels()), name);
            using var oriented = Orient(decoded, codec.EncodedOrigin);
            return ToFrame(oriented);
        }
    }

    private const string DecodableAdvice = "Use a JPEG, PNG or WebP portrait.";

    /// <summary>A truncated file decodes partly (IncompleteInput): the bottom of the portrait would be grey, so it is refused.</summary>
    private static void EnsureDecoded(SKCodecResult result, string name)
    {
        if (result != SKCodecResult.Success)
            throw new InvalidInputException(name, $"could not be decoded completely ({result}); the file may be truncated or damaged.", DecodableAdvice);
    }

    /// <summary>
    /// <see cref="Load"/> then <see cref="FitForVideo"/>, without the copy where the image already
    /// fits: a 4K portrait is 33 MB, and a copy left for the garbage collector stays in the process's
    /// memory while the first frames are made. <paramref name="originalWidth"/>: the width as decoded.
    /// </summary>
    public static Frame LoadForVideo(string path, int maxSide, out int originalWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        var loaded = Load(path);
        originalWidth = loaded.Width;
        if (FitsAsIs(loaded, maxSide)) return loaded;
        using (loaded)
        {
            return FitForVideo(loaded, maxSide);
        }
    }

    /// <summary>Whether <paramref name="frame"/> is a video frame as it is: its longest side at most <paramref name="maxSide"/>, both sides even.</summary>
    private static bool FitsAsIs(Frame frame, int maxSide) =>
        Math.Max(frame.Width, frame.Height) <= maxSide && frame.Width % 2 == 0 && frame.Height % 2 == 0;

    /// <summary>Returns a copy scaled so that its longest side is at most <paramref name="maxSide"/> and both sides are even.</summary>
    public static Frame FitForVideo(Frame source, int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        if (FitsAsIs(source, maxSide)) return source.Clone();
        var scale = Math.Min(1.0, (double)maxSide / Math.Max(source.Width, source.Height));
        if (scale >= 1.0)
        {
            // Small enough but a side odd: drop that column/row (H.264 4:2:0 needs even sides).
            return Crop(source, Math.Max(source.Width & ~1, 2), Math.Max(source.Height & ~1, 2));
        }

        var width = Math.Max(2, (int)Math.Round(source.Width * scale / 2) * 2);
        var height = Math.Max(2, (int)Math.Round(source.Height * scale / 2) * 2);
        using var src = ToBitmap(source);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = src.Resize(info, new SKSamplingOptions(SKCubicResampler.Mitchell));
        return ToFrame(resized);
    }

    /// <summary>Composites a straight-alpha frame over an opaque colour in place (video has no alpha).</summary>
    public static void FlattenAlpha(Frame frame, byte r = 255, byte g = 255, byte b = 255)
    {
        var px = frame.Pixels;
        for (var i = 0; i < px.Length; i += 4)
        {
            int a = px[i + 3];
            if (a == 255) continue;
            var ia = 255 - a;
            px[i] = (byte)((px[i] * a + r * ia + 127) / 255);
            px[i + 1] = (byte)((px[i + 1] * a + g * ia + 127) / 255);
            px[i + 2] = (byte)((px[i + 2] * a + b * ia + 127) / 255);
            px[i + 3] = 255;
        }
    }

    internal static SKBitmap ToBitmap(Frame frame)
    {
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        frame.Pixels.CopyTo(bitmap.GetPixelSpan());
        return bitmap;
    }

    internal static Frame ToFrame(SKBitmap bitmap)
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

    private static Frame Crop(Frame source, int width, int height)
    {
        var frame = new Frame(width, height);
        for (var y = 0; y < height; y++)
            source.GetRowSpan(y)[..frame.Stride].CopyTo(frame.GetRowSpan(y));
        return frame;
    }

    /// <summary>A copy of <paramref name="bitmap"/> turned upright as its EXIF orientation (not <see cref="SKEncodedOrigin.TopLeft"/>) says.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var width = swap ? bitmap.Height : bitmap.Width;
        var height = swap ? bitmap.Width : bitmap.Height;
        var rotated = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(rotated);
        canvas.Clear(SKColors.Transparent);
        // Map stored pixel (x, y) to its display position, EXIF orientations 2..8 (w, h: stored size).
        float w = bitmap.Width, h = bitmap.Height;
        var m = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),      // mirror horizontally
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),  // rotate 180
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),    // mirror vertically
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),        // transpose
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),      // rotate 90 clockwise
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),  // transverse
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),    // rotate 90 anticlockwise
            _ => SKMatrix.Identity,
        };
        canvas.SetMatrix(m);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
        canvas.DrawBitmap(bitmap, 0, 0, paint);
        return rotated;
    }
}
