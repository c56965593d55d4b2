namespace Parla.Provenance;

/// <summary>
/// Where the watermark's chips go. The frame is covered by square cells of side H/<see cref="CellsPerHeight"/>
/// (H: the video height; 4 pixels at 512), and the cells by a periodic tile of <see cref="TileCells"/>×<see cref="TileCells"/>
/// cells, so the tile repeats every H/4 pixels in both directions; any crop keeping a quarter of the
/// height still holds every cell of the tile. (Cells of H/64 were tried first: on a textured
/// portrait the host's own detail at that scale drowned the mark; at H/128 there are 4× more chips
/// and they still survive CRF 32 and a 50% downscale.) In the tile, a key-chosen quarter of the cells carry a
/// fixed pilot pattern (the synchronisation template the detector searches for to find scale and
/// offset); the others carry the coded payload bits, each bit on 2–3 cells per tile with a key-chosen sign.
/// </summary>
internal sealed class WatermarkLayout
{
    public const int CellsPerHeight = 128;
    public const int TileCells = 32;
    public const int CellCount = TileCells * TileCells;
    public const int PilotCount = CellCount / 4;

    /// <summary>Per tile cell (row-major): the coded bit it carries, or -1 for a pilot cell.</summary>
    public readonly short[] Role = new short[CellCount];

    /// <summary>Per tile cell: the key's sign (±1) — the pilot's value, or the scrambling of the payload chip.</summary>
    public readonly sbyte[] Sign = new sbyte[CellCount];

    /// <summary>The pilot cells' indices, in ascending order.</summary>
    public readonly int[] PilotCells;

    /// <summary>Each pilot cell's index in the tile laid out twice in each direction (2·<see cref="TileCells"/> cells a row).</summary>
    public readonly int[] PilotOffsetsInTwice;

    /// <summary>Each pilot cell's sign, in the order of <see cref="PilotCells"/>.</summary>
    public readonly double[] PilotSigns;

    public WatermarkLayout(WatermarkKey key)
    {
        var order = new int[CellCount];
        for (var i = 0; i < CellCount; i++) order[i] = i;
        var shuffle = new SplitMix64(key.Seed("layout/permutation"));
        for (var i = CellCount - 1; i > 0; i--)
        {
            var j = shuffle.Below(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        for (var k = 0; k < CellCount; k++)
            Role[order[k]] = (short)(k < PilotCount ? -1 : (k - PilotCount) % WatermarkCode.CodedBits);
        var signs = new SplitMix64(key.Seed("layout/signs"));
        for (var i = 0; i < CellCount; i++) Sign[i] = (sbyte)((signs.Next() & 1) == 0 ? 1 : -1);
        PilotCells = Enumerable.Range(0, CellCount).Where(i => Role[i] < 0).ToArray();
        PilotOffsetsInTwice = PilotCells.Select(c => (c / TileCells * 2 * TileCells) + (c % TileCells)).ToArray();
        PilotSigns = PilotCells.Select(c => (double)Sign[c]).ToArray();
    }

    /// <summary>The ±1 chip of every tile cell for a payload.</summary>
    public sbyte[] Chips(ulong payload)
    {
        var symbols = WatermarkCode.Encode(payload);
        var chips = new sbyte[CellCount];
        for (var i = 0; i < CellCount; i++)
            chips[i] = Role[i] < 0 ? Sign[i] : (sbyte)(Sign[i] * symbols[Role[i]]);
        return chips;
    }
}
