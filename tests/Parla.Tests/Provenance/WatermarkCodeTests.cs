using Parla.Provenance;

namespace Parla.Tests.Provenance;

public sealed class WatermarkCodeTests
{
    [Fact]
    public void Crc24_KnownAnswer()
    {
        // The catalogued check value of CRC-24/OPENPGP over the ASCII string "123456789".
        Assert.Equal(0x21CF02u, WatermarkCode.Crc24("123456789"u8));
        Assert.NotEqual(WatermarkCode.Crc24(0x0123456789ABCDEFUL), WatermarkCode.Crc24(0x0123456789ABCDEEUL));
        Assert.Equal(282, WatermarkCode.CodedBits);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(0x0123456789ABCDEFUL)]
    public void Decode_RecoversThePayload_ThroughNoiseAndFlippedBits(ulong payload)
    {
        var random = new Random(42);
        var symbols = WatermarkCode.Encode(payload);
        var soft = new double[symbols.Length];
        for (var i = 0; i < soft.Length; i++) soft[i] = symbols[i] + Gaussian(random) * 0.8;
        for (var i = 0; i < 12; i++) soft[random.Next(soft.Length)] *= -1; // plus a dozen hard errors
        Assert.Equal(payload, WatermarkCode.Decode(soft));
    }

    [Fact]
    public void Decode_OfNoise_FailsTheCrc()
    {
        // Viterbi always returns some path; the CRC must reject it. 2^-24 per try: none in 300.
        var random = new Random(1);
        var soft = new double[WatermarkCode.CodedBits];
        for (var trial = 0; trial < 300; trial++)
        {
            for (var i = 0; i < soft.Length; i++) soft[i] = Gaussian(random);
            Assert.Null(WatermarkCode.Decode(soft));
        }
    }

    [Fact]
    public void Layout_IsFixedByTheKey()
    {
        var a = new WatermarkLayout(WatermarkKey.Project);
        var b = new WatermarkLayout(WatermarkKey.Project);
        var other = new WatermarkLayout(new WatermarkKey("another key, 16+ bytes"u8));
        Assert.Equal(a.Sign, b.Sign);
        Assert.Equal(a.Role, b.Role);
        Assert.NotEqual(a.Sign, other.Sign);
        Assert.Equal(WatermarkLayout.PilotCount, a.PilotCells.Length);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
