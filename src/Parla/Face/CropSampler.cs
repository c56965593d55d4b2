using System.Buffers;
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
/// <remarks>
/// Pixels that are not opaque are composited over white (<see cref="Background"/>) as they are read,
/// so an illustration on a transparent background is seen as the video will show it, without a
/// flattened copy of the whole image: the colour a transparent pixel happens to store (often black)
/// would otherwise draw a false outline around the figure.
/// <para/>
/// Plain bilinear sampling (what MediaPipe does) aliases when a crop shrinks the image a lot: a
/// 4000-pixel photo seen through a 128-pixel detector input keeps one pixel in 30. So the part of
/// the image the crop covers is first box-averaged by the integer factor k = ⌊source pixels per
/// output pixel⌋, and the rest of the reduction (less than 2×) is done by averaging 2×2 bilinear
/// samples per output pixel. Cost: one pass over the covered pixels plus a few samples per output pixel.
/// </remarks>
internal static class CropSampler
{
    /// <summary>The colour (each of R, G, B) transparent pixels are composited over; white, as <see cref="ImageLoader.FlattenAlpha"/> by default.</summary>
    public const float Background = 255f;

    /// <summary>
    /// Fills <paramref name="destination"/> (height × width × 3 floats) with the crop's RGB values
    /// mapped by value · <paramref name="scale"/> + <paramref name="offset"/>. Outside the image: the
    /// edge pixel repeated, or black when <paramref name="replicateBorder"/> is false.
    /// </summary>
    public static void Sample(Frame image, in CropTransform map, int width, int height, Span<float> destination, float scale, float offset, bool replicateBorder)
    {
        if (destination.Length < width * height * 3)
            throw new ArgumentException($"Destination holds {destination.Length} floats, the crop needs {width * height * 3}.", nameof(destination));
        var step = Math.Max(map.AxisU.Length(), map.AxisV.Length()); // source pixels per output pixel
        var k = Math.Max(1, (int)MathF.Floor(step + 0.01f));
        var n = step / k > 1.01f ? 2 : 1; // sub-samples per axis for the remaining (< 2×) reduction

        // The image region the crop touches (plus the bilinear footprint), in whole k-blocks.
        var corners = new[] { map.Apply(0, 0), map.Apply(width, 0), map.Apply(0, height), map.Apply(width, height) };
        var min = Vector2.Max(corners.Aggregate(Vector2.Min) - new Vector2(2 * k), Vector2.Zero);
        var max = Vector2.Min(corners.Aggregate(Vector2.Max) + new Vector2(2 * k), new Vector2(image.Width, image.Height));
        if (min.X >= max.X || min.Y >= max.Y)
        {
            // The crop lies wholly outside the image.
            FillOutside(image, map, width, height, destination, scale, offset, replicateBorder);
            return;
        }
        var x0 = (int)min.X / k * k;
        var y0 = (int)min.Y / k * k;
        var plane = new Plane(image, x0, y0, (int)MathF.Ceiling(max.X), (int)MathF.Ceiling(max.Y), k);
        try
        {
            // Plane coordinates: (source − region origin) / k, so pixel centres stay at +0.5.
            var origin = (map.Origin - new Vector2(x0, y0)) / k;
            var axisU = map.AxisU / k;
            var axisV = map.AxisV / k;
            var weight = scale / (n * n);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    float r = 0, g = 0, b = 0;
                    for (var sy = 0; sy < n; sy++)
                    {
                        for (var sx = 0; sx < n; sx++)
                        {
                            var p = origin + (x + (sx + 0.5f) / n) * axisU + (y + (sy + 0.5f) / n) * axisV;
                            plane.Bilinear(p.X - 0.5f, p.Y - 0.5f, replicateBorder, ref r, ref g, ref b);
                        }
                    }
                    var o = (y * width + x) * 3;
                    destination[o] = r * weight + offset;
                    destination[o + 1] = g * weight + offset;
                    destination[o + 2] = b * weight + offset;
                }
            }
        }
        finally
        {
            plane.Dispose();
        }
    }

    /// <summary>
    /// A copy of <paramref name="image"/> reduced so that its longer side is at most
    /// <paramref name="maxSide"/> (area-averaged, see the remarks), opaque (transparency composited
    /// over <see cref="Background"/>). <paramref name="scale"/> is source pixels per copy pixel along
    /// x and y (≥ 1; the two differ slightly because the copy's size is rounded): source = copy · scale.
    /// </summary>
    public static Frame Reduce(Frame image, int maxSide, out Vector2 scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        var factor = Math.Max(1f, (float)Math.Max(image.Width, image.Height) / maxSide);
        var width = Math.Clamp((int)MathF.Round(image.Width / factor), 1, maxSide);
        var height = Math.Clamp((int)MathF.Round(image.Height / factor), 1, maxSide);
        scale = new Vector2((float)image.Width / width, (float)image.Height / height);
        // In strips of rows, so the float buffer and the box-averaged plane stay small (about 1 MB
        // each) whatever the image size; each strip reads only the source rows under it.
        const int strip = 32;
        var floats = ArrayPool<float>.Shared.Rent(width * strip * 3);
        var copy = new Frame(width, height);
        try
        {
            for (var top = 0; top < height; top += strip)
            {
                var rows = Math.Min(strip, height - top);
                var map = new CropTransform(new Vector2(0, top * scale.Y), new Vector2(scale.X, 0), new Vector2(0, scale.Y));
                Sample(image, map, width, rows, floats, 1f, 0f, replicateBorder: true);
                for (var y = 0; y < rows; y++)
                {
                    var row = copy.GetRowSpan(top + y);
                    for (int x = 0, i = y * width * 3; x < width; x++, i += 3)
                    {
                        var o = x * Frame.BytesPerPixel;
                        row[o] = (byte)Math.Clamp(floats[i] + 0.5f, 0, 255);
                        row[o + 1] = (byte)Math.Clamp(floats[i + 1] + 0.5f, 0, 255);
                        row[o + 2] = (byte)Math.Clamp(floats[i + 2] + 0.5f, 0, 255);
                        row[o + 3] = 255;
                    }
                }
            }
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
        }
    }

    private static void FillOutside(Frame image, in CropTransform map, int width, int height, Span<float> destination, float scale, float offset, bool replicate)
    {
        if (!replicate)
        {
            destination[..(width * height * 3)].Fill(offset);
            return;
        }
        using var plane = new Plane(image, 0, 0, image.Width, image.Height, 1);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = map.Apply(x + 0.5f, y + 0.5f);
                float r = 0, g = 0, b = 0;
                plane.Bilinear(p.X - 0.5f, p.Y - 0.5f, true, ref r, ref g, ref b);
                var o = (y * width + x) * 3;
                destination[o] = r * scale + offset;
                destination[o + 1] = g * scale + offset;
                destination[o + 2] = b * scale + offset;
            }
        }
    }

    /// <summary>
    /// RGB floats of an image region box-averaged by k (each value is the mean of a k×k block,
    /// or of the part of it inside the image). The buffer is rented and returned on dispose.
    /// </summary>
    private readonly struct Plane : IDisposable
    {
        private readonly float[] _data;
        private readonly int _width;
        private readonly int _height;

        public Plane(Frame image, int x0, int y0, int x1, int y1, int k)
        {
            _width = (x1 - x0 + k - 1) / k;
            _height = (y1 - y0 + k - 1) / k;
            _data = ArrayPool<float>.Shared.Rent(_width * _height * 3);
            Array.Clear(_data, 0, _width * _height * 3);
            var counts = ArrayPool<int>.Shared.Rent(_width * _height);
            Array.Clear(counts, 0, _width * _height);
            try
            {
                for (var y = y0; y < y1; y++)
                {
                    var row = image.GetRowSpan(y);
                    var py = (y - y0) / k * _width;
                    for (var x = x0; x < x1; x++)
                    {
                        var cell = py + (x - x0) / k;
                        var i = x * Frame.BytesPerPixel;
                        int alpha = row[i + 3];
                        if (alpha == 255)
                        {
                            _data[3 * cell] += row[i];
                            _data[3 * cell + 1] += row[i + 1];
                            _data[3 * cell + 2] += row[i + 2];
                        }
                        else
                        {
                            // Straight alpha over the background: c·a + B·(1 − a).
                            var a = alpha / 255f;
                            var rest = Background * (1 - a);
                            _data[3 * cell] += row[i] * a + rest;
                            _data[3 * cell + 1] += row[i + 1] * a + rest;
                            _data[3 * cell + 2] += row[i + 2] * a + rest;
                        }
                        counts[cell]++;
                    }
                }
                if (k > 1)
                {
                    for (var cell = 0; cell < _width * _height; cell++)
                    {
                        var inverse = 1f / Math.Max(1, counts[cell]);
                        _data[3 * cell] *= inverse;
                        _data[3 * cell + 1] *= inverse;
                        _data[3 * cell + 2] *= inverse;
                    }
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(counts);
            }
        }

        /// <summary>Adds the bilinear sample at (fx, fy), in plane pixels with centres at integers, to r, g, b.</summary>
        public void Bilinear(float fx, float fy, bool replicate, ref float r, ref float g, ref float b)
        {
            var ix = (int)MathF.Floor(fx);
            var iy = (int)MathF.Floor(fy);
            var wx = fx - ix;
            var wy = fy - iy;
            if ((uint)ix < (uint)(_width - 1) && (uint)iy < (uint)(_height - 1))
            {
                // Fast path: all four taps inside.
                var i = (iy * _width + ix) * 3;
                var j = i + _width * 3;
                float w00 = (1 - wx) * (1 - wy), w10 = wx * (1 - wy), w01 = (1 - wx) * wy, w11 = wx * wy;
                r += w00 * _data[i] + w10 * _data[i + 3] + w01 * _data[j] + w11 * _data[j + 3];
                g += w00 * _data[i + 1] + w10 * _data[i + 4] + w01 * _data[j + 1] + w11 * _data[j + 4];
                b += w00 * _data[i + 2] + w10 * _data[i + 5] + w01 * _data[j + 2] + w11 * _data[j + 5];
                return;
            }
            Tap(ix, iy, (1 - wx) * (1 - wy), replicate, ref r, ref g, ref b);
            Tap(ix + 1, iy, wx * (1 - wy), replicate, ref r, ref g, ref b);
            Tap(ix, iy + 1, (1 - wx) * wy, replicate, ref r, ref g, ref b);
            Tap(ix + 1, iy + 1, wx * wy, replicate, ref r, ref g, ref b);
        }

        private void Tap(int x, int y, float w, bool replicate, ref float r, ref float g, ref float b)
        {
            if ((uint)x >= (uint)_width || (uint)y >= (uint)_height)
            {
                if (!replicate) return; // black
                x = Math.Clamp(x, 0, _width - 1);
                y = Math.Clamp(y, 0, _height - 1);
            }
            var i = (y * _width + x) * 3;
            r += w * _data[i];
            g += w * _data[i + 1];
            b += w * _data[i + 2];
        }

        public void Dispose() => ArrayPool<float>.Shared.Return(_data);
    }
}
