using Parla.Face.Models;

namespace Parla.Tests.Face;

public sealed class TfliteImporterTests
{
    [Theory]
    // TensorFlow SAME: output = ceil(in / stride); the odd padding pixel goes at the end.
    [InlineData(64, 3, 2, 1, 0, 1)]
    [InlineData(128, 5, 2, 1, 1, 2)]
    [InlineData(16, 3, 1, 1, 1, 1)]
    [InlineData(16, 3, 1, 2, 2, 2)]
    [InlineData(3, 3, 1, 1, 1, 1)]
    [InlineData(96, 2, 2, 1, 0, 0)]
    public void SamePadding_MatchesTensorFlow(int size, int kernel, int stride, int dilation, int begin, int end) =>
        Assert.Equal((begin, end), TfliteToOnnxConverter.Pads(TflitePadding.Same, size, kernel, stride, dilation));

    [Fact]
    public void ValidPadding_IsZero() =>
        Assert.Equal((0, 0), TfliteToOnnxConverter.Pads(TflitePadding.Valid, 64, 3, 2, 1));

    [Fact]
    public void Permute_OhwiToOihw()
    {
        // Shape [O=2, H=1, W=2, I=3], value = 100·o + 10·w + i.
        var ohwi = new float[12];
        for (var o = 0; o < 2; o++)
            for (var w = 0; w < 2; w++)
                for (var i = 0; i < 3; i++)
                    ohwi[o * 6 + w * 3 + i] = 100 * o + 10 * w + i;
        var oihw = TfliteToOnnxConverter.Permute(ohwi, [2, 1, 2, 3], [0, 3, 1, 2]);
        // Result [O, I, H, W]: element (o, i, 0, w) at o·6 + i·2 + w.
        for (var o = 0; o < 2; o++)
            for (var i = 0; i < 3; i++)
                for (var w = 0; w < 2; w++)
                    Assert.Equal(100 * o + 10 * w + i, oihw[o * 6 + i * 2 + w]);
    }

    [Fact]
    public void NotATfliteFile_IsAModelException()
    {
        var error = Assert.Throws<ModelException>(() => TfliteImporter.Convert(new byte[64], new Dictionary<string, string>(), "x"));
        Assert.Contains("TFL3", error.Message);
    }

    [Fact]
    public void TruncatedModel_IsAModelException()
    {
        var bytes = new byte[32];
        "TFL3"u8.CopyTo(bytes.AsSpan(4));
        bytes[0] = 200; // root offset beyond the end
        Assert.Throws<ModelException>(() => TfliteImporter.Convert(bytes, new Dictionary<string, string>(), "x"));
    }
}
