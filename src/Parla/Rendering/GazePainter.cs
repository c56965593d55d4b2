using System.Buffers;
using System.Numerics;
using Parla.Face.Rig;
using Parla.Media;
using Parla.Motion;

namespace Parla.Rendering;

/// <summary>
/// Moves the eyes' gaze. The 468-point mesh has no iris points, so the eye's visible interior (the
/// area between the lid margins) is displaced as a whole by a smooth field: full shift in the middle,
/// none at the lids and corners. The iris and pupil slide towards the gaze, the white is compressed
/// ahead of them and stretched behind, and the lids and lashes stay where they are. It works on the
/// rendered frame (after the warp), so it follows the head and needs no knowledge of where the iris is.
/// </summary>
internal static class GazePainter
{
    /// <summary>Gaze 1 moves the iris by a third of the eye's width (docs/motion-format.md).</summary>
    private const float ShiftOfEyeWidth = 1f / 3f;

    private const float MaxShiftOfEyeWidth = 0.14f;

    private const int MaxChain = 32;

    public static void Paint(FaceRig rig, ReadOnlySpan<Vector2> positions, Frame destination, in FaceState state)
    {
        var r = rig.Regions;
        PaintEye(positions, r.ImageLeftEyeUpper, r.ImageLeftEyeLower, destination, state.GazeX, state.GazeY, state.BlinkLeft);
        PaintEye(positions, r.ImageRightEyeUpper, r.ImageRightEyeLower, destination, state.GazeX, state.GazeY, state.BlinkRight);
    }

    private static void PaintEye(ReadOnlySpan<Vector2> positions, int[] upper, int[] lower, Frame destination, float gazeX, float gazeY, float blink)
    {
        if (upper.Length < 3 || lower.Length < 3 || upper.Length > MaxChain || lower.Length > MaxChain) return;
        // A closing lid covers the eye: the shift fades out as it closes (the lid painter takes over).
        var open = 1 - FaceRig.SmoothStep(0.2f, 0.7f, blink);
        var eye = new ContourFrame(positions[upper[0]], positions[upper[^1]]);
        var width = eye.Width;
        if (width < 6 || open <= 0) return;
        var ax = eye.Axis;
        var down = eye.Down;
        // Horizontal gaze moves the iris along the eye; vertical gaze half as far (the lids hide most of it).
        var shift = open * ShiftOfEyeWidth * width * ((gazeX * ax) + (0.5f * gazeY * down));
        // Beyond about a seventh of the eye's width the field would squeeze the white ahead of the
        // iris to nothing (its slope reaches 1 at the ramps): the shift stops there.
        var length = shift.Length();
        if (length < 0.1f) return;
        if (length > MaxShiftOfEyeWidth * width) shift *= MaxShiftOfEyeWidth * width / length;

        Span<float> ua = stackalloc float[upper.Length], ub = stackalloc float[upper.Length];
        Span<float> la = stackalloc float[lower.Length], lb = stackalloc float[lower.Length];
        eye.Project(positions, upper, ua, ub);
        eye.Project(positions, lower, la, lb);
        var bounds = new PointBounds();
        foreach (var v in upper.Concat(lower)) bounds.Add(positions[v]);
        var aperture = 0f;
        for (var i = 0; i < lower.Length; i++)
            aperture = Math.Max(aperture, lb[i] - MouthPainter.Interpolate(ua, ub, la[i]));
        if (aperture < 2) return;

        var eyeBox = bounds.ToPixelRect();
        var x0 = Math.Max(0, eyeBox.X - 1);
        var x1 = Math.Min(destination.Width, eyeBox.Right + 2);
        var y0 = Math.Max(0, eyeBox.Y - 1);
        var y1 = Math.Min(destination.Height, eyeBox.Bottom + 2);
        if (x1 - x0 < 2 || y1 - y0 < 2) return;

        // The field reads the eye as it was drawn, so the region is copied first.
        var w = x1 - x0;
        var h = y1 - y0;
        var rowBytes = w * Frame.BytesPerPixel;
        var copy = ArrayPool<byte>.Shared.Rent(rowBytes * h);
        try
        {
            for (var y = 0; y < h; y++)
                destination.GetRowSpan(y0 + y).Slice(x0 * Frame.BytesPerPixel, rowBytes).CopyTo(copy.AsSpan(y * rowBytes, rowBytes));

            for (var y = y0; y < y1; y++)
            {
                var row = destination.GetRowSpan(y);
                for (var x = x0; x < x1; x++)
                {
                    var (a, b) = eye.OfPixel(x, y);
                    if (a <= 0 || a >= width) continue;
                    var top = MouthPainter.Interpolate(ua, ub, a);
                    var bottom = MouthPainter.Interpolate(la, lb, a);
                    var span = bottom - top;
                    if (span <= 1 || b <= top || b >= bottom) continue;
                    // Full shift in the middle of the eye, none at the corners and margins, smooth between.
                    var u = a / width;
                    var v = (b - top) / span;
                    var weight = FaceRig.SmoothStep(0, 0.35f, Math.Min(u, 1 - u)) * FaceRig.SmoothStep(0, 0.3f, Math.Min(v, 1 - v));
                    if (weight <= 0) continue;
                    var sx = x - x0 - (weight * shift.X);
                    var sy = y - y0 - (weight * shift.Y);
                    Bilinear(copy, w, h, rowBytes, sx, sy, row.Slice(x * Frame.BytesPerPixel, Frame.BytesPerPixel));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Bilinear sample of an RGBA region at pixel-centre coordinates (x, y), clamped to its edges.</summary>
    private static void Bilinear(byte[] region, int w, int h, int rowBytes, float x, float y, Span<byte> output)
    {
        x = Math.Clamp(x, 0, w - 1.001f);
        y = Math.Clamp(y, 0, h - 1.001f);
        var ix = (int)x;
        var iy = (int)y;
        var fx = x - ix;
        var fy = y - iy;
        var o00 = (iy * rowBytes) + (ix * Frame.BytesPerPixel);
        var o01 = o00 + Frame.BytesPerPixel;
        var o10 = o00 + rowBytes;
        var o11 = o10 + Frame.BytesPerPixel;
        for (var c = 0; c < 3; c++)
        {
            var top = region[o00 + c] + (fx * (region[o01 + c] - region[o00 + c]));
            var bottom = region[o10 + c] + (fx * (region[o11 + c] - region[o10 + c]));
            output[c] = (byte)Math.Clamp(top + (fy * (bottom - top)) + 0.5f, 0, 255);
        }
    }
}
