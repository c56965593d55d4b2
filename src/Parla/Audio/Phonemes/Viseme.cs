namespace Parla.Audio.Phonemes;

/// <summary>The 15 Oculus (Meta) visemes: the mouth shapes most avatar tools use. See docs/visemes.md.</summary>
public enum Viseme
{
    /// <summary>Silence: the mouth at rest, closed.</summary>
    Sil,

    /// <summary>p, b, m: lips pressed together.</summary>
    PP,

    /// <summary>f, v: lower lip against the upper teeth.</summary>
    FF,

    /// <summary>th, dh: tongue between the teeth, mouth slightly open.</summary>
    TH,

    /// <summary>t, d: tongue on the ridge behind the teeth.</summary>
    DD,

    /// <summary>k, g, ng: back of the tongue raised, jaw a little open.</summary>
    Kk,

    /// <summary>ch, jh, sh, zh: lips pushed forward, teeth close.</summary>
    CH,

    /// <summary>s, z: teeth close, lips spread a little.</summary>
    SS,

    /// <summary>n, l: tongue up, jaw a little open.</summary>
    Nn,

    /// <summary>r, er: lips slightly rounded.</summary>
    RR,

    /// <summary>aa, ae, ah: jaw wide open.</summary>
    Aa,

    /// <summary>eh, ey: jaw half open, lips spread.</summary>
    E,

    /// <summary>ih, iy, y: jaw nearly closed, lips spread.</summary>
    Ih,

    /// <summary>ao, ow, oy: jaw open, lips rounded.</summary>
    Oh,

    /// <summary>uw, uh, w: lips tightly rounded and pushed out.</summary>
    Ou,
}

/// <summary>ARPAbet (CMUdict, as pocketsphinx names its phones) to Oculus visemes.</summary>
public static class VisemeMap
{
    /// <summary>
    /// The viseme of an ARPAbet phone (stress digits ignored); silence and noise fillers ("SIL",
    /// "+NSN+", …) and unknown symbols give <see cref="Viseme.Sil"/>. Diphthongs give the shape
    /// they start with; <see cref="Glide"/> names the one they end with.
    /// </summary>
    public static Viseme Of(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return phone.TrimEnd('0', '1', '2').ToUpperInvariant() switch
        {
            "P" or "B" or "M" => Viseme.PP,
            "F" or "V" => Viseme.FF,
            "TH" or "DH" => Viseme.TH,
            "T" or "D" => Viseme.DD,
            "K" or "G" or "NG" or "HH" => Viseme.Kk,
            "CH" or "JH" or "SH" or "ZH" => Viseme.CH,
            "S" or "Z" => Viseme.SS,
            "N" or "L" => Viseme.Nn,
            "R" or "ER" => Viseme.RR,
            "AA" or "AE" or "AH" or "AY" or "AW" => Viseme.Aa,
            "EH" or "EY" => Viseme.E,
            "IH" or "IY" or "Y" => Viseme.Ih,
            "AO" or "OW" or "OY" => Viseme.Oh,
            "UW" or "UH" or "W" => Viseme.Ou,
            _ => Viseme.Sil,
        };
    }

    /// <summary>For a diphthong, the viseme its second half glides to (AY → ih, AW → ou, EY → ih, OW → ou, OY → ih); otherwise null.</summary>
    public static Viseme? Glide(string phone) => phone.TrimEnd('0', '1', '2').ToUpperInvariant() switch
    {
        "AY" or "EY" or "OY" => Viseme.Ih,
        "AW" or "OW" => Viseme.Ou,
        _ => null,
    };
}
