using System.Diagnostics;
using Parla.Media;
using SkiaSharp;

namespace Parla.Provenance;

/// <summary>
/// The disclosure label, rendered once with Skia into a small premultiplied RGBA patch and
/// alpha-blended onto each frame; blending costs about (label area) multiply-adds per frame.
/// Immutable after construction, so <see cref="Apply(Frame)"/> is safe to call on frames in parallel.
/// </summary>
public sealed class LabelOverlay
{
    /// <summary>The Debian package that provides the font Parla prefers.</summary>
    public const string FontPackage = "fonts-dejavu-core";

    // Where Debian's fonts-dejavu-core (and a few other distributions) put DejaVu Sans Bold / Sans.
    private static readonly string[] s_fontCandidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ];

    private readonly byte[] _patch; // premultiplied RGBA, PatchWidth × PatchHeight
    private readonly int _x;
    private readonly int _y;

    /// <summary>Renders the label for a <paramref name="videoWidth"/>×<paramref name="videoHeight"/> video.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="ToolException">No usable font exists on this machine.</exception>
    public LabelOverlay(LabelOptions options, int videoWidth, int videoHeight)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(videoWidth, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(videoHeight, 16);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        Options = options;

        using var typeface = LoadTypeface(options.TypefacePath);
        var textHeight = (float)Math.Max(options.MinimumTextHeightPixels, options.TextHeightFraction * videoHeight);
        using var font = new SKFont(typeface, textHeight) { Edging = SKFontEdging.Antialias, Subpixel = true };
        var textWidth = font.MeasureText(options.Text);
        var metrics = font.Metrics;
        var padX = textHeight * 0.45f;
        var padY = textHeight * 0.25f;
        var width = (int)Math.Ceiling(textWidth + 2 * padX);
        var height = (int)Math.Ceiling(-metrics.Ascent + metrics.Descent + 2 * padY);
        // A label wider than the video would be cut: shrink it to fit (rare: long custom texts on tiny videos).
        if (width > videoWidth - 4 || height > videoHeight - 4)
        {
            var shrink = Math.Min((videoWidth - 4f) / width, (videoHeight - 4f) / height);
            textHeight *= shrink;
            font.Size = textHeight;
            textWidth = font.MeasureText(options.Text);
            metrics = font.Metrics;
            padX = textHeight * 0.45f;
            padY = textHeight * 0.25f;
            width = Math.Min(videoWidth - 4, (int)Math.Ceiling(textWidth + 2 * padX));
            height = Math.Min(videoHeight - 4, (int)Math.Ceiling(-metrics.Ascent + metrics.Descent + 2 * padY));
        }
        PatchWidth = width;
        PatchHeight = height;
        _patch = new byte[width * height * 4];

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var surface = SKSurface.Create(info)
            ?? throw new InvalidOperationException("Skia could not create a drawing surface."))
        {
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.Transparent);
            // White text on a translucent dark box reads on any background, light or dark.
            using var box = new SKPaint { Color = new SKColor(0, 0, 0, 150), IsAntialias = true };
            var radius = textHeight * 0.3f;
            canvas.DrawRoundRect(new SKRect(0, 0, width, height), radius, radius, box);
            using var ink = new SKPaint { Color = SKColors.White, IsAntialias = true };
            canvas.DrawText(options.Text, padX, padY - metrics.Ascent, SKTextAlign.Left, font, ink);
            canvas.Flush();
            unsafe
            {
                fixed (byte* target = _patch)
                {
                    if (!surface.ReadPixels(info, (nint)target, width * 4, 0, 0))
                        throw new InvalidOperationException("Skia could not read the label pixels back.");
                }
            }
        }

        var margin = (int)Math.Round(Math.Max(2, textHeight * 0.5));
        margin = Math.Min(margin, Math.Max(0, Math.Min(videoWidth - width, videoHeight - height) / 2));
        _x = options.Position is LabelPosition.BottomRight or LabelPosition.TopRight ? videoWidth - width - margin : margin;
        _y = options.Position is LabelPosition.BottomRight or LabelPosition.BottomLeft ? videoHeight - height - margin : margin;
        VideoWidth = videoWidth;
        VideoHeight = videoHeight;
    }

    public LabelOptions Options { get; }
    public int VideoWidth { get; }
    public int VideoHeight { get; }
    public int PatchWidth { get; }
    public int PatchHeight { get; }

    /// <summary>The rectangle the label covers, in frame pixels.</summary>
    public (int X, int Y, int Width, int Height) Bounds => (_x, _y, PatchWidth, PatchHeight);

    /// <summary>Blends the label onto <paramref name="frame"/> in place (source-over; the frame's alpha is kept).</summary>
    public void Apply(Frame frame) => Apply(frame, PixelRect.Full(VideoWidth, VideoHeight));

    /// <summary>Draws the label's pixels that fall inside <paramref name="region"/> (the rest of the frame is left alone).</summary>
    public void Apply(Frame frame, PixelRect region)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != VideoWidth || frame.Height != VideoHeight)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}, the label was made for {VideoWidth}x{VideoHeight}.", nameof(frame));
        var r = region.ClampTo(VideoWidth, VideoHeight);
        int x0 = Math.Max(_x, r.X), x1 = Math.Min(_x + PatchWidth, r.Right);
        int y0 = Math.Max(_y, r.Y), y1 = Math.Min(_y + PatchHeight, r.Bottom);
        if (x0 >= x1 || y0 >= y1) return;
        var patch = _patch.AsSpan();
        for (var y = y0; y < y1; y++)
        {
            var row = y - _y;
            var dst = frame.GetRowSpan(y).Slice(x0 * 4, (x1 - x0) * 4);
            var src = patch.Slice((row * PatchWidth + (x0 - _x)) * 4, (x1 - x0) * 4);
            for (var i = 0; i < dst.Length; i += 4)
            {
                int a = src[i + 3];
                if (a == 0) continue;
                var keep = 255 - a;
                // Premultiplied source-over: dst = src + dst·(1 − αs), rounded; /255 by the (x + 128)·257 >> 16 identity.
                dst[i] = (byte)(src[i] + Div255(dst[i] * keep));
                dst[i + 1] = (byte)(src[i + 1] + Div255(dst[i + 1] * keep));
                dst[i + 2] = (byte)(src[i + 2] + Div255(dst[i + 2] * keep));
            }
        }
    }

    private static int Div255(int x) => ((x + 128) * 257) >> 16;

    /// <summary>The typeface the label uses: the given file, DejaVu Sans, or Skia's default, checked to have glyphs.</summary>
    internal static SKTypeface LoadTypeface(string? path)
    {
        if (path is not null)
        {
            var chosen = SKTypeface.FromFile(path);
            if (chosen is not null && chosen.GlyphCount > 0) return chosen;
            chosen?.Dispose();
            throw new ToolException($"The font file {path} could not be read as a TrueType/OpenType font.");
        }
        foreach (var candidate in s_fontCandidates)
        {
            if (!File.Exists(candidate)) continue;
            var face = SKTypeface.FromFile(candidate);
            if (face is not null && face.GlyphCount > 0) return face;
            face?.Dispose();
        }
        var fallback = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold) ?? SKTypeface.Default;
        if (fallback is not null && fallback.GlyphCount > 0) return fallback;
        Debug.WriteLine("No typeface with glyphs found.");
        throw new ToolException(
            $"No font was found to draw the 'AI-generated' label. Install one with 'sudo apt-get install {FontPackage}' (Debian/Ubuntu).");
    }
}
