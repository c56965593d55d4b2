using Parla.Media;

namespace Parla.Tests.Media;

public sealed class AudioClipTests
{
    [Fact]
    public void ASlice_ReadsTheWholeClipsSamplesFromItsStart_InMemoryOrInTheDecodedFile()
    {
        var samples = new short[50_000];
        for (var i = 0; i < samples.Length; i++) samples[i] = (short)((i * 7) % 65_536 - 32_768);
        using var inMemory = new AudioClip(samples, 16_000);
        var path = Path.Combine(Path.GetTempPath(), $"parla-slice-{Guid.NewGuid():N}.wav");
        try
        {
            using (var file = File.Create(path))
            {
                file.Write(Parla.Tests.Audio.AudioTestData.WavHeader(samples.Length * 2, 16_000));
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()));
            }

            using var decoded = AudioDecoder.Decode(path);
            foreach (var whole in new[] { inMemory, decoded })
            {
                Assert.Equal(samples, whole.ToPcm16());
                using var slice = whole.Slice(12_345, 20_000);
                Assert.Equal(20_000, slice.Length);
                Assert.Equal(samples.AsSpan(12_345, 20_000).ToArray(), slice.ToPcm16());
                using (var inner = slice.Slice(5_000, 15_000))
                {
                    Assert.Equal(samples.AsSpan(17_345, 15_000).ToArray(), inner.ToPcm16());
                    var floats = new float[100];
                    inner.CopyTo(14_900, floats);
                    Assert.Equal(samples.AsSpan(32_245, 100).ToArray().Select(s => s / 32768f), floats);
                }

                Assert.Throws<ArgumentOutOfRangeException>(() => slice.Slice(1, 20_000));
                Assert.Throws<ArgumentOutOfRangeException>(() => slice.Read(19_999, new short[2]));
            }

            // A slice does not own the file: the clip still reads after its slices are gone.
            Assert.Equal(samples[49_999], decoded.ToPcm16()[^1]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
