using Parla.Media;

namespace Parla.Tests.Audio;

/// <summary>Paths of the files under tests/data and synthetic test signals.</summary>
internal static class AudioTestData
{
    private static readonly Lazy<string> DataRoot = new(FindDataRoot);

    public static string Voice(string name) => Path.Combine(DataRoot.Value, "voices", name);

    public static float[] Sine(double frequencyHz, double seconds, int sampleRateHz = 16000, double amplitude = 0.5)
    {
        var samples = new float[(int)Math.Round(seconds * sampleRateHz)];
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = (float)(amplitude * Math.Sin(2 * Math.PI * frequencyHz * n / sampleRateHz));
        }

        return samples;
    }

    /// <summary>Uniform white noise with the given RMS, from a seeded generator.</summary>
    public static float[] WhiteNoise(double seconds, int seed, double rms = 0.1, int sampleRateHz = 16000)
    {
        var random = new Random(seed);
        var samples = new float[(int)Math.Round(seconds * sampleRateHz)];
        var scale = rms * Math.Sqrt(3) * 2; // uniform in [-a, a] has RMS a/√3
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = (float)((random.NextDouble() - 0.5) * scale);
        }

        return samples;
    }

    /// <summary>The 44-byte header of a mono 16-bit PCM WAV file holding <paramref name="dataBytes"/> bytes of samples.</summary>
    public static byte[] WavHeader(int dataBytes, int sampleRateHz)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write("RIFF"u8);
        w.Write(36 + dataBytes);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1); // PCM
        w.Write((short)1); // mono
        w.Write(sampleRateHz);
        w.Write(sampleRateHz * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(dataBytes);
        w.Flush();
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="samples"/> (−1..1) as a mono 16-bit PCM WAV file.</summary>
    public static void WriteWav(string path, float[] samples, int sampleRateHz = 16000)
    {
        using var file = File.Create(path);
        using var w = new BinaryWriter(file);
        w.Write(WavHeader(samples.Length * 2, sampleRateHz));
        foreach (var x in samples) w.Write((short)Math.Clamp(Math.Round(x * 32767), short.MinValue, short.MaxValue));
    }

    /// <summary>
    /// 16-kHz <paramref name="samples"/> as if they had been taken at <paramref name="sampleRateHz"/>: played
    /// back higher and faster (above 16 kHz) or lower and slower, pitch and formants alike. Written to
    /// <paramref name="path"/> and decoded as the pipeline decodes a file (to 16 kHz).
    /// </summary>
    public static AudioClip TakenAt(float[] samples, int sampleRateHz, string path)
    {
        WriteWav(path, samples, sampleRateHz);
        return AudioDecoder.Decode(path);
    }

    private static string FindDataRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data");
            if (File.Exists(Path.Combine(dir.FullName, "Parla.slnx")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/data was not found above {AppContext.BaseDirectory}.");
    }
}
