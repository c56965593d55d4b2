namespace Parla.Provenance;

/// <summary>
/// The watermark's channel code: 64 payload bits + CRC-24 (OpenPGP polynomial) = 88 bits, then a
/// rate-1/3, constraint-length-7 convolutional code (generators 133, 171, 165 octal, as LTE uses)
/// with a 6-bit zero tail = 282 coded bits, decoded by soft-decision Viterbi. The CRC rejects the
/// wrong paths Viterbi returns from noise: a random input passes with probability 2^-24.
/// </summary>
internal static class WatermarkCode
{
    public const int PayloadBits = 64;
    public const int CrcBits = 24;
    public const int InfoBits = PayloadBits + CrcBits;
    private const int Memory = 6;
    private const int Rate = 3;
    public const int CodedBits = (InfoBits + Memory) * Rate;
    private static readonly int[] s_generators = [0x5B, 0x79, 0x75]; // 133, 171, 165 octal

    /// <summary>The coded bits of <paramref name="payload"/> as ±1 symbols (+1 for a 0 bit).</summary>
    public static sbyte[] Encode(ulong payload)
    {
        var bits = InfoBitsOf(payload);
        var symbols = new sbyte[CodedBits];
        var register = 0;
        for (var i = 0; i < InfoBits + Memory; i++)
        {
            var bit = i < InfoBits ? bits[i] : 0;
            register = ((register << 1) | bit) & 0x7F;
            for (var k = 0; k < Rate; k++)
                symbols[i * Rate + k] = (sbyte)(Parity(register & s_generators[k]) == 0 ? 1 : -1);
        }
        return symbols;
    }

    /// <summary>
    /// Soft-decision Viterbi decoding of <paramref name="soft"/> (positive: the coded bit is more likely 0);
    /// the payload when its CRC checks, else null.
    /// </summary>
    public static ulong? Decode(ReadOnlySpan<double> soft)
    {
        if (soft.Length != CodedBits) throw new ArgumentException($"Expected {CodedBits} soft values.", nameof(soft));
        const int states = 1 << Memory;
        var steps = InfoBits + Memory;
        Span<double> metric = stackalloc double[states];
        Span<double> next = stackalloc double[states];
        var choice = new byte[steps * states]; // the bit shifted out of the predecessor, per (step, state)
        metric.Fill(double.NegativeInfinity);
        metric[0] = 0;
        for (var step = 0; step < steps; step++)
        {
            next.Fill(double.NegativeInfinity);
            var s0 = soft[step * Rate];
            var s1 = soft[step * Rate + 1];
            var s2 = soft[step * Rate + 2];
            for (var state = 0; state < states; state++)
            {
                if (double.IsNegativeInfinity(metric[state])) continue;
                for (var bit = 0; bit <= (step < InfoBits ? 1 : 0); bit++)
                {
                    var register = ((state << 1) | bit) & 0x7F;
                    var branch = Sign(register, 0) * s0 + Sign(register, 1) * s1 + Sign(register, 2) * s2;
                    var target = register & (states - 1);
                    var candidate = metric[state] + branch;
                    if (candidate > next[target])
                    {
                        next[target] = candidate;
                        choice[step * states + target] = (byte)(state >> (Memory - 1)); // the oldest bit of the old state
                    }
                }
            }
            next.CopyTo(metric);
        }
        // Trace back from the zero state the tail forces.
        var bits = new int[steps];
        var current = 0;
        for (var step = steps - 1; step >= 0; step--)
        {
            bits[step] = current & 1;
            current = (current >> 1) | (choice[step * states + current] << (Memory - 1));
        }
        ulong payload = 0;
        for (var i = 0; i < PayloadBits; i++) payload = (payload << 1) | (uint)bits[i];
        uint crc = 0;
        for (var i = 0; i < CrcBits; i++) crc = (crc << 1) | (uint)bits[PayloadBits + i];
        return crc == Crc24(payload) ? payload : null;
    }

    private static double Sign(int register, int k) => Parity(register & s_generators[k]) == 0 ? 1 : -1;

    private static int[] InfoBitsOf(ulong payload)
    {
        var bits = new int[InfoBits];
        for (var i = 0; i < PayloadBits; i++) bits[i] = (int)((payload >> (PayloadBits - 1 - i)) & 1);
        var crc = Crc24(payload);
        for (var i = 0; i < CrcBits; i++) bits[PayloadBits + i] = (int)((crc >> (CrcBits - 1 - i)) & 1);
        return bits;
    }

    /// <summary>CRC-24/OpenPGP (RFC 4880 §6.1) of the payload's 8 bytes, big-endian.</summary>
    internal static uint Crc24(ulong payload)
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, payload);
        return Crc24(bytes);
    }

    /// <summary>CRC-24/OpenPGP: polynomial 0x864CFB, initial value 0xB704CE, no reflection.</summary>
    internal static uint Crc24(ReadOnlySpan<byte> data)
    {
        uint crc = 0xB704CE;
        foreach (var b in data)
        {
            crc ^= (uint)b << 16;
            for (var i = 0; i < 8; i++)
            {
                crc <<= 1;
                if ((crc & 0x1000000) != 0) crc ^= 0x864CFB;
            }
        }
        return crc & 0xFFFFFF;
    }

    private static int Parity(int x) => System.Numerics.BitOperations.PopCount((uint)x) & 1;
}
