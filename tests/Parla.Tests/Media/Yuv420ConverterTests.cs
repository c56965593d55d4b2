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

    [Fact]
    public void EightColumnsAtATime_IsByteIdenticalToTwoAtATime()
    {
        // Random colours (full range, alpha included), regions of every width and offset (tails of 0..7 columns).
        var random = new Random(9);
        using var frame = new Frame(90, 40);
        random.NextBytes(frame.Pixels);
        var vector = new byte[Yuv420Converter.BufferLength(90, 40)];
        var scalar = new byte[vector.Length];
        for (var k = 0; k < 300; k++)
        {
            var fromX = 2 * random.Next(45);
            var toX = fromX + (2 * random.Next((90 - fromX) / 2 + 1));
            var fromPair = random.Next(20);
            var toPair = fromPair + random.Next(20 - fromPair + 1);
            Yuv420Converter.ConvertRows(frame, vector, fromPair, toPair, fromX, toX, vectorized: true);
            Yuv420Converter.ConvertRows(frame, scalar, fromPair, toPair, fromX, toX, vectorized: false);
            Assert.Equal(scalar, vector);
        }

        Assert.True(scalar.Count(b => b != 0) > scalar.Length / 2, "most of the picture was converted");
    }
}
