using BenchmarkDotNet.Attributes;
using Parla.Media;
using Parla.Rendering;

namespace Parla.Benchmarks;

/// <summary>
/// The bilinear row sampler alone: 4,096 rows over a 1024² image at random positions, slopes and
/// lengths of 4–64 pixels (the rows of a face mesh's triangles), about 140,000 pixels.
/// </summary>
public class SamplerBenchmarks
{
    private Frame _image = null!;
    private (float X, float Y, float Dx, float Dy, int Count)[] _rows = [];
    private byte[] _output = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _image = new Frame(1024, 1024);
        random.NextBytes(_image.Buffer);
        _rows = Enumerable.Range(0, 4096).Select(_ => ((float)random.NextDouble() * 1024, (float)random.NextDouble() * 1024,
            (float)(0.8 + random.NextDouble() * 0.4), (float)(random.NextDouble() * 0.4 - 0.2), 4 + random.Next(61))).ToArray();
        _output = new byte[64 * 4];
    }

    [GlobalCleanup]
    public void Cleanup() => _image.Dispose();

    [Benchmark]
    public void SampleRows()
    {
        foreach (var (x, y, dx, dy, count) in _rows)
        {
            MeshWarp.SampleRow(_image, _output.AsSpan(0, count * 4), x, y, dx, dy);
        }
    }
}
