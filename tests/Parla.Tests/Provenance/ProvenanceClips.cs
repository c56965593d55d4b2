using System.Diagnostics;
using Parla.Media;

namespace Parla.Tests.Provenance;

/// <summary>Short test videos made from the committed portraits, and ffmpeg transformations of them.</summary>
internal static class ProvenanceClips
{
    /// <summary>
    /// Writes a Parla-like clip: the portrait, fitted to <paramref name="maxSide"/>, still except for a
    /// "mouth" that opens and closes below the centre, <paramref name="stamp"/> applied to each frame.
    /// </summary>
    public static void Make(string portraitPath, string output, int frameCount, double fps, Action<Frame, int>? stamp,
        int maxSide = 512, int crf = 18, List<Frame>? keepUnstamped = null)
    {
        using var loaded = ImageLoader.Load(portraitPath);
        ImageLoader.FlattenAlpha(loaded);
        using var portrait = ImageLoader.FitForVideo(loaded, maxSide);
        using var encoder = new VideoEncoder(new VideoEncoderOptions
        {
            OutputPath = output, Width = portrait.Width, Height = portrait.Height, FramesPerSecond = fps, ConstantRateFactor = crf,
        });
        using var frame = new Frame(portrait.Width, portrait.Height);
        for (var f = 0; f < frameCount; f++)
        {
            portrait.CopyTo(frame);
            DrawMouth(frame, 0.5 + 0.5 * Math.Sin(f * 0.9));
            keepUnstamped?.Add(frame.Clone());
            stamp?.Invoke(frame, f);
            encoder.Write(frame);
        }
        encoder.Complete();
    }

    /// <summary>The video size <see cref="Make"/> gives a portrait.</summary>
    public static (int Width, int Height) VideoSize(string portraitPath, int maxSide = 512)
    {
        using var loaded = ImageLoader.Load(portraitPath);
        using var portrait = ImageLoader.FitForVideo(loaded, maxSide);
        return (portrait.Width, portrait.Height);
    }

    /// <summary>A dark ellipse at 60% height whose opening goes from 0 to 1: the motion a talking head adds.</summary>
    private static void DrawMouth(Frame frame, double opening)
    {
        int w = frame.Width, h = frame.Height;
        double cx = w * 0.5, cy = h * 0.62, rx = w * 0.07, ry = h * 0.035 * opening + 1;
        for (var y = (int)(cy - ry); y <= (int)(cy + ry); y++)
        {
            var row = frame.GetRowSpan(y);
            for (var x = (int)(cx - rx); x <= (int)(cx + rx); x++)
            {
                var d = (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry);
                if (d > 1) continue;
                row[x * 4] = 60;
                row[x * 4 + 1] = 20;
                row[x * 4 + 2] = 25;
            }
        }
    }

    /// <summary>The transformations of the robustness matrix: name → ffmpeg arguments between input and output.</summary>
    public static readonly (string Name, string[] Arguments)[] Transformations =
    [
        ("h264-crf18", ["-c:v", "libx264", "-preset", "medium", "-crf", "18"]),
        ("h264-crf32", ["-c:v", "libx264", "-preset", "medium", "-crf", "32"]),
        ("h265-crf28", ["-c:v", "libx265", "-preset", "fast", "-crf", "28", "-x265-params", "log-level=error"]),
        ("scale-50", ["-vf", "scale=trunc(iw/4)*2:trunc(ih/4)*2:flags=bicubic", "-c:v", "libx264", "-crf", "23"]),
        ("crop-10", ["-vf", "crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2:iw*0.1:ih*0.1", "-c:v", "libx264", "-crf", "23"]),
        ("fps-30", ["-vf", "fps=30", "-c:v", "libx264", "-crf", "23"]),
        ("eq-brightness-contrast", ["-vf", "eq=brightness=0.06:contrast=1.15", "-c:v", "libx264", "-crf", "23"]),
        ("mirrored", ["-vf", "hflip", "-c:v", "libx264", "-crf", "23"]),
        ("turned-2-clockwise", ["-vf", "rotate=2*PI/180", "-c:v", "libx264", "-crf", "23"]),
        ("mirrored-turned-3.7-anticlockwise-cropped", ["-vf", "hflip,rotate=-3.7*PI/180,crop=trunc(iw*0.44)*2:trunc(ih*0.44)*2,scale=448:448",
            "-c:v", "libx264", "-crf", "26"]),
        ("stretched-to-16:9", ["-vf", "scale=640:360", "-c:v", "libx264", "-crf", "23"]),
        ("squeezed-to-9:16", ["-vf", "scale=288:512", "-c:v", "libx264", "-crf", "23"]),
        ("padded-into-9:16", ["-vf", "scale=720:720,pad=720:1280:0:280", "-c:v", "libx264", "-crf", "23"]),
        ("on-a-blurred-9:16-background", ["-filter_complex", "split[a][b];[a]scale=720:1280,gblur=sigma=20[bg];[b]scale=720:720[fg];[bg][fg]overlay=0:280",
            "-c:v", "libx264", "-crf", "23"]),
        ("halved-inside-the-frame", ["-vf", "scale=256:256,pad=512:512:200:100", "-c:v", "libx264", "-crf", "23"]),
    ];

    /// <summary>Where each transformation that puts the picture inside a larger frame put it: x, y, width, height.</summary>
    public static readonly (string Name, int X, int Y, int Width, int Height)[] PicturesInside =
    [
        ("padded-into-9:16", 0, 280, 720, 720),
        ("on-a-blurred-9:16-background", 0, 280, 720, 720),
        ("halved-inside-the-frame", 200, 100, 256, 256),
    ];

    /// <summary>The edit each geometric transformation of <see cref="Transformations"/> made: mirrored, turned clockwise by so many degrees, made so many times as wide.</summary>
    public static readonly (string Name, bool Mirrored, double ClockwiseDegrees, double Stretch)[] GeometricEdits =
    [
        ("mirrored", true, 0, 1),
        ("turned-2-clockwise", false, 2, 1),
        ("mirrored-turned-3.7-anticlockwise-cropped", true, -3.7, 1),
        ("stretched-to-16:9", false, 0, 16.0 / 9),
        ("squeezed-to-9:16", false, 0, 9.0 / 16),
    ];

    /// <summary>PSNR (dB) of <paramref name="b"/> against <paramref name="a"/> over R, G and B.</summary>
    public static double Psnr(IReadOnlyList<Frame> a, IReadOnlyList<Frame> b)
    {
        double squared = 0;
        long count = 0;
        for (var f = 0; f < a.Count; f++)
        {
            var pa = a[f].Pixels;
            var pb = b[f].Pixels;
            for (var i = 0; i < pa.Length; i += 4)
                for (var c = 0; c < 3; c++)
                {
                    double d = pa[i + c] - pb[i + c];
                    squared += d * d;
                    count++;
                }
        }
        var mse = squared / count;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
