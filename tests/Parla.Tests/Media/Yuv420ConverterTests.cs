using Parla.Media;

namespace Parla.Tests.Media;

public sealed class Yuv420ConverterTests
{
    [Theory]
    [InlineData(255, 255, 255, 235, 128, 128)] // white: limited-range peak
    [InlineData(0, 0, 0, 16, 128, 128)]        // black: limited-range floor
    [InlineData(255, 0, 0, 82, 90, 240)]       // BT.601 red
    [InlineData(0, 0, 255, 41, 240, 110)]      // BT.601 blue
    public void Convert_GivesBt601LimitedRange(byte r, byte g, byte b, int y, int u, int v)
    {
        using var frame = new Frame(4, 2);
        for (var i = 0; i < frame.Length; i += 4)
        {
            frame.Pixels[i] = r; frame.Pixels[i + 1] = g; frame.Pixels[i + 2] = b; frame.Pixels[i + 3] = 255;
        }
        var yuv = new byte[Yuv420Converter.BufferLength(4, 2)];
        Yuv420Converter.Convert(frame, yuv);
        Assert.All(yuv[..8], value => Assert.InRange(value, y - 1, y + 1));
        Assert.All(yuv[8..10], value => Assert.InRange(value, u - 1, u + 1));
        Assert.All(yuv[10..12], value => Assert.InRange(value, v - 1, v + 1));
    }

    [Fact]
    public void Convert_InParallel_EqualsSerial()
    {
        using var frame = new Frame(64, 38);
        new Random(3).NextBytes(frame.Pixels);
        var serial = new byte[Yuv420Converter.BufferLength(64, 38)];
        var parallel = new byte[serial.Length];
        Yuv420Converter.Convert(frame, serial);
        Yuv420Converter.Convert(frame, parallel, degreeOfParallelism: 3);
        Assert.Equal(serial, parallel);
    }
}
