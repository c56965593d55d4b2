using System.Diagnostics;
using System.Numerics;
using Parla.Media;

namespace Parla.Face;

/// <summary>
/// Maps a point of an output crop to the source image: source = Origin + u·AxisU + v·AxisV, with
/// (u, v) in output pixels measured from the crop's top-left corner (pixel centres at +0.5).
/// </summary>
internal readonly record struct CropTransform(Vector2 Origin, Vector2 AxisU, Vector2 AxisV)
{
    public Vector2 Apply(float u, float v) => Origin + u * AxisU + v * AxisV;

    /// <summary>A square crop of <paramref name="outputSize"/> pixels showing a rotated square of side <paramref name="side"/> around <paramref name="center"/>.</summary>
    public static CropTransform RotatedSquare(Vector2 center, float side, float rotationRadians, int outputSize)
    {
        var scale = side / outputSize;
        var (sin, cos) = MathF.SinCos(rotationRadians);
        var axisU = new Vector2(cos, sin) * scale;
        var axisV = new Vector2(-sin, cos) * scale;
        var half = outputSize / 2f;
        return new CropTransform(center - half * axisU - half * axisV, axisU, axisV);
    }
}

/// <summary>Samples crops of RGBA frames into float RGB tensors (HWC), as the face models want them.</summary>
internal static class CropSampler
{
    /// <summary>
    /// Fills <paramref name="destination"/> (height × width × 3 floats) with the crop's RGB values
    /// mapped by value · <paramref name="scale"/> + <paramref name="offset"/>. Sampling is bilinear;
    /// when the crop shrinks the image, each output pixel averages an n×n grid of bilinear samples
    /// (n = source pixels per output pixel, rounded up) so that small crops of large photos do not
    /// alias. Outside the image: the edge pixel repeated, or black when <paramref name="replicateBorder"/> is false.
    /// </summary>
    public static void Sample(Frame image, in CropTransform map, int width, int height, Span<float> destination, float scale, float offset, bool replicateBorder)
    {
        if (destination.Length < width * height * 3)
            throw new ArgumentException($"Destination holds {destination.Length} floats, the crop needs {width * height * 3}.", nameof(destination));
        var step = Math.Max(map.AxisU.Length(), map.AxisV.Length());
        var n = Math.Clamp((int)MathF.Ceiling(step - 0.01f), 1, 8);
        var weight = scale / (n * n);
        var pixels = image.Buffer;
        Span<float> rgb = stackalloc float[3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                float r = 0, g = 0, b = 0;
                for (var sy = 0; sy < n; sy++)
                {
                    for (var sx = 0; sx < n; sx++)
                    {
                        var p = map.Apply(x + (sx + 0.5f) / n, y + (sy + 0.5f) / n);
                        Bilinear(pixels, image.Width, image.Height, p.X, p.Y, replicateBorder, rgb);
                        r += rgb[0];
                        g += rgb[1];
                        b += rgb[2];
                    }
                }
                var o = (y * width + x) * 3;
                destination[o] = r * weight + offset;
                destination[o + 1] = g * weight + offset;
                destination[o + 2] = b * weight + offset;
            }
        }
    }

    // Bilinear sample at continuous position (x, y); pixel i's centre is at i + 0.5.
    private static void Bilinear(byte[] pixels, int width, int height, float x, float y, bool replicate, Span<float> rgb)
    {
        var fx = x - 0.5f;
        var fy = y - 0.5f;
        var x0 = (int)MathF.Floor(fx);
        var y0 = (int)MathF.Floor(fy);
        var wx = fx - x0;
        var wy = fy - y0;
        rgb.Clear();
        Accumulate(pixels, width, height, x0, y0, (1 - wx) * (1 - wy), replicate, rgb);
        Accumulate(pixels, width, height, x0 + 1, y0, wx * (1 - wy), replicate, rgb);
        Accumulate(pixels, width, height, x0, y0 + 1, (1 - wx) * wy, replicate, rgb);
        Accumulate(pixels, width, height, x0 + 1, y0 + 1, wx * wy, replicate, rgb);
    }

    private static void Accumulate(byte[] pixels, int width, int height, int x, int y, float w, bool replicate, Span<float> rgb)
    {
        if (w == 0) return;
        if ((uint)x >= (uint)width || (uint)y >= (uint)height)
        {
            if (!replicate) return; // black
            x = Math.Clamp(x, 0, width - 1);
            y = Math.Clamp(y, 0, height - 1);
        }
        var i = (y * width + x) * Frame.BytesPerPixel;
        Debug.Assert(i + 2 < pixels.Length);
        rgb[0] += w * pixels[i];
        rgb[1] += w * pixels[i + 1];
        rgb[2] += w * pixels[i + 2];
    }
}
