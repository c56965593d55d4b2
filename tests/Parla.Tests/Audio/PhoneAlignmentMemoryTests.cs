using System.Diagnostics;
using Parla.Audio.Phonemes;

namespace Parla.Tests.Audio;

/// <summary>Measured alone (no other test allocating native memory meanwhile): the process's resident memory is the measure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Measured alone";
}

[Collection(AloneCollection.Name)]
public sealed class PhoneAlignmentMemoryTests
{
    [Fact]
    public void APhoneGrammarForEveryPiece_DoesNotGrowTheProcess()
    {
        // Every decoded piece sets the aligner's grammar to its phones. This pocketsphinx's JSGF
        // parser kept every grammar it parsed, about 12 KB for two dozen phones: 5000 pieces (two
        // hours or so of voice) grew the process by about 60 MB.
        using var aligner = PocketSphinxDecoder.CreatePhoneAligner();
        string[] phones = ["HH", "AH", "L", "OW", "W", "ER", "L", "D", "DH", "IH", "S", "IH", "Z", "AH", "T", "EH", "S", "T", "AA", "N", "D", "M", "AO", "R"];
        long Resident(int pieces)
        {
            for (var i = 0; i < pieces; i++) aligner.UsePhoneAlignment(phones);
            PocketSphinxDecoder.ReleaseFreeNativeMemory();
            using var me = Process.GetCurrentProcess();
            return me.WorkingSet64;
        }

        var settled = Resident(2000);
        var grown = Resident(5000) - settled;
        Assert.True(grown < 15L << 20, $"5000 grammars grew the process by {grown >> 20} MB");
    }
}
