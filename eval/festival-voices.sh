#!/usr/bin/env bash
# Lip closure on bilabials in voices other than the LibriVox reader's: festival (Debian) reads a
# paragraph full of m, b and p with four voices — an American woman (HTS, cmu_us_slt_arctic), a
# Catalan woman (HTS, upc_ca_ona), an Italian woman (diphones, lp) and a Czech boy (diphones, krb) —
# and notes where each word starts, from the synthesiser's own segments
# (tests/data/voices/festival_say.scm); its American diphone voice (kal) sings a song of four phrases
# in its singing mode (the tests' song). Parla animates PORTRAIT with each, and the independent
# yardstick, if given, counts the bilabial onsets with the lips closed and shut.
# usage: YARDSTICK=path/to/avsync.py eval/festival-voices.sh PORTRAIT [animate options, e.g. --language none]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
portrait="${1:?usage: eval/festival-voices.sh PORTRAIT [animate options]}"
shift
scripts/install-deps.sh festival festvox-us-slt-hts festvox-ca-ona-hts festvox-italp16k festvox-czech-krb festvox-kallpc16k sox >/dev/null
dir=$(mktemp -d /tmp/parla-festival.XXXXXX)
declare -A voice=([en]=cmu_us_slt_arctic_hts [ca]=upc_ca_ona_hts [it]=lp_diphone [cs]=czech_krb)
# festival's Catalan, Italian and Czech front ends read these without accents.
declare -A text=(
  [en]="My brother Peter bought a beautiful map of Boston last month. Maybe we can meet him by the big park before the market opens. Please bring the paper bag, because my mother wants more bread and butter. Paul put the best books back on the middle shelf, but Mary misplaced them by morning. Bob and Pam played music for many people at the party. Most of them paid for a meal, and both of them missed the boat."
  [ca]="La meva mare porta pa i mantega cada mati. El meu pare parla amb el metge del poble. Molts bons amics passegen per la platja de Barcelona. Maria compra bombons i mel al mercat. Pau menja peix amb patates, pero beu poca aigua. Em pots portar el paraigua blau, per favor? Ben aviat, la Berta i en Miquel pujaran a la muntanya."
  [it]="Mia madre porta il pane e il burro ogni mattina. Mio padre parla molto bene con il medico. Maria mangia mele e pere al mercato. Paolo beve poco, ma balla benissimo. Bambini e mamme passeggiano per il parco. Per piacere, mi porti la borsa marrone? Domani mattina partiamo per Bologna."
  [cs]="Moje mama pece buchty. Petr mi pomaha s praci. Babicka ma maleho psa. Pavel bezi po moste. Bratr maluje modre mraky. Pepa miluje boty a budovy. Prosim, podej mi bily papir."
)
# The song: word, note, beats; a rest of a beat and a half after each phrase (as in LipSyncTests).
song='my G3 1 mother A3 1 bakes B3 1 bread D4 2 |
by C4 1 the B3 0.5 moon A3 1 and G3 0.5 many A3 1 more B3 2 |
people D4 1 pass C4 1 my B3 1 best A3 1 place G3 2 |
but G3 1 maybe A3 1 mary B3 1 played C4 1 music D4 1 better B3 1 peacefully G3 3 |'
{
  echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE SINGING PUBLIC "-//SINGING//DTD SINGING mark up//EN" "Singing.v0_1.dtd" []>'
  echo '<SINGING BPM="100">'
  echo "$song" | tr ' ' '\n' | awk 'NF { if ($0 == "|") { print "<REST BEATS=\"1.5\"></REST>"; next } w[++n] = $0; if (n == 3) { printf "<PITCH NOTE=\"%s\"><DURATION BEATS=\"%s\">%s</DURATION></PITCH>\n", w[2], w[3], w[1]; n = 0 } }'
  echo '</SINGING>'
} > "$dir/song.xml"
voice[song]=kal_diphone
for lang in en ca it cs song; do
  if [ "$lang" = song ]; then
    printf '(load "%s")\n(parla-sing (quote voice_%s) "%s" "%s" "%s")\n' "$ROOT/tests/data/voices/festival_say.scm" \
      "${voice[$lang]}" "$dir/song.xml" "$dir/$lang.raw.wav" "$dir/$lang.words" > "$dir/$lang.scm"
  else
    printf '(load "%s")\n(parla-say (quote voice_%s) "%s" "%s" "%s")\n' "$ROOT/tests/data/voices/festival_say.scm" \
      "${voice[$lang]}" "${text[$lang]}" "$dir/$lang.raw.wav" "$dir/$lang.words" > "$dir/$lang.scm"
  fi
  festival -b "$dir/$lang.scm"
  sox -V1 -D "$dir/$lang.raw.wav" -r 16000 -c 1 -b 16 "$dir/$lang.wav"  # -D: no dither, the same voice every run
  ./parla animate "$portrait" "$dir/$lang.wav" -o "$dir/$lang.mp4" "$@" \
    --consent "Evaluation on synthetic speech and a public-domain portrait." >"$dir/$lang.log" 2>&1 ||
    { cat "$dir/$lang.log" >&2; exit 1; }
  echo "$lang (${voice[$lang]}): $(grep -o 'mouth from [^(]*' "$dir/$lang.log" || true)"
  if [ -n "${YARDSTICK:-}" ]; then
    echo "  $(/usr/bin/python3 "$YARDSTICK" "$dir/$lang.mp4" --words "$dir/$lang.words")"
  fi
done
echo "eval: videos and word times in $dir"
