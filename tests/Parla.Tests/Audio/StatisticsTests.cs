namespace Parla.Tests.Audio;

public sealed class StatisticsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(60_000)]
    public void Sort_OrdersAsTheRuntimesSortDoes(int length)
    {
        // Levels in dB as the features hold them: negatives, a floor many frames share, zeros of both
        // signs, tiny and large magnitudes.
        var random = new Random(length + 1);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (i % 7) switch
            {
                0 => -120f,
                1 => 0f,
                2 => -0f,
                3 => (float)(random.NextDouble() * 1e-30),
                4 => (float)((random.NextDouble() - 0.5) * 1e6),
                _ => (float)((random.NextDouble() * 130) - 120),
            };
        }

        var expected = values.ToArray();
        Array.Sort(expected);
        Parla.Audio.Statistics.Sort(values);
        // Equal as numbers (-0 equals +0; the runtime's sort may leave them either way round).
        Assert.Equal(expected, values);
    }
}
